package dev.stepwise.engine;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.stepwise.engine.clip.ClipTextConfig;
import dev.stepwise.engine.clip.ClipTextModel;
import dev.stepwise.engine.lora.LoraFile;
import dev.stepwise.engine.lora.LoraHash;
import dev.stepwise.engine.lora.LoraLookup;
import dev.stepwise.engine.lora.LoraMerger;
import dev.stepwise.engine.lora.LoraTags;
import dev.stepwise.engine.lora.LoraTargets;
import dev.stepwise.engine.nn.Parameters;
import dev.stepwise.engine.nn.WeightPrecision;
import dev.stepwise.engine.pack.ModelPack;
import dev.stepwise.engine.preview.LatentRgbProjection;
import dev.stepwise.engine.preview.TinyDecoder;
import dev.stepwise.engine.prompt.Embedding;
import dev.stepwise.engine.prompt.Embeddings;
import dev.stepwise.engine.prompt.Emphasis;
import dev.stepwise.engine.prompt.PromptAttention;
import dev.stepwise.engine.prompt.PromptChunks;
import dev.stepwise.engine.sampling.NoiseSchedule;
import dev.stepwise.engine.sampling.SchedulerConfig;
import dev.stepwise.engine.tokenizer.PromptTokenizer;
import dev.stepwise.engine.tokenizer.TokenizedPrompt;
import dev.stepwise.engine.unet.UNet2DConditionModel;
import dev.stepwise.engine.unet.UNetConfig;
import dev.stepwise.engine.vae.AutoencoderKL;
import dev.stepwise.engine.vae.VaeConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A model pack loaded for sampling: tokenizer, text encoder, UNet, autoencoder, noise schedule and
 * preview projection, with their weights on one device. Not thread-safe: one sampling thread owns
 * it (see {@link dev.stepwise.engine.service.SamplingService}).
 */
