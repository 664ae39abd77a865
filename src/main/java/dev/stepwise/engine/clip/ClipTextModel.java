package dev.stepwise.engine.clip;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import dev.stepwise.engine.nn.Activations;
import dev.stepwise.engine.nn.Attention;
import dev.stepwise.engine.nn.LayerNorm;
import dev.stepwise.engine.nn.Linear;
import dev.stepwise.engine.nn.Parameters;
import dev.stepwise.engine.nn.Scope;
import java.util.Comparator;
import java.util.List;

/**
 * The CLIP text transformer (Radford et al. 2021) as transformers' CLIPTextModel
 * (models/clip/modeling_clip.py): token + position embeddings, pre-LN layers with causal
 * self-attention and an MLP, a final LayerNorm. Stable Diffusion consumes last_hidden_state.
 *
 * <p>Weights under {@code text_model.} (older transformers) or without that prefix (transformers 5
 * saves it that way); {@code text_model.embeddings.position_ids} is ignored and rebuilt. A
 * CLIPTextModelWithProjection (SDXL's second encoder) also has {@code text_projection.weight [P,
 * D]} at the root. Shapes: B = batch, L = tokens, D = hidden_size, I = intermediate_size, P =
 * projection_dim.
 */
public final class ClipTextModel {
  private final ClipTextConfig config;
  private final NDArray tokenEmbedding; // [V, D]
  private final NDArray positionEmbedding; // [P, D]
  private final Layer[] layers;
  private final LayerNorm finalLayerNorm;
  private final Linear textProjection; // [P, D] without bias, or null

  /**
   * SDXL's use of an encoder (diffusers pipeline_stable_diffusion_xl.py encode_prompt): {@code
   * penultimate} = hidden_states[-2] [B, L, D], without final_layer_norm; {@code pooled} =
   * final_layer_norm(last layer) at the end-of-text position [B, D], through text_projection [B, P]
   * when the model has one (transformers CLIPTextModelWithProjection text_embeds).
   */
  public record Penultimate(NDArray penultimate, NDArray pooled) {}

  private record Layer(
      LayerNorm norm1,
      Linear q,
      Linear k,
      Linear v,
      Linear out,
      LayerNorm norm2,
      Linear fc1,
      Linear fc2) {}

  /**
   * Vectors that take the place of {@code count} token embeddings from {@code position} on (a
   * textual-inversion embedding's vectors where its name stood in the prompt).
   *
   * @param position the first position in the window
   * @param count how many positions (the embedding's vectors)
   * @param values the vectors, row-major [count, D]
   */
  public record TokenVectors(int position, int count, float[] values) {}

  public ClipTextModel(ClipTextConfig c, Parameters root) {
    this.config = c;
    Parameters p =
        root.contains("text_model.embeddings.token_embedding.weight")
                || !root.contains("embeddings.token_embedding.weight")
            ? root.prefix("text_model")
            : root;
    long d = c.hiddenSize();
    long inter = c.intermediateSize();
    double eps = c.layerNormEps();
    tokenEmbedding = p.get("embeddings.token_embedding.weight", c.vocabSize(), d);
    positionEmbedding = p.get("embeddings.position_embedding.weight", c.maxPositionEmbeddings(), d);
    layers = new Layer[c.numHiddenLayers()];
    for (int i = 0; i < layers.length; i++) {
      Parameters l = p.prefix("encoder.layers." + i);
      layers[i] =
          new Layer(
              LayerNorm.load(l, "layer_norm1", d, eps),
              Linear.load(l, "self_attn.q_proj", d, d, true),
              Linear.load(l, "self_attn.k_proj", d, d, true),
              Linear.load(l, "self_attn.v_proj", d, d, true),
              Linear.load(l, "self_attn.out_proj", d, d, true),
              LayerNorm.load(l, "layer_norm2", d, eps),
              Linear.load(l, "mlp.fc1", d, inter, true),
              Linear.load(l, "mlp.fc2", inter, d, true));
    }
    finalLayerNorm = LayerNorm.load(p, "final_layer_norm", d, eps);
    textProjection =
        c.withProjection()
            ? Linear.load(root, "text_projection", d, c.projectionDim(), false)
            : null;
  }

