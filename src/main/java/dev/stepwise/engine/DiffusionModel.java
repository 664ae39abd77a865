package dev.stepwise.engine;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.stepwise.NativeMemory;
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
import dev.stepwise.engine.sampling.NoiseSchedule;
import dev.stepwise.engine.sampling.SchedulerConfig;
import dev.stepwise.engine.tokenizer.PromptTokenizer;
import dev.stepwise.engine.unet.UNet2DConditionModel;
import dev.stepwise.engine.unet.UNetConfig;
import dev.stepwise.engine.vae.AutoencoderKL;
import dev.stepwise.engine.vae.VaeConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
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
  private final TextEncoders texts; // read when a prompt is encoded, dropped when not kept
  private final UNet2DConditionModel unet;
  private final long unetParameters;
  private final long unetBytes;
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
  private final List<String> notices; // grows once: the text encoders' first read
  private final Map<String, NDArray> unetArrays;
  private LoraTargets loraTargets; // null until LoRA needs it; rebuilt after the encoders are read
  private int loraTargetsRead;
  private final LoraMerger loraMerger;

  private DiffusionModel(ModelPack pack, Device device, WeightPrecision precision) {
    this.pack = pack;
    this.weights = NDManager.newBaseManager(device);
    try {
      notices = new CopyOnWriteArrayList<>(pack.notices());
      unetConfig = UNetConfig.fromJson(pack.unetConfig());
      vaeConfig = VaeConfig.fromJson(pack.vaeConfig());
      schedulerConfig = SchedulerConfig.fromJson(pack.schedulerConfig());
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
      texts = new TextEncoders(pack, weights, precision, unetConfig, notices);
      Parameters unetParams = Parameters.strict(pack.unetWeights(), weights, precision);
      unet = new UNet2DConditionModel(unetConfig, unetParams);
      unetParams.unusedNotice().ifPresent(notices::add);
      unetArrays = unetParams.loadedArrays();
      unetParameters = unetArrays.values().stream().mapToLong(NDArray::size).sum();
      unetBytes = unetParams.loadedBytes();
      loraMerger = new LoraMerger(weights);
      Parameters vaeParams = Parameters.strict(pack.vaeWeights(), weights, precision);
      vaes = new VaeSlot(new AutoencoderKL(vaeConfig, vaeParams), weights, pack, precision);
      vaeParams.unusedNotice().ifPresent(notices::add);
      weightBytes = unetParams.loadedBytes() + vaeParams.loadedBytes();
      schedule = NoiseSchedule.of(schedulerConfig);
      float[][] factors = pack.latentRgbFactors();
      preview =
          factors != null
              ? LatentRgbProjection.fromPack(factors, pack.latentRgbBias())
              : LatentRgbProjection.fitCached(
                  pack.unetHash(), this::encodeToLatents, vaeConfig.downscale());
      packPreviewDecoder = loadPreviewDecoder(pack.previewDecoderDir(), notices);
      info =
          new ModelInfo(
              pack.name(),
              pack.unetHash(),
              Devices.describe(device),
              vaeConfig.downscale(),
              texts.tokenizer().maxLength());
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

  /**
   * Sentences about the pack worth showing once (ignored files, unused weights; the text encoders'
   * are added when they are first read).
   */
  public List<String> notices() {
    return List.copyOf(notices);
  }

  public PromptTokenizer tokenizer() {
    return texts.tokenizer();
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

  /**
   * SDXL's two-encoder text conditioning (its encoders read if they are not resident), or null for
   * an SD 1.x / 2.x model.
   */
  public SdxlText sdxl() {
    return texts.sdxl();
  }

  /** Whether the UNet is SDXL's (two text encoders, pooled text and time ids); reads nothing. */
  public boolean isSdxl() {
    return texts.isSdxl();
  }

  /**
   * Whether the text encoders stay in memory once a job's prompts are encoded (the default), or are
   * dropped then and read again for the next prompt ({@code generate --drop-text-encoders}): SDXL's
   * weigh 1.6 GB in fp16, and the UNet's steps never need them.
   */
  public void keepTextEncoders(boolean keep) {
    texts.keep(keep);
  }

  public boolean keepsTextEncoders() {
    return texts.keeps();
  }

  /** Whether the text encoders' weights are in memory now (none until the first prompt). */
  public boolean textEncodersResident() {
    return texts.resident();
  }

  /** How many times the text encoders' weights have been read from the pack. */
  public int textEncoderReads() {
    return texts.loads();
  }

  /**
   * Called once a job's prompts are encoded (the whole batch shares them): drops the text encoders
   * when the model does not keep them, forgetting LoRA merged into them (merged again, onto the
   * weights read afresh, for the next prompt that names it).
   */
  public void promptsEncoded() {
    if (!texts.keeps() && texts.resident()) {
      loraMerger.forget(LoraTargets.Part.TEXT_ENCODER);
      loraMerger.forget(LoraTargets.Part.TEXT_ENCODER_2);
      loraTargets = null;
      texts.drop();
      NativeMemory.giveBack(); // else glibc keeps the freed blocks resident (NativeMemory)
    }
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
        LoraFile f = LoraFile.open(t.name(), LoraLookup.find(t.name(), dir), loraTargets());
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

  /** The layers a LoRA may change, the text encoder read if needed (for LoRA, tests and tools). */
  public LoraTargets loraTargets() {
    if (loraTargets == null || loraTargetsRead != texts.loads()) {
      Map<String, NDArray> text = texts.arrays(); // the model's one encoder for the refiner
      boolean refiner = texts.isSdxl() && pack.secondEncoderOnly();
      loraTargets =
          LoraTargets.of(
              pack.name(),
              refiner ? Map.of() : text,
              !texts.isSdxl() ? null : refiner ? text : texts.sdxl().encoder2Arrays(),
              unetArrays,
              unetConfig.layersPerBlock()[0]);
      loraTargetsRead = texts.loads();
    }
    return loraTargets;
  }

  /** How many layers differ from the base weights because of merged LoRA. */
  public int loraChangedLayers() {
    return loraMerger.changedLayers();
  }

  /**
   * Bytes of the text encoders', UNet's and autoencoder's weights as loaded (MemoryEstimate); the
   * text encoders' as {@link #textEncoderBytes}.
   */
  public long weightBytes() {
    return weightBytes + textEncoderBytes();
  }

  /**
   * Bytes of the text encoders' weights as last read; before the first read, their files' sizes
   * (the headers) at the bytes per parameter the UNet was loaded with.
   */
  public long textEncoderBytes() {
    long read = texts.bytes();
    if (read >= 0) {
      return read;
    }
    return (long) (texts.parameters() * (double) unetBytes / unetParameters);
  }

  /** Latent channels (4 for every SD 1.x / 2.x pack). */
  public int latentChannels() {
    return vaeConfig.latentChannels();
  }

  /**
   * Encodes a prompt with AUTOMATIC1111's emphasis syntax ({@link
   * dev.stepwise.engine.prompt.PromptAttention}): [1, L, D] owned by {@code manager}, plus
   * sentences for the user (truncation, unknown words) appended to {@code notices}. A prompt
   * without emphasis that fits one window goes through the tokenizer and text encoder unchanged
   * ({@code (word:1.0)} is the same as {@code word}, bit for bit). Otherwise the runs are laid out
   * by {@link dev.stepwise.engine.prompt.PromptChunks}: on a 77-token CLIP window in chunks of 75
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
    return texts.encode(prompt, role, clipSkip, embeddings, manager, notices, used); // [1, L, D]
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
    return texts.clipSkipFor(asked, notices);
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
          texts.isSdxl()
              ? Embeddings.load(
                  p, texts.sdxl().embeddingWidths()[0], texts.sdxl().embeddingWidths()[1])
              : Embeddings.load(p, texts.config().hiddenSize());
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
    texts.close();
    weights.close();
    pack.close();
  }
}