public final class DiffusionModel implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(DiffusionModel.class);

  private final ModelPack pack;
  private final NDManager weights;
  private final long weightBytes;
  private final PromptTokenizer tokenizer;
  private final ClipTextModel textEncoder;
  private final SdxlText sdxl; // SDXL's two-encoder conditioning, or null
  private final UNet2DConditionModel unet;
  private final VaeSlot vaes; // the pack's autoencoder, or a separate one in its place
  private Path embeddingsPath; // the embeddings folder last read, when, and what it gave
  private long embeddingsStamp;
  private Embeddings embeddings = Embeddings.none();
  private final UNetConfig unetConfig;
  private final VaeConfig vaeConfig;
  private final SchedulerConfig schedulerConfig;
  private final NoiseSchedule schedule;
  private final LatentRgbProjection preview;
  private final TinyDecoder packPreviewDecoder; // vae_preview/, or null
  private Path otherDecoderPath; // the user's preview decoder last asked for, and its outcome
  private TinyDecoder otherDecoder;
  private String otherDecoderRefusal;
  private final ModelInfo info;
  private final int vocabSize;
  private final List<String> notices;
  private final LoraTargets loraTargets;
  private final LoraMerger loraMerger;

  private DiffusionModel(ModelPack pack, Device device, WeightPrecision precision) {
    this.pack = pack;
    this.weights = NDManager.newBaseManager(device);
    try {
      List<String> notes = new ArrayList<>(pack.notices());
      ClipTextConfig clipConfig = ClipTextConfig.fromJson(pack.textEncoderConfig());
      unetConfig = UNetConfig.fromJson(pack.unetConfig());
      vaeConfig = VaeConfig.fromJson(pack.vaeConfig());
      schedulerConfig = SchedulerConfig.fromJson(pack.schedulerConfig());
      if (!unetConfig.hasTextTime() && unetConfig.crossAttentionDim() != clipConfig.hiddenSize()) {
        throw new ModelPackException(
            "model pack "
                + pack.root()
                + ": unet/config.json cross_attention_dim "
                + unetConfig.crossAttentionDim()
                + " does not match text_encoder/config.json hidden_size "
                + clipConfig.hiddenSize()
                + ".");
      }
      if (unetConfig.inChannels() != vaeConfig.latentChannels() && !isInpainting()) {
        throw new ModelPackException(
            "model pack "
                + pack.root()
                + ": unet/config.json in_channels "
                + unetConfig.inChannels()
                + " does not match vae/config.json latent_channels "
                + vaeConfig.latentChannels()
                + " (only an inpainting UNet, with 2 latent_channels + 1 inputs, may differ).");
      }
      vocabSize = clipConfig.vocabSize();
      int window = clipConfig.maxPositionEmbeddings();
      tokenizer = pack.tokenizer(window);
      Parameters clipParams = Parameters.strict(pack.textEncoderWeights(), weights, precision);
      textEncoder = new ClipTextModel(clipConfig, clipParams);
      clipParams.unusedNotice().ifPresent(notes::add);
      sdxl =
          SdxlText.load(
              pack, unetConfig, clipConfig, tokenizer, textEncoder, weights, precision, notes);
      Parameters unetParams = Parameters.strict(pack.unetWeights(), weights, precision);
      unet = new UNet2DConditionModel(unetConfig, unetParams);
      unetParams.unusedNotice().ifPresent(notes::add);
      boolean refiner = sdxl != null && pack.secondEncoderOnly(); // its one encoder is the 2nd
      loraTargets =
          LoraTargets.of(
              pack.name(),
              refiner ? Map.of() : clipParams.loadedArrays(),
              sdxl == null ? null : refiner ? clipParams.loadedArrays() : sdxl.encoder2Arrays(),
              unetParams.loadedArrays(),
              unetConfig.layersPerBlock()[0]);
      loraMerger = new LoraMerger(weights);
      Parameters vaeParams = Parameters.strict(pack.vaeWeights(), weights, precision);
      vaes = new VaeSlot(new AutoencoderKL(vaeConfig, vaeParams), weights, pack, precision);
      vaeParams.unusedNotice().ifPresent(notes::add);
      weightBytes =
          clipParams.loadedBytes()
              + unetParams.loadedBytes()
              + vaeParams.loadedBytes()
              + (sdxl == null ? 0 : sdxl.weightBytes());
      schedule = NoiseSchedule.of(schedulerConfig);
      float[][] factors = pack.latentRgbFactors();
      preview =
          factors != null
              ? LatentRgbProjection.fromPack(factors, pack.latentRgbBias())
              : LatentRgbProjection.fitCached(
                  pack.unetHash(), this::encodeToLatents, vaeConfig.downscale());
      packPreviewDecoder = loadPreviewDecoder(pack.previewDecoderDir(), notes);
      notices = List.copyOf(notes);
      info =
          new ModelInfo(
              pack.name(),
              pack.unetHash(),
              Devices.describe(device),
              vaeConfig.downscale(),
              tokenizer.maxLength());
      notices.forEach(n -> LOG.info("{}: {}", pack.name(), n));
    } catch (RuntimeException e) {
      weights.close();
      pack.close();
      throw e;
    }
  }

  /**
   * Loads the preview decoder at {@code location} and checks that it reads this model's latents; on
   * any refusal adds its sentence (plus what happens instead) to {@code notices} and returns null.
   */
  private TinyDecoder loadPreviewDecoder(Path location, List<String> notices) {
    if (location == null) {
      return null;
    }
    TinyDecoder d = null;
    try {
      d = TinyDecoder.load(location, weights.getDevice());
      d.checkFits(vaeConfig.latentChannels(), vaeConfig.scalingFactor(), pack.name());
      return d;
    } catch (ModelPackException e) {
      if (d != null) {
        d.close();
      }
      LOG.info("preview decoder {} refused: {}", location, e.getMessage());
      notices.add(e.getMessage() + " Previews use another method.");
      return null;
    }
  }

  /**
   * The preview decoder for a run: the one at {@code override} when given (loaded once and kept
   * until another is asked for), else the pack's own ({@code vae_preview/}); null when there is
   * none or it does not fit this model, with the reason added to {@code notices}.
   */
  public TinyDecoder previewDecoder(Path override, List<String> notices) {
    if (override == null) {
      return packPreviewDecoder;
    }
    Path p = override.toAbsolutePath().normalize();
    if (!p.equals(otherDecoderPath)) {
      if (otherDecoder != null) {
        otherDecoder.close();
      }
      List<String> why = new ArrayList<>();
      otherDecoder = loadPreviewDecoder(p, why);
      otherDecoderPath = p;
      otherDecoderRefusal = why.isEmpty() ? null : why.get(0);
    }
    if (otherDecoder == null) {
      notices.add(otherDecoderRefusal);
      return null;
    }
    return otherDecoder;
  }

  /**
   * Opens the pack folder (or single-file checkpoint) and loads every network on {@code device}.
   */
  public static DiffusionModel load(Path packDir, Device device) {
    return load(ModelPack.open(packDir), device);
  }

  /** {@link #load(Path, Device)} with the weights held in {@code precision}. */
  public static DiffusionModel load(Path packDir, Device device, WeightPrecision precision) {
    return load(ModelPack.open(packDir), device, precision);
  }

  /** Loads every network of an opened {@code pack} on {@code device}; the model then owns it. */
  public static DiffusionModel load(ModelPack pack, Device device) {
    return load(pack, device, WeightPrecision.AS_STORED);
  }

  /** {@link #load(ModelPack, Device)} with the weights held in {@code precision}. */
  public static DiffusionModel load(ModelPack pack, Device device, WeightPrecision precision) {
    return new DiffusionModel(pack, device, precision);
  }

  /**
   * Whether the UNet is an inpainting one: latents, a mask and the masked image's latents in
   * ({@code 2 latent_channels + 1} channels: 9 for SD). It loads; generating with it comes with
   * inpainting.
   */
  public boolean isInpainting() {
    return unetConfig.inChannels() == vaeConfig.latentChannels() * 2 + 1;
  }

  public ModelInfo info() {
    return info;
  }

  /** Sentences about the pack worth showing once (ignored files, unused weights). */
  public List<String> notices() {
    return notices;
  }

  public PromptTokenizer tokenizer() {
    return tokenizer;
  }

  public NoiseSchedule schedule() {
    return schedule;
  }

  public SchedulerConfig schedulerConfig() {
    return schedulerConfig;
  }

  public UNetConfig unetConfig() {
    return unetConfig;
  }

  public VaeConfig vaeConfig() {
    return vaeConfig;
  }

  public UNet2DConditionModel unet() {
    return unet;
  }

  /** SDXL's two-encoder text conditioning, or null for an SD 1.x / 2.x model. */
  public SdxlText sdxl() {
    return sdxl;
  }

  public LatentRgbProjection preview() {
    return preview;
  }

  /** A manager for one job's arrays (text embeddings, step sub-managers), on the model's device. */
  public NDManager newJobManager() {
    return weights.newSubManager();
  }

  /**
   * NDArrays alive in the model's managers, weights included: flat across jobs when nothing leaks.
   */
  public int liveArrays() {
    return weights.getManagedArrays().size();
  }

  /**
   * Merges the LoRA of {@code tags} (looked up in {@code folder}, or the default models root's LoRA
   * folder when null) into the text encoder (SDXL: both) and UNet, after taking out any merged
   * before; an empty list restores the base weights bit for bit. The same set as last time costs
   * only reading the files' headers. Every file is opened and checked before any weight changes: a
   * refusal leaves the weights as they were.
   *
   * @return A1111's "Lora hashes" value ({@code name: hash, name2: hash2}), or null without tags
   * @throws EngineException with one sentence for an unknown name or a file that does not fit
   */
  public String applyLoras(List<LoraTags.Tag> tags, Path folder) {
    Path dir = folder != null ? folder : LoraLookup.defaultFolder();
    List<LoraFile> opened = new ArrayList<>();
    try {
      List<LoraMerger.Use> uses = new ArrayList<>();
      List<String> hashes = new ArrayList<>();
      for (LoraTags.Tag t : tags) {
        LoraFile f = LoraFile.open(t.name(), LoraLookup.find(t.name(), dir), loraTargets);
        opened.add(f);
        uses.add(new LoraMerger.Use(f, t.textEncoderWeight(), t.unetWeight()));
        // extra_networks_lora.py activate: the name as mentioned, without ":" and ",".
        String alias = t.name().replace(":", "").replace(",", "");
        hashes.add(alias + ": " + LoraHash.shortHash(f.path(), f.metadata()));
      }
      if (loraMerger.apply(uses)) {
        LOG.info("{}: LoRA now merged: {}", pack.name(), hashes);
      }
      return hashes.isEmpty() ? null : String.join(", ", hashes);
    } finally {
      opened.forEach(LoraFile::close);
    }
  }

  /** The layers a LoRA may change (for tests and tools). */
  public LoraTargets loraTargets() {
    return loraTargets;
  }

  /** How many layers differ from the base weights because of merged LoRA. */
  public int loraChangedLayers() {
    return loraMerger.changedLayers();
  }

  /** Bytes of the text encoder's, UNet's and autoencoder's weights as loaded (MemoryEstimate). */
  public long weightBytes() {
    return weightBytes;
  }

  /** Latent channels (4 for every SD 1.x / 2.x pack). */
  public int latentChannels() {
    return vaeConfig.latentChannels();
  }

  /**
   * Encodes a prompt with AUTOMATIC1111's emphasis syntax ({@link PromptAttention}): [1, L, D]
   * owned by {@code manager}, plus sentences for the user (truncation, unknown words) appended to
   * {@code notices}. A prompt without emphasis that fits one window goes through the tokenizer and
   * text encoder unchanged ({@code (word:1.0)} is the same as {@code word}, bit for bit). Otherwise
   * the runs are laid out by {@link PromptChunks}: on a 77-token CLIP window in chunks of 75
   * tokens, L = 77 k, each chunk encoded on its own, weighted by {@link Emphasis} and concatenated
   * along the tokens as A1111 does (sd_hijack_clip.py forward, torch.hstack); on a shorter window
   * in that one window, cut to fit.
   */
  public NDArray encodeText(String prompt, String role, NDManager manager, List<String> notices) {
    return encodeText(
        prompt, role, 1, Embeddings.none(), manager, notices, new java.util.HashSet<>());
  }

  /**
   * As {@link #encodeText(String, String, NDManager, List)}, taking the text encoder's hidden state
   * {@code clipSkip} layers from the end (A1111's "Clip skip": 1 is the last layer; see {@link
   * #clipSkipFor}) and the names of {@code embeddings} as their vectors (added to {@code used}). A
   * prompt that names no embedding at clip skip 1 gives the same conditioning, bit for bit.
   */
  public NDArray encodeText(
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
   * [1, W, D], for one window of ids with {@code vectors} in place of some token embeddings.
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
      if (ids[i] < 0 || ids[i] >= vocabSize) {
        throw new EngineException(
            "The "
                + role
                + " gave token id "
                + ids[i]
                + " but "
                + pack.name()
                + "'s text encoder knows"
                + " only ids 0 to "
                + (vocabSize - 1)
                + " (vocab_size); its tokenizer does not belong"
                + " to its text encoder.");
      }
    }
    NDArray idArray = manager.create(ids, new Shape(1, ids.length)); // [1, W]
    if (clipSkip == 1 && vectors.isEmpty()) {
      return textEncoder.forward(idArray); // [1, W, D]
    }
    return textEncoder.forward(idArray, clipSkip - 1, vectors); // [1, W, D]
  }

  /**
   * The clip skip a request's {@code asked} value means for this model. A1111's "Clip skip: N"
   * takes {@code hidden_states[-N]} and then final_layer_norm (sd_hijack_clip.py
   * FrozenCLIPEmbedderWithCustomWords.encode_with_transformers). An SD 2.x text encoder (OpenCLIP,
   * hidden_act gelu) already ends at its penultimate layer and A1111 ignores clip skip there
   * (sd_hijack_open_clip.py encode_with_transformers), so it gives 1 with a notice.
   *
   * @throws EngineException when the text encoder has fewer than {@code asked} layers
   */
  public int clipSkipFor(int asked, List<String> notices) {
    if (asked <= 1) {
      return 1;
    }
    ClipTextConfig c = textEncoder.config();
    if (c.hiddenAct().equals("gelu")) {
      notices.add(
          "Clip skip "
              + asked
              + " has no effect on "
              + pack.name()
              + ": its OpenCLIP (SD 2.x) text encoder already uses its penultimate layer, and"
              + " AUTOMATIC1111 ignores clip skip there too.");
      return 1;
    }
    if (asked > c.numHiddenLayers()) {
      throw new EngineException(
          "Clip skip "
              + asked
              + " is more than "
              + pack.name()
              + "'s text encoder has layers; use 1 to "
              + c.numHiddenLayers()
              + ".");
    }
    return asked;
  }

  /**
   * The textual-inversion embeddings in {@code folder} that fit this model's text encoder (SDXL:
   * both, {@code clip_l} and {@code clip_g}; read again when the folder changes); none for a null
   * folder. Skipped files' sentences go to {@code notices}.
   */
  public Embeddings embeddings(Path folder, List<String> notices) {
    if (folder == null) {
      return Embeddings.none();
    }
    Path p = folder.toAbsolutePath().normalize();
    long stamp;
    try {
      stamp = Files.getLastModifiedTime(p).toMillis();
    } catch (IOException | SecurityException e) {
      stamp = -1;
    }
    if (!p.equals(embeddingsPath) || stamp != embeddingsStamp) {
      embeddings =
          sdxl == null
              ? Embeddings.load(p, textEncoder.config().hiddenSize())
              : Embeddings.load(p, sdxl.embeddingWidths()[0], sdxl.embeddingWidths()[1]);
      embeddingsPath = p;
      embeddingsStamp = stamp;
    }
    notices.addAll(embeddings.notices());
    return embeddings;
  }

  /**
   * Decodes with the autoencoder at {@code location} from now on, or with the pack's own when null;
   * the UNet and text encoder stay loaded (see {@link VaeSlot#use}).
   *
   * @return what to record, or null for the pack's own
   * @throws ModelPackException when it cannot be read or does not fit
   */
  public VaeChoice useVae(Path location, List<String> notices) {
    return vaes.use(location, notices);
  }

  /**
   * Decodes scaled latents [B, C, h, w] (in the sampler's units) to RGB bytes of image 0..B-1,
   * following diffusers' pipeline: x = vae.decode(latents / scaling_factor); clamp(x/2 + 0.5, 0,
   * 1).
   */
  public float[] decodeToPixels(float[] latents, int batch, int h, int w) {
    return vaes.decodeToPixels(weights, latents, batch, h, w); // fp32 redo on overflow
  }

  /** The autoencoder slot (decode notices, the tests' half-precision pass). */
  VaeSlot vaes() {
    return vaes;
  }

  /**
   * Encodes images [B, 3, H, W] in [-1, 1] to the mean of the autoencoder's posterior, scaled by
   * scaling_factor (diffusers: latents = scaling_factor * latent_dist.mean): [B, C, H/f, W/f].
   */
  public float[] encodeToLatents(float[] pixels, int batch, int height, int width) {
    try (NDManager sub = weights.newSubManager()) {
      int c = vaeConfig.latentChannels();
      NDArray x = sub.create(pixels, new Shape(batch, 3, height, width)); // [B, 3, H, W]
      NDArray moments = vaes.active().encodeMoments(x); // [B, 2C, h, w]
      NDArray mean = moments.get(":, 0:" + c); // [B, C, h, w]
      return mean.mul(vaeConfig.scalingFactor()).toFloatArray();
    }
  }

  @Override
  public void close() {
    if (packPreviewDecoder != null) {
      packPreviewDecoder.close();
    }
    if (otherDecoder != null) {
      otherDecoder.close();
    }
    vaes.close();
    loraMerger.close();
    weights.close();
    pack.close();
  }
}
