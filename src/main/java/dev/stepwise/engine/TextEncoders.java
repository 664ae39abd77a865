package dev.stepwise.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.stepwise.NativeMemory;
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
import dev.stepwise.engine.weights.TensorSource;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The text side of a loaded model: the tokenizer, the text encoder and, for SDXL, the second one
 * ({@link SdxlText}). Their weights are read only when a prompt must be encoded (SDXL's two
 * encoders are 0.8 billion parameters, 1.6 GB in fp16), and when the model does not keep them
 * ({@link #keep(boolean)}) they are dropped once a job's prompts are encoded and read again for the
 * next prompt. They live in one sub-manager of the model's, closed as one, so a drop frees every
 * array they hold; the configs and tokenizers stay.
 *
 * <p>The configs (and SDXL's fit between the encoders and the UNet) are checked when the model
 * loads; the weights' names and shapes when they are first read.
 */
final class TextEncoders implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(TextEncoders.class);

  private final ModelPack pack;
  private final NDManager parent;
  private final WeightPrecision precision;
  private final ClipTextConfig config;
  private final UNetConfig unetConfig;
  private final PromptTokenizer tokenizer;
  private final boolean sdxl;
  private final List<String> notices; // the model's, to which the first read adds its sentences
  private final long parameters; // both encoders', from the headers
  private volatile boolean keep = true;
  private NDManager manager; // null while not resident
  private ClipTextModel encoder;
  private SdxlText sdxlText;
  private Map<String, NDArray> arrays = Map.of();
  private long bytes = -1; // as last read
  private int loads;

  /**
   * Checks the configs of {@code pack}'s text side against {@code unet}; reads no weights. The
   * first read's sentences (unused tensors) are added to {@code notices}.
   */
  TextEncoders(
      ModelPack pack,
      NDManager parent,
      WeightPrecision precision,
      UNetConfig unet,
      List<String> notices) {
    this.pack = pack;
    this.parent = parent;
    this.precision = precision;
    this.unetConfig = unet;
    this.notices = notices;
    this.config = ClipTextConfig.fromJson(pack.textEncoderConfig());
    if (!unet.hasTextTime() && unet.crossAttentionDim() != config.hiddenSize()) {
      throw new ModelPackException(
          "model pack "
              + pack.root()
              + ": unet/config.json cross_attention_dim "
              + unet.crossAttentionDim()
              + " does not match text_encoder/config.json hidden_size "
              + config.hiddenSize()
              + ".");
    }
    this.tokenizer = pack.tokenizer(config.maxPositionEmbeddings());
    this.sdxl = SdxlText.check(pack, unet, config, tokenizer, notices) != null;
    long n = parameters(pack.textEncoderWeights());
    this.parameters = sdxl ? n + parameters(pack.textEncoder2Weights()) : n;
  }

  private static long parameters(TensorSource s) {
    long n = 0;
    for (String name : s.names()) {
      long e = 1;
      for (long d : s.shape(name)) {
        e *= d;
      }
      n += e;
    }
    return n;
  }

  /** Reads the weights unless they are resident. */
  private void ensure() {
    if (manager != null) {
      return;
    }
    NDManager m = parent.newSubManager();
    try {
      List<String> said = new ArrayList<>();
      Parameters p = Parameters.strict(pack.textEncoderWeights(), m, precision);
      ClipTextModel one = new ClipTextModel(config, p);
      p.unusedNotice().ifPresent(said::add);
      SdxlText two =
          sdxl ? SdxlText.load(pack, unetConfig, config, tokenizer, one, m, precision, said) : null;
      Map<String, NDArray> loaded = new HashMap<>(p.loadedArrays());
      bytes = p.loadedBytes() + (two == null ? 0 : two.weightBytes());
      manager = m;
      encoder = one;
      sdxlText = two;
      arrays = Map.copyOf(loaded);
      loads++;
      if (loads == 1) {
        said.forEach(n -> LOG.info("{}: {}", pack.name(), n));
        notices.addAll(said);
      }
      // Reading leaves freed copies behind (OpenCLIP's fused q, k, v read once per part, F16
      // widened for norms and embeddings): about 2 GB for SDXL, resident unless handed back.
      NativeMemory.giveBack();
      LOG.info("{}: text encoders read ({} MB)", pack.name(), bytes >> 20);
    } catch (RuntimeException | Error e) {
      m.close();
      throw e;
    }
  }

  /** Frees the weights (the next prompt reads them again); nothing when they are not resident. */
  void drop() {
    if (manager == null) {
      return;
    }
    manager.close();
    manager = null;
    encoder = null;
    sdxlText = null;
    arrays = Map.of();
    LOG.info("{}: text encoders dropped", pack.name());
  }

  /** Whether the weights stay resident after a job's prompts are encoded (the default). */
  void keep(boolean keep) {
    this.keep = keep;
  }

  boolean keeps() {
    return keep;
  }

  /** Whether the weights are in memory now. */
  boolean resident() {
    return manager != null;
  }

  /** How many times the weights have been read. */
  int loads() {
    return loads;
  }

  /** Bytes of the weights as last read, or -1 before the first read. */
  long bytes() {
    return bytes;
  }

  /** Elements of every tensor of the encoders' files (their headers). */
  long parameters() {
    return parameters;
  }

  boolean isSdxl() {
    return sdxl;
  }

  ClipTextConfig config() {
    return config;
  }

  PromptTokenizer tokenizer() {
    return tokenizer;
  }

  /** SDXL's two-encoder conditioning, read if needed; null for SD 1.x / 2.x. */
  SdxlText sdxl() {
    if (!sdxl) {
      return null;
    }
    ensure();
    return sdxlText;
  }

  /** The first encoder's arrays by key (the ones its layers hold), read if needed (LoRA). */
  Map<String, NDArray> arrays() {
    ensure();
    return arrays;
  }

  /**
   * See {@link DiffusionModel#encodeText(String, String, int, Embeddings, NDManager, List, Set)}.
   */
  NDArray encode(
      String prompt,
      String role,
      int clipSkip,
      Embeddings embeddings,
      NDManager manager,
      List<String> notices,
      Set<Embedding> used) {
    List<PromptAttention.Run> runs = PromptAttention.parse(prompt);
    boolean named = runs.stream().anyMatch(r -> !r.isBreak() && embeddings.mentionedIn(r.text()));
    if (PromptAttention.isPlain(runs) && !named) {
      TokenizedPrompt tokens = tokenizer.encode(runs.get(0).text());
      if (!tokens.truncated() || !PromptChunks.chunked(tokenizer)) {
        if (tokens.truncated()) {
          notices.add(
              String.format(
                  Locale.ROOT,
                  "The %s is longer than the text encoder's %d tokens; only \"%s\" was used.",
                  role,
                  tokenizer.maxLength(),
                  tokens.keptText()));
        }
        unknownNotice(tokens.unknownWords(), role, notices);
        return encodeWindow(tokens.ids(), role, clipSkip, List.of(), manager); // [1, L, D]
      }
    }
    PromptChunks chunks =
        PromptChunks.of(tokenizer, runs, PromptChunks.COMMA_BACKTRACK, embeddings);
    if (chunks.truncatedTokens() > 0) {
      notices.add(
          String.format(
              Locale.ROOT,
              "The %s is longer than the text encoder's %d tokens; its last %d tokens, from"
                  + " \"%s\" on, were left out.",
              role,
              tokenizer.maxLength(),
              chunks.truncatedTokens(),
              chunks.firstCutRun()));
    }
    if (chunks.breaksIgnored() > 0) {
      notices.add(
          String.format(
              Locale.ROOT,
              "BREAK in the %s has no effect: the text encoder's window of %d tokens is not"
                  + " split into 75-token chunks.",
              role,
              tokenizer.maxLength()));
    }
    unknownNotice(chunks.unknownWords(), role, notices);
    NDList parts = new NDList();
    for (int i = 0; i < chunks.windows().size(); i++) {
      List<ClipTextModel.TokenVectors> vectors = new ArrayList<>();
      for (PromptChunks.Fix f : chunks.fixesOf(i)) {
        Embedding e = f.embedding();
        vectors.add(new ClipTextModel.TokenVectors(f.position(), e.vectors(), e.values()));
        used.add(e);
      }
      NDArray z =
          encodeWindow(chunks.windows().get(i), role, clipSkip, vectors, manager); // [1, W, D]
      parts.add(Emphasis.apply(z, chunks.weights().get(i))); // [1, W, D]
    }
    return parts.size() == 1 ? parts.get(0) : NDArrays.concat(parts, 1); // [1, W k, D]
  }

  private static void unknownNotice(List<String> words, String role, List<String> notices) {
    if (!words.isEmpty()) {
      notices.add(
          "The model does not know these words of the "
              + role
              + " (they carry no meaning for it): "
              + String.join(", ", words)
              + ".");
    }
  }

  /**
   * The text encoder's hidden state {@code clipSkip} layers from the end, after final_layer_norm
   * [1, W, D], for one window of ids with {@code vectors} in place of some token embeddings; owned
   * by {@code manager} (the encoder's scope keeps its result in the ids' manager).
   */
  private NDArray encodeWindow(
      int[] window,
      String role,
      int clipSkip,
      List<ClipTextModel.TokenVectors> vectors,
      NDManager manager) {
    long[] ids = new long[window.length];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = window[i];
      if (ids[i] < 0 || ids[i] >= config.vocabSize()) {
        throw new EngineException(
            "The "
                + role
                + " gave token id "
                + ids[i]
                + " but "
                + pack.name()
                + "'s text encoder knows"
                + " only ids 0 to "
                + (config.vocabSize() - 1)
                + " (vocab_size); its tokenizer does not belong"
                + " to its text encoder.");
      }
    }
    ensure();
    NDArray idArray = manager.create(ids, new Shape(1, ids.length)); // [1, W]
    if (clipSkip == 1 && vectors.isEmpty()) {
      return encoder.forward(idArray); // [1, W, D]
    }
    return encoder.forward(idArray, clipSkip - 1, vectors); // [1, W, D]
  }

  /** See {@link DiffusionModel#clipSkipFor}. */
  int clipSkipFor(int asked, List<String> notices) {
    if (asked <= 1) {
      return 1;
    }
    if (config.hiddenAct().equals("gelu")) {
      notices.add(
          "Clip skip "
              + asked
              + " has no effect on "
              + pack.name()
              + ": its OpenCLIP (SD 2.x) text encoder already uses its penultimate layer, and"
              + " AUTOMATIC1111 ignores clip skip there too.");
      return 1;
    }
    if (asked > config.numHiddenLayers()) {
      throw new EngineException(
          "Clip skip "
              + asked
              + " is more than "
              + pack.name()
              + "'s text encoder has layers; use 1 to "
              + config.numHiddenLayers()
              + ".");
    }
    return asked;
  }

  @Override
  public void close() {
    drop();
  }
}