  public ClipTextConfig config() {
    return config;
  }

  /**
   * last_hidden_state [B, L, D] for token ids [B, L] (any integer type), L at most
   * max_position_embeddings.
   */
  public NDArray forward(NDArray ids) {
    return forward(ids, 0);
  }

  /**
   * The hidden state {@code clipSkip} layers before the last, passed through final_layer_norm
   * (diffusers pipeline_stable_diffusion.py encode_prompt: clip_skip 1 = AUTOMATIC1111 "Clip skip
   * 2").
   */
  public NDArray forward(NDArray ids, int clipSkip) {
    return forward(ids, clipSkip, List.of());
  }

  /**
   * As {@link #forward(NDArray, int)}, with {@code vectors} placed over the token embeddings before
   * the position embeddings are added, as AUTOMATIC1111's {@code EmbeddingsWithFixes}
   * (modules/sd_hijack.py) does for textual-inversion embeddings; only for a batch of one.
   */
  public NDArray forward(NDArray ids, int clipSkip, List<TokenVectors> vectors) {
    long b = ids.getShape().get(0);
    long len = ids.getShape().get(1);
    if (len > config.maxPositionEmbeddings() || clipSkip < 0 || clipSkip >= layers.length) {
      throw new IllegalArgumentException(
          "The ids of length " + len + " or clip skip " + clipSkip + " are out of range.");
    }
    try (Scope scope = Scope.open(ids)) {
      NDArray x = embed(ids, vectors, scope); // [B, L, D]
      // 2. Pre-LN encoder layers with the causal mask (CLIPEncoderLayer); the hidden state after
      //    layer n - clipSkip is the one returned.
      int last = layers.length - clipSkip;
      for (int i = 0; i < last; i++) {
        x = layer(layers[i], x); // [B, L, D]
      }
      // 3. final_layer_norm (applied to the clip-skipped state as well, as diffusers does).
      return scope.keep(finalLayerNorm.forward(x)); // [B, L, D]
    }
  }

  /**
   * SDXL's outputs for token ids [B, L]: the penultimate hidden state and the (projected) pooled
   * output, both owned by the manager of {@code ids}. The pooled position is transformers': the
   * first {@code eos_token_id}, or for the legacy {@code eos_token_id} 2 the largest id.
   */
  public Penultimate forwardPenultimate(NDArray ids) {
    return forwardPenultimate(ids, List.of());
  }

  /**
   * As {@link #forwardPenultimate(NDArray)}, with {@code vectors} placed over the token embeddings
   * (textual-inversion embeddings, as {@link #forward(NDArray, int, List)}); only for a batch of
   * one.
   */
  public Penultimate forwardPenultimate(NDArray ids, List<TokenVectors> vectors) {
    long len = ids.getShape().get(1);
    if (len > config.maxPositionEmbeddings()) {
      throw new IllegalArgumentException("The ids of length " + len + " are out of range.");
    }
    try (Scope scope = Scope.open(ids)) {
      NDArray x = embed(ids, vectors, scope); // [B, L, D]
      NDArray penultimate = x; // hidden_states[-2] of a one-layer encoder is the embedding
      for (int i = 0; i < layers.length; i++) {
        x = layer(layers[i], x); // [B, L, D]
        if (i == layers.length - 2) {
          penultimate = x;
        }
      }
      NDArray last = finalLayerNorm.forward(x); // [B, L, D]
      NDArray pooled = gather(last, ids); // [B, D]
      if (textProjection != null) {
        pooled = textProjection.forward(pooled); // [B, P]
      }
      return new Penultimate(scope.keep(penultimate), scope.keep(pooled));
    }
  }

