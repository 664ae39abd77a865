package dev.stepwise.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.stepwise.engine.clip.ClipTextConfig;
import dev.stepwise.engine.clip.ClipTextModel;
import dev.stepwise.engine.nn.Parameters;
import dev.stepwise.engine.nn.WeightPrecision;
import dev.stepwise.engine.pack.ModelPack;
import dev.stepwise.engine.prompt.Embedding;
import dev.stepwise.engine.prompt.Embeddings;
import dev.stepwise.engine.prompt.Emphasis;
import dev.stepwise.engine.prompt.PromptAttention;
import dev.stepwise.engine.prompt.PromptChunks;
import dev.stepwise.engine.tokenizer.PromptTokenizer;
import dev.stepwise.engine.tokenizer.TokenizedPrompt;
import dev.stepwise.engine.unet.UNetConfig;
import dev.stepwise.recipe.SizeConditioning;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * SDXL's text conditioning, as diffusers' StableDiffusionXLPipeline.encode_prompt
 * (pipelines/stable_diffusion_xl/pipeline_stable_diffusion_xl.py): the prompt goes through both
 * tokenizers and text encoders; the UNet's context is the two encoders' penultimate hidden states
 * (hidden_states[-2], no final_layer_norm) side by side, [1, L, D1 + D2] (768 + 1280 = 2048 on
 * SDXL), and its pooled input the second encoder's projected pooled output [1, P]. An empty
 * negative prompt is all zeros when model_index.json's {@code force_zeros_for_empty_prompt} holds
 * (diffusers' default), as diffusers does for a negative prompt of None.
 *
 * <p>Micro-conditioning ({@link #timeIds}): _get_add_time_ids lays out original size, crop top-left
 * and target size, each as (height, width) or (top, left); a UNet whose add_embedding takes five
 * time ids (the refiner's projection_class_embeddings_input_dim) gets original size, crop and the
 * aesthetic score instead (StableDiffusionXLImg2ImgPipeline, requires_aesthetics_score).
 *
 * <p>The SDXL refiner's pack has only text_encoder_2/ and tokenizer_2/ ({@link
 * ModelPack#secondEncoderOnly}): its context is that encoder's penultimate state alone, [1, L, D2]
 * (1280 wide), and model_index.json sets force_zeros_for_empty_prompt false, so an empty negative
 * is encoded.
 */
public final class SdxlText {
  /** SDXL base's number of time ids: original size, crop top-left, target size. */
  public static final int TIME_IDS = 6;

  /** The SDXL refiner's number of time ids: original size, crop top-left, aesthetic score. */
  public static final int REFINER_TIME_IDS = 5;

  /** diffusers' aesthetic_score default for the refiner's prompt. */
  public static final float AESTHETIC_SCORE = 6.0f;

  /** diffusers' negative_aesthetic_score default for the refiner's negative prompt. */
  public static final float NEGATIVE_AESTHETIC_SCORE = 2.5f;

  private final PromptTokenizer tokenizer1;
  private final PromptTokenizer tokenizer2;
  private final ClipTextModel encoder1;
  private final ClipTextModel encoder2;
  private final boolean forceZeros;
  private final long weightBytes;
  private final boolean aesthetic; // five time ids, the last the aesthetic score (the refiner)
  private final Map<String, NDArray> encoder2Arrays; // as loaded, for LoRA

  /** The pooled embedding [1, P] and the context [1, L, D1 + D2] of one prompt. */
  public record Encoded(NDArray context, NDArray pooled) {}

  private SdxlText(
      PromptTokenizer t1,
      PromptTokenizer t2,
      ClipTextModel e1,
      ClipTextModel e2,
      boolean forceZeros,
      long bytes,
      boolean aesthetic,
      Map<String, NDArray> encoder2Arrays) {
    this.tokenizer1 = t1;
    this.tokenizer2 = t2;
    this.encoder1 = e1;
    this.encoder2 = e2;
    this.forceZeros = forceZeros;
    this.weightBytes = bytes;
    this.aesthetic = aesthetic;
    this.encoder2Arrays = encoder2Arrays;
  }

  /**
   * The SDXL text side of {@code pack} when its UNet is SDXL-shaped, else null; checks that the two
   * encoders fit the UNet (context width, pooled width plus six time ids, or five for the refiner)
   * and that both tokenizers share one window. Unused-weight sentences go to {@code notices}.
   *
   * @throws ModelPackException with one sentence when the parts do not fit together
   */
  static SdxlText load(
      ModelPack pack,
      UNetConfig unet,
      ClipTextConfig config1,
      PromptTokenizer tokenizer1,
      ClipTextModel encoder1,
      NDManager weights,
      WeightPrecision precision,
      List<String> notices) {
    ClipTextConfig config2 = check(pack, unet, config1, tokenizer1, new ArrayList<>());
    if (config2 == null) {
      return null;
    }
    boolean aesthetic =
        unet.projectionClassEmbeddingsInputDim()
            == config2.projectionDim() + REFINER_TIME_IDS * unet.additionTimeEmbedDim();
    if (pack.secondEncoderOnly()) { // the refiner: the model's one text encoder is encoder 2
      return new SdxlText(
          tokenizer1,
          tokenizer1,
          null,
          encoder1,
          pack.forceZerosForEmptyPrompt(),
          0,
          aesthetic,
          Map.of());
    }
    PromptTokenizer tokenizer2 = pack.tokenizer2(config2.maxPositionEmbeddings());
    Parameters p = Parameters.strict(pack.textEncoder2Weights(), weights, precision);
    ClipTextModel encoder2 = new ClipTextModel(config2, p);
    p.unusedNotice().ifPresent(notices::add);
    return new SdxlText(
        tokenizer1,
        tokenizer2,
        encoder1,
        encoder2,
        pack.forceZerosForEmptyPrompt(),
        p.loadedBytes(),
        aesthetic,
        p.loadedArrays());
  }

  /**
   * The checks of {@link #load} without reading weights: the second encoder's config (the model's
   * one encoder's for the refiner) when {@code pack} is SDXL-shaped and its parts fit, null when it
   * is not SDXL (a notice when it still has text_encoder_2/).
   *
   * @throws ModelPackException with one sentence when the parts do not fit together
   */
  static ClipTextConfig check(
      ModelPack pack,
      UNetConfig unet,
      ClipTextConfig config1,
      PromptTokenizer tokenizer1,
      List<String> notices) {
    String name = "model pack " + pack.root();
    if (!unet.hasTextTime()) {
      if (pack.hasSecondTextEncoder() && !pack.secondEncoderOnly()) {
        notices.add(
            "text_encoder_2/ ignored: this UNet takes no pooled text embedding (it is not SDXL).");
      }
      return null;
    }
    if (!pack.hasSecondTextEncoder()) {
      throw new ModelPackException(
          name
              + ": unet/config.json sets addition_embed_type \"text_time\" (SDXL) but the"
              + " second text encoder is missing; an SDXL model needs text_encoder_2/ and"
              + " tokenizer_2/.");
    }
    // The refiner (text_encoder_2/ only): the model's one text encoder is already encoder 2.
    boolean second = pack.secondEncoderOnly();
    ClipTextConfig config2 = second ? config1 : ClipTextConfig.fromJson(pack.textEncoder2Config());
    if (!config2.withProjection()) {
      throw new ModelPackException(
          name
              + ": text_encoder_2/config.json is not a CLIPTextModelWithProjection; SDXL's"
              + " second text encoder needs its text_projection.");
    }
    int width = second ? config2.hiddenSize() : config1.hiddenSize() + config2.hiddenSize();
    if (unet.crossAttentionDim() != width) {
      throw new ModelPackException(
          name
              + ": unet/config.json cross_attention_dim "
              + unet.crossAttentionDim()
              + (second
                  ? " is not text_encoder_2's hidden_size "
                      + width
                      + " (the refiner's one encoder)."
                  : " is not the two text encoders' widths together ("
                      + config1.hiddenSize()
                      + " + "
                      + config2.hiddenSize()
                      + " = "
                      + width
                      + ")."));
    }
    int base = config2.projectionDim() + TIME_IDS * unet.additionTimeEmbedDim();
    int refiner = config2.projectionDim() + REFINER_TIME_IDS * unet.additionTimeEmbedDim();
    int added = unet.projectionClassEmbeddingsInputDim();
    if (added != base && added != refiner) {
      throw new ModelPackException(
          name
              + ": unet/config.json projection_class_embeddings_input_dim "
              + added
              + " is not the pooled width "
              + config2.projectionDim()
              + " plus six time ids of "
              + unet.additionTimeEmbedDim()
              + " ("
              + base
              + ", SDXL base) or five ("
              + refiner
              + ", the refiner's, with the aesthetic score).");
    }
    PromptTokenizer tokenizer2 =
        second ? tokenizer1 : pack.tokenizer2(config2.maxPositionEmbeddings());
    if (tokenizer2.maxLength() != tokenizer1.maxLength()) {
      throw new ModelPackException(
          name
              + ": tokenizer_2/ has a window of "
              + tokenizer2.maxLength()
              + " tokens but tokenizer/ has "
              + tokenizer1.maxLength()
              + "; SDXL's two encoders read the same window.");
    }
    return config2;
  }

  /**
   * The second text encoder's arrays as loaded, by weight key (the ones its layers hold, for LoRA
   * to merge into); empty on the refiner, whose one encoder is the model's text encoder.
   */
  public Map<String, NDArray> encoder2Arrays() {
    return encoder2Arrays;
  }

  /** Bytes of the second text encoder's weights as loaded. */
  public long weightBytes() {
    return weightBytes;
  }

  /**
   * Encodes {@code prompt} (the {@code role}, "prompt" or "negative prompt", names it in notices)
   * into arrays owned by {@code manager}. A plain prompt that fits the window goes through both
   * encoders as diffusers does; emphasis, BREAK and longer prompts as A1111 reads them ({@link
   * #chunked}).
   */
  public Encoded encode(String prompt, String role, NDManager manager, List<String> notices) {
    return encode(prompt, role, Embeddings.none(), new LinkedHashSet<>(), manager, notices);
  }

  /**
   * As {@link #encode(String, String, NDManager, List)}, with the names of SDXL {@code embeddings}
   * as their vectors: {@code clip_l} rows for the first encoder, {@code clip_g} rows for the second
   * (A1111's sd_hijack_clip.py per embedder); the embeddings used are added to {@code used}. A
   * prompt that names one is read as A1111 reads it ({@link #chunked}).
   */
  public Encoded encode(
      String prompt,
      String role,
      Embeddings embeddings,
      Set<Embedding> used,
      NDManager manager,
      List<String> notices) {
    if (prompt.isEmpty() && forceZeros && role.startsWith("negative")) {
      Shape c = new Shape(1, tokenizer1.maxLength(), contextWidth());
      Shape p = new Shape(1, encoder2.config().projectionDim());
      return new Encoded(manager.zeros(c), manager.zeros(p)); // [1, L, D], [1, P]
    }
    List<PromptAttention.Run> runs = PromptAttention.parse(prompt);
    boolean plain = PromptAttention.isPlain(runs);
    boolean named = runs.stream().anyMatch(r -> !r.isBreak() && embeddings.mentionedIn(r.text()));
    if (!plain
        || named
        || (PromptChunks.chunked(tokenizer1) && tokenizer1.encode(prompt).truncated())) {
      return chunked(runs, role, embeddings, used, manager, notices);
    }
    if (encoder1 == null) { // the refiner: encoder 2's penultimate state alone, [1, L, D2]
      ClipTextModel.Penultimate two = run(encoder2, tokenizer2, prompt, role, manager, notices);
      return new Encoded(two.penultimate(), two.pooled()); // [1, L, D2], [1, P]
    }
    ClipTextModel.Penultimate one = run(encoder1, tokenizer1, prompt, role, manager, notices);
    ClipTextModel.Penultimate two = run(encoder2, tokenizer2, prompt, role, manager, null);
    NDArray context = one.penultimate().concat(two.penultimate(), 2); // [1, L, D1 + D2]
    return new Encoded(context, two.pooled()); // [1, L, D], [1, P]
  }

  /**
   * A1111's reading for SDXL (modules/sd_hijack_clip.py forward, run once per embedder of the
   * conditioner): both encoders get the same 75-token chunks (BREAK closes one; on a window other
   * than CLIP's 77 tokens there is one window, cut to fit) with the same weights; each chunk's
   * penultimate state is weighted and its mean restored per encoder ({@link Emphasis}), the chunks
   * are laid end to end, [1, W k, Di], and the two encoders' side by side, [1, W k, D1 + D2]. The
   * pooled embedding is the second encoder's for the first chunk, unweighted (A1111 returns {@code
   * zs[0].pooled}). An embedding's name becomes its vectors, each encoder its own rows.
   */
  private Encoded chunked(
      List<PromptAttention.Run> runs,
      String role,
      Embeddings embeddings,
      Set<Embedding> used,
      NDManager manager,
      List<String> notices) {
    int backtrack = PromptChunks.COMMA_BACKTRACK;
    PromptChunks c1 = PromptChunks.of(tokenizer1, runs, backtrack, embeddings);
    PromptChunks c2 = PromptChunks.of(tokenizer2, runs, backtrack, embeddings);
    if (c1.windows().size() != c2.windows().size()) {
      throw new EngineException(
          "The two tokenizers of this SDXL model split the "
              + role
              + " into "
              + c1.windows().size()
              + " and "
              + c2.windows().size()
              + " chunks; they must share one vocabulary.");
    }
    if (c1.truncatedTokens() > 0) {
      notices.add(
          String.format(
              Locale.ROOT,
              "The %s is longer than the text encoders' %d tokens; its last %d tokens, from"
                  + " \"%s\" on, were left out.",
              role,
              tokenizer1.maxLength(),
              c1.truncatedTokens(),
              c1.firstCutRun()));
    }
    if (c1.breaksIgnored() > 0) {
      notices.add(
          String.format(
              Locale.ROOT,
              "BREAK in the %s has no effect: the text encoders' window of %d tokens is not"
                  + " split into 75-token chunks.",
              role,
              tokenizer1.maxLength()));
    }
    unknownNotice(c1.unknownWords(), role, notices);
    NDList one = new NDList();
    NDList two = new NDList();
    NDArray pooled = null;
    for (int i = 0; i < c1.windows().size(); i++) {
      if (encoder1 != null) {
        NDArray ids1 = ids(c1.windows().get(i), encoder1, role, manager); // [1, W]
        ClipTextModel.Penultimate a = encoder1.forwardPenultimate(ids1, vectors(c1, i, 1, used));
        one.add(Emphasis.apply(a.penultimate(), c1.weights().get(i))); // [1, W, D1]
      }
      NDArray ids2 = ids(c2.windows().get(i), encoder2, role, manager); // [1, W]
      ClipTextModel.Penultimate b = encoder2.forwardPenultimate(ids2, vectors(c2, i, 2, used));
      two.add(Emphasis.apply(b.penultimate(), c2.weights().get(i))); // [1, W, D2]
      pooled = i == 0 ? b.pooled() : pooled; // [1, P]
    }
    NDArray context = NDArrays.concat(two, 1); // [1, W k, D2]
    if (encoder1 != null) {
      context = NDArrays.concat(one, 1).concat(context, 2); // [1, W k, D1 + D2]
    }
    return new Encoded(context, pooled); // [1, W k, D], [1, P]
  }

  /** Chunk {@code i}'s embedding vectors for encoder {@code which}: clip_l (1) or clip_g (2). */
  private static List<ClipTextModel.TokenVectors> vectors(
      PromptChunks chunks, int i, int which, Set<Embedding> used) {
    List<ClipTextModel.TokenVectors> out = new ArrayList<>();
    for (PromptChunks.Fix f : chunks.fixesOf(i)) {
      Embedding e = f.embedding();
      float[] rows = which == 1 ? e.values() : e.values2(); // [n, D1] or [n, D2]
      out.add(new ClipTextModel.TokenVectors(f.position(), e.vectors(), rows));
      used.add(e);
    }
    return out;
  }

  /**
   * The widths SDXL embeddings must have ({@link Embeddings#load(java.nio.file.Path, int, int)}):
   * the first encoder's (0 on the refiner, which has none) and the second's.
   */
  public int[] embeddingWidths() {
    return new int[] {
      encoder1 == null ? 0 : encoder1.config().hiddenSize(), encoder2.config().hiddenSize()
    };
  }

  private int contextWidth() {
    int one = encoder1 == null ? 0 : encoder1.config().hiddenSize();
    return one + encoder2.config().hiddenSize();
  }

  /** One encoder's outputs for {@code text}; sentences about truncation when notices is given. */
  private static ClipTextModel.Penultimate run(
      ClipTextModel encoder,
      PromptTokenizer tokenizer,
      String text,
      String role,
      NDManager manager,
      List<String> notices) {
    TokenizedPrompt t = tokenizer.encode(text);
    if (notices != null && t.truncated()) {
      notices.add(
          String.format(
              Locale.ROOT,
              "The %s is longer than the text encoders' %d tokens; only \"%s\" was used.",
              role,
              tokenizer.maxLength(),
              t.keptText()));
    }
    if (notices != null) {
      unknownNotice(t.unknownWords(), role, notices);
    }
    return encoder.forwardPenultimate(ids(t.ids(), encoder, role, manager));
  }

  /** One sentence naming the words the vocabulary lacks, when there are any. */
  private static void unknownNotice(List<String> unknown, String role, List<String> notices) {
    if (!unknown.isEmpty()) {
      Set<String> words = new LinkedHashSet<>(unknown);
      notices.add(
          "The model does not know these words of the "
              + role
              + " (they carry no meaning for it): "
              + String.join(", ", new ArrayList<>(words))
              + ".");
    }
  }

  /** The token ids [1, W] of {@code window}, each checked against {@code encoder}'s vocabulary. */
  private static NDArray ids(int[] window, ClipTextModel encoder, String role, NDManager manager) {
    long[] ids = new long[window.length];
    int vocab = encoder.config().vocabSize();
    for (int i = 0; i < ids.length; i++) {
      if (window[i] < 0 || window[i] >= vocab) {
        throw new EngineException(
            "The "
                + role
                + " gave token id "
                + window[i]
                + " but a text encoder knows only ids 0 to "
                + (vocab - 1)
                + " (vocab_size); its tokenizer does not belong to it.");
      }
      ids[i] = window[i];
    }
    return manager.create(ids, new Shape(1, ids.length)); // [1, W]
  }

  /**
   * The time ids [1, 6] of one image: (original height, original width, crop top, crop left, target
   * height, target width), diffusers' _get_add_time_ids order; diffusers' defaults are the image's
   * own size for both sizes and a crop of (0, 0).
   */
  public static NDArray timeIds(
      NDManager manager, int[] originalHw, int[] cropTopLeft, int[] targetHw) {
    float[] v = {
      originalHw[0], originalHw[1], cropTopLeft[0], cropTopLeft[1], targetHw[0], targetHw[1]
    };
    return manager.create(v, new Shape(1, TIME_IDS)); // [1, 6]
  }

  /**
   * The time ids [1, K] of a {@code width} x {@code height} image under {@code sizes}: SDXL base's
   * six ({@link #timeIds(NDManager, int[], int[], int[])}), or the refiner's five, original size,
   * crop and aesthetic score ({@link #AESTHETIC_SCORE} for the prompt, {@link
   * #NEGATIVE_AESTHETIC_SCORE} for the negative: StableDiffusionXLImg2ImgPipeline._get_add_time_ids
   * with requires_aesthetics_score).
   */
  public NDArray timeIds(
      NDManager manager, SizeConditioning sizes, int width, int height, boolean negative) {
    int[] ids = sizes.timeIds(width, height); // (oh, ow, top, left, th, tw)
    if (!aesthetic) {
      return timeIds(
          manager,
          new int[] {ids[0], ids[1]},
          new int[] {ids[2], ids[3]},
          new int[] {ids[4], ids[5]}); // [1, 6]
    }
    float score = negative ? NEGATIVE_AESTHETIC_SCORE : AESTHETIC_SCORE;
    float[] v = {ids[0], ids[1], ids[2], ids[3], score};
    return manager.create(v, new Shape(1, REFINER_TIME_IDS)); // [1, 5]
  }

  /** Whether the time ids are the refiner's five, the last the aesthetic score. */
  public boolean refiner() {
    return aesthetic;
  }
}
