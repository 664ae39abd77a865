package dev.stepwise.engine.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * Multi-head scaled dot-product attention softmax(Q K^T / sqrt(d)) V (Vaswani et al. 2017, eq. 1),
 * computed over chunks of queries so that the score matrix never exceeds a fixed element budget.
 *
 * <p>A 64x64 latent gives 4096 tokens: an unchunked score matrix for batch 2 and 8 heads would be
 * 2*8*4096^2 floats (1 GiB). Chunking queries is exact because each query's softmax only involves
 * its own row of scores.
 */
public final class Attention {
  /**
   * The default score budget: 2^21 floats (8 MiB) per chunk. Smaller chunks stay in cache: one
   * 4096-token SD 1.5 self-attention took 5.4 s with 2^24 and 0.6-0.8 s with 2^20 to 2^22 here.
   */
  public static final long DEFAULT_MAX_SCORES = 1L << 21;

  private Attention() {}

  /** {@link #attend(NDArray, NDArray, NDArray, int, boolean, long)} with the default budget. */
  public static NDArray attend(NDArray q, NDArray k, NDArray v, int heads, boolean causal) {
    return attend(q, k, v, heads, causal, DEFAULT_MAX_SCORES);
  }

  /**
   * Attends {@code q [B, Nq, H*D]} to {@code k, v [B, Nk, H*D]} with {@code heads} heads of {@code
   * D} dims, returning {@code [B, Nq, H*D]}; {@code causal} hides keys after each query (CLIP's
   * mask, transformers modeling_clip.py _create_4d_causal_attention_mask; needs Nq == Nk). Queries
   * are processed {@code max(1, maxScores / (B*H*Nk))} at a time.
   */
  public static NDArray attend(
      NDArray q, NDArray k, NDArray v, int heads, boolean causal, long maxScores) {
    Shape qs = q.getShape();
    long b = qs.get(0);
    long nq = qs.get(1);
    long c = qs.get(2);
    long nk = k.getShape().get(1);
    long d = c / heads;
    float scale = (float) (1.0 / Math.sqrt(d));
    FlopCounter.add(2 * 2 * b * heads * nq * nk * d); // Q K^T and P V
    try (Scope scope = Scope.open(q, k, v)) {
      NDArray qh =
          q.reshape(b, nq, heads, d)
              .transpose(0, 2, 1, 3)
              .reshape(b * heads, nq, d)
              .mul(scale); // [B*H, Nq, D]
      NDArray kt = k.reshape(b, nk, heads, d).transpose(0, 2, 3, 1).reshape(b * heads, d, nk);
      // kt: [B*H, D, Nk]
      NDArray vh = v.reshape(b, nk, heads, d).transpose(0, 2, 1, 3).reshape(b * heads, nk, d);
      // vh: [B*H, Nk, D]
      long chunk = Math.max(1, Math.min(nq, maxScores / Math.max(1, b * heads * nk)));
      NDArray out;
      if (chunk >= nq) {
        out = block(qh, kt, vh, 0, causal); // [B*H, Nq, D]
      } else {
        NDList parts = new NDList();
        for (long start = 0; start < nq; start += chunk) {
          long end = Math.min(nq, start + chunk);
          try (Scope inner = Scope.open(qh, kt, vh)) {
            NDArray qc = qh.get(new NDIndex(":, {}:{}, :", start, end)); // [B*H, c, D]
            parts.add(inner.keep(block(qc, kt, vh, start, causal))); // [B*H, c, D]
          }
        }
        out = NDArrays.concat(parts, 1); // [B*H, Nq, D]
      }
      NDArray merged =
          out.reshape(b, heads, nq, d).transpose(0, 2, 1, 3).reshape(b, nq, c); // [B, Nq, H*D]
      return scope.keep(merged);
    }
  }

  /** One chunk: q rows start at query index {@code offset}. */
  private static NDArray block(NDArray qc, NDArray kt, NDArray vh, long offset, boolean causal) {
    NDArray scores = qc.batchMatMul(kt); // [B*H, c, Nk]
    if (causal) {
      int rows = (int) qc.getShape().get(1);
      int nk = (int) kt.getShape().get(2);
      NDManager m = qc.getManager();
      NDArray row = m.arange((int) offset, (int) offset + rows, 1, DataType.INT32); // [c]
      NDArray col = m.arange(0, nk, 1, DataType.INT32); // [Nk]
      NDArray hidden = col.reshape(1, nk).gt(row.reshape(rows, 1)); // [c, Nk] key after query
      NDArray mask = hidden.toType(DataType.FLOAT32, false).mul(-1e30f); // [c, Nk] 0 or -1e30
      scores = scores.add(mask); // [B*H, c, Nk]
    }
    return scores.softmax(-1).batchMatMul(vh); // [B*H, c, D]
  }
}