  /** Rows of {@code last} [B, L, D] at each batch item's end-of-text position: [B, D]. */
  private NDArray gather(NDArray last, NDArray ids) {
    long[] flat = ids.toType(DataType.INT64, false).toLongArray(); // [B * L]
    long b = ids.getShape().get(0);
    int len = (int) ids.getShape().get(1);
    NDList rows = new NDList();
    for (int i = 0; i < b; i++) {
      int at = 0;
      for (int j = 0; j < len; j++) {
        long id = flat[i * len + j];
        boolean better =
            config.eosTokenId() == 2 ? id > flat[i * len + at] : id == config.eosTokenId();
        if (better) {
          at = j;
          if (config.eosTokenId() != 2) {
            break; // the first end-of-text token
          }
        }
      }
      rows.add(last.get("{}, {}", i, at).expandDims(0)); // [1, D]
    }
    return NDArrays.concat(rows, 0); // [B, D]
  }

  /** token_embedding[ids] (with {@code vectors} placed) + position_embedding[0..L-1]. */
  private NDArray embed(NDArray ids, List<TokenVectors> vectors, Scope scope) {
    long len = ids.getShape().get(1);
    // 1. Embeddings: token_embedding[ids] + position_embedding[0..L-1] (CLIPTextEmbeddings).
    NDArray flat = ids.toType(DataType.INT64, false); // [B, L]
    NDArray x =
        ai.djl.nn.core.Embedding.embedding(flat, tokenEmbedding, SparseFormat.DENSE)
            .singletonOrThrow(); // [B, L, D]
    if (!vectors.isEmpty()) {
      x = placed(x, vectors, scope); // [1, L, D]
    }
    NDArray positionIds = scope.manager().arange(0L, len, 1L, DataType.INT64); // [L]
    NDArray positions =
        ai.djl.nn.core.Embedding.embedding(positionIds, positionEmbedding, SparseFormat.DENSE)
            .singletonOrThrow(); // [L, D]
    return x.add(positions); // [B, L, D]
  }

  /** One pre-LN encoder layer with the causal mask (CLIPEncoderLayer): [B, L, D] to [B, L, D]. */
  private NDArray layer(Layer l, NDArray x) {
    int heads = config.numAttentionHeads();
    NDArray h = l.norm1().forward(x); // [B, L, D]
    NDArray attn =
        Attention.attend(l.q().forward(h), l.k().forward(h), l.v().forward(h), heads, true);
    // attn: [B, L, D], softmax(q k^T / sqrt(d)) v per head, keys after the query hidden
    x = x.add(l.out().forward(attn)); // [B, L, D]
    h = l.norm2().forward(x); // [B, L, D]
    h = l.fc1().forward(h); // [B, L, I]
    h = config.hiddenAct().equals("gelu") ? Activations.gelu(h) : Activations.quickGelu(h);
    // h: [B, L, I]
    return x.add(l.fc2().forward(h)); // [B, L, D]
  }

  /** {@code x} [1, L, D] with each of {@code vectors}' rows in place of its tokens' rows. */
  private NDArray placed(NDArray x, List<TokenVectors> vectors, Scope scope) {
    long len = x.getShape().get(1);
    long d = config.hiddenSize();
    if (x.getShape().get(0) != 1) {
      throw new IllegalArgumentException("Token vectors are placed in a batch of one only.");
    }
    NDList parts = new NDList();
    long at = 0;
    for (TokenVectors t :
        vectors.stream().sorted(Comparator.comparingInt(TokenVectors::position)).toList()) {
      if (t.position() < at
          || t.position() + t.count() > len
          || t.values().length != t.count() * d) {
        throw new IllegalArgumentException(
            "Token vectors at " + t.position() + " do not fit the window of " + len + ".");
      }
      if (t.position() > at) {
        parts.add(x.get(":, {}:{}", at, t.position())); // [1, p - at, D]
      }
      NDArray v = scope.manager().create(t.values(), new Shape(1, t.count(), d)); // [1, n, D]
      parts.add(v.toType(x.getDataType(), false)); // [1, n, D]
      at = t.position() + t.count();
    }
    if (at < len) {
      parts.add(x.get(":, {}:", at)); // [1, L - at, D]
    }
    return NDArrays.concat(parts, 1); // [1, L, D]
  }
}
