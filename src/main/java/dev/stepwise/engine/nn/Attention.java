package dev.stepwise.engine.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * Multi-head scaled dot-product attention softmax(Q K^T / sqrt(d)) V (Vaswani et al. 2017, eq. 1)
 * in blocks, so that its working memory is bounded by a fixed score budget whatever Nq and Nk are.
 *
 * <p>A 64x64 latent gives 4096 tokens: an unchunked score matrix for batch 2 and 8 heads would be
 * 2*8*4096^2 floats (1 GiB). Queries are taken a chunk at a time (exact: each query's softmax only
 * involves its own row of scores). When even one row of scores over all keys, for every batch entry
 * and head, exceeds the budget, the keys are taken a chunk at a time too and the partial results
 * merged with a running maximum and sum (the online softmax of Milakov & Gimelshein 2018, "Online
 * normalizer calculation for softmax", as Rabe & Staats 2021, "Self-attention does not need O(n^2)
 * memory", use it for attention).
 *
 * <p>Every chunk's result is written into one output array allocated before the loop, and each
 * chunk's temporaries are freed before the next chunk starts. Collecting the chunk results in a
 * list and concatenating them at the end (what this class did before) let each small result settle
 * in the C heap above that chunk's freed 8 MiB score buffers, so the next chunk could not reuse
 * them: one call on [2, 9216, 32] with 4 heads grew the process by 2.3 GB instead of 0.1 GB
 * (docs/engine.md, "Memory").
 */
public final class Attention {
  /**
   * The default score budget: 2^21 floats (8 MiB) per chunk. Smaller chunks stay in cache: one
   * 4096-token SD 1.5 self-attention took 5.4 s with 2^24 and 0.6-0.8 s with 2^20 to 2^22 here.
   */
  public static final long DEFAULT_MAX_SCORES = 1L << 21;

  /** The most queries per chunk when the keys are chunked too (the budget sets the key chunk). */
  private static final long KEY_CHUNKED_QUERIES = 128;

  private Attention() {}

  /** {@link #attend(NDArray, NDArray, NDArray, int, boolean, long)} with the default budget. */
  public static NDArray attend(NDArray q, NDArray k, NDArray v, int heads, boolean causal) {
    return attend(q, k, v, heads, causal, DEFAULT_MAX_SCORES);
  }

  /**
   * Attends {@code q [B, Nq, H*D]} to {@code k, v [B, Nk, H*D]} with {@code heads} heads of {@code
   * D} dims, returning {@code [B, Nq, H*D]}; {@code causal} hides keys after each query (CLIP's
   * mask, transformers modeling_clip.py _create_4d_causal_attention_mask; needs Nq == Nk). At most
   * about {@code max(maxScores, B*H)} scores exist at once: {@link #chunks} says how they are cut.
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
    long[] chunk = chunks(b * heads, nq, nk, maxScores);
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
      NDArray out;
      if (chunk[0] >= nq && chunk[1] >= nk) {
        out = block(qh, kt, vh, 0, causal); // [B*H, Nq, D]
      } else {
        out = scope.manager().zeros(new Shape(b * heads, nq, d)); // [B*H, Nq, D]
        for (long start = 0; start < nq; start += chunk[0]) {
          long end = Math.min(nq, start + chunk[0]);
          try (Scope inner = Scope.open(qh, kt, vh)) {
            NDArray qc = qh.get(new NDIndex(":, {}:{}, :", start, end)); // [B*H, c, D]
            NDArray oc =
                chunk[1] >= nk
                    ? block(qc, kt, vh, start, causal) // [B*H, c, D]
                    : keyChunked(qc, kt, vh, start, causal, chunk[1]); // [B*H, c, D]
            out.set(new NDIndex(":, {}:{}, :", start, end), oc); // out[:, start:end] = oc
          }
        }
      }
      NDArray merged =
          out.reshape(b, heads, nq, d).transpose(0, 2, 1, 3).reshape(b, nq, c); // [B, Nq, H*D]
      return scope.keep(merged);
    }
  }

  /**
   * The query and key chunk sizes {@code {cq, ck}} for {@code bh} batch-heads: all keys at once
   * ({@code ck = nk}) with {@code cq = maxScores / (bh nk)} queries when one row of scores fits the
   * budget; else {@code cq = min(nq, 128, sqrt(maxScores / bh))} queries against {@code ck =
   * maxScores / (bh cq)} keys. Either way {@code bh cq ck <= max(maxScores, bh)}.
   */
  static long[] chunks(long bh, long nq, long nk, long maxScores) {
    long rows = maxScores / Math.max(1, bh * nk);
    if (rows >= 1) {
      return new long[] {Math.min(nq, rows), nk};
    }
    long perHead = maxScores / Math.max(1, bh);
    long cq = Math.max(1, Math.min(nq, Math.min(KEY_CHUNKED_QUERIES, (long) Math.sqrt(perHead))));
    long ck = Math.max(1, Math.min(nk, maxScores / Math.max(1, bh * cq)));
    return new long[] {cq, ck};
  }

  /** One chunk with every key: q rows start at query index {@code offset}. */
  private static NDArray block(NDArray qc, NDArray kt, NDArray vh, long offset, boolean causal) {
    NDArray scores = qc.batchMatMul(kt); // [B*H, c, Nk]
    if (causal) {
      scores = scores.add(causalMask(qc.getManager(), offset, qc.getShape().get(1), 0, nk(kt)));
      // scores: [B*H, c, Nk]
    }
    return scores.softmax(-1).batchMatMul(vh); // [B*H, c, D]
  }

  /**
   * One query chunk against the keys {@code keyChunk} at a time, merged by the online softmax
   * (Milakov & Gimelshein 2018, algorithm 3; Rabe & Staats 2021, section 2): with the running row
   * maximum m, sum l and unnormalised output o, a key chunk with scores s gives m' = max(m, max_j
   * s_j), l' = l e^(m - m') + sum_j e^(s_j - m'), o' = o e^(m - m') + sum_j e^(s_j - m') v_j, and
   * the result is o / l. m' = m + relu(max_j s_j - m), so m, l and o are updated in place.
   */
  private static NDArray keyChunked(
      NDArray qc, NDArray kt, NDArray vh, long offset, boolean causal, long keyChunk) {
    long rows = qc.getShape().get(1);
    long nk = nk(kt);
    long last = causal ? Math.min(nk, offset + rows) : nk; // keys at or after `last` are all hidden
    NDArray m = null; // [B*H, c, 1] running row maximum
    NDArray l = null; // [B*H, c, 1] running sum of e^(s - m)
    NDArray o = null; // [B*H, c, D] running sum of e^(s - m) v
    for (long ks = 0; ks < last; ks += keyChunk) {
      long ke = Math.min(nk, ks + keyChunk);
      try (Scope step = Scope.open(qc, kt, vh, m, l, o)) {
        NDArray kc = kt.get(new NDIndex(":, :, {}:{}", ks, ke)); // [B*H, D, ck]
        NDArray vc = vh.get(new NDIndex(":, {}:{}, :", ks, ke)); // [B*H, ck, D]
        NDArray s = qc.batchMatMul(kc); // [B*H, c, ck]
        if (causal) {
          s.addi(causalMask(step.manager(), offset, rows, ks, ke)); // [B*H, c, ck]
        }
        if (m == null) {
          // The first chunk holds key 0, which no query hides, so every row's maximum is finite.
          m = step.keep(s.max(new int[] {2}, true)); // [B*H, c, 1]
          NDArray p = s.subi(m).exp(); // [B*H, c, ck]
          l = step.keep(p.sum(new int[] {2}, true)); // [B*H, c, 1]
          o = step.keep(p.batchMatMul(vc)); // [B*H, c, D]
          continue;
        }
        NDArray up = s.max(new int[] {2}, true).subi(m).maximum(0f); // [B*H, c, 1] m' - m >= 0
        m.addi(up); // [B*H, c, 1] m'
        NDArray alpha = up.neg().exp(); // [B*H, c, 1] e^(m - m')
        NDArray p = s.subi(m).exp(); // [B*H, c, ck] e^(s - m')
        l.muli(alpha).addi(p.sum(new int[] {2}, true)); // [B*H, c, 1]
        o.muli(alpha).addi(p.batchMatMul(vc)); // [B*H, c, D]
      }
    }
    return o.divi(l); // [B*H, c, D]
  }

  /**
   * 0 where key {@code ks + j} is at or before query {@code offset + i}, else -1e30: [rows, ke-ks].
   */
  private static NDArray causalMask(NDManager m, long offset, long rows, long ks, long ke) {
    int cols = (int) (ke - ks);
    NDArray row = m.arange((int) offset, (int) (offset + rows), 1, DataType.INT32); // [c]
    NDArray col = m.arange((int) ks, (int) ke, 1, DataType.INT32); // [ck]
    NDArray hidden = col.reshape(1, cols).gt(row.reshape(rows, 1)); // [c, ck] key after query
    return hidden.toType(DataType.FLOAT32, false).mul(-1e30f); // [c, ck] 0 or -1e30
  }

  private static long nk(NDArray kt) {
    return kt.getShape().get(2);
  }
}
