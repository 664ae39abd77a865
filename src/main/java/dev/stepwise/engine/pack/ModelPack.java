package dev.stepwise.engine.pack;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.stepwise.engine.ModelPackException;
import dev.stepwise.engine.tokenizer.PromptTokenizer;
import dev.stepwise.engine.tokenizer.Tokenizers;
import dev.stepwise.engine.weights.SafetensorsFile;
import dev.stepwise.engine.weights.ShardedSafetensors;
import dev.stepwise.engine.weights.StrictJson;
import dev.stepwise.engine.weights.TensorSource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * A Stable Diffusion model in the diffusers folder layout, its configs read and validated when
 * opened and its weights opened on first use.
 *
 * <p>Layout (diffusers DiffusionPipeline.save_pretrained): {@code model_index.json}; {@code unet/}
 * and {@code vae/} each with {@code config.json} and {@code diffusion_pytorch_model.safetensors}
 * (or a sharded {@code diffusion_pytorch_model.safetensors.index.json}); {@code text_encoder/} with
 * {@code config.json} and {@code model.safetensors} (or its index); {@code tokenizer/} with {@code
 * tokenizer.json} or {@code vocab.json} + {@code merges.txt}; {@code scheduler/} with {@code
 * scheduler_config.json}. Anything else (safety_checker/, feature_extractor/, fp16 or non-EMA
 * variants, .bin/.ckpt/.onnx files, single-file checkpoints at the root) is ignored and listed in
 * {@link #notices()}. An optional {@code preview/latent_rgb.json} gives live-preview factors, see
 * {@link #latentRgbFactors()}. An SDXL pack adds {@code text_encoder_2/} (a
 * CLIPTextModelWithProjection) and {@code tokenizer_2/}; either without the other is refused.
 *
 * <p>Thread-safe. {@link #close()} closes every weights source this pack opened.
 */
public final class ModelPack implements AutoCloseable {
  /** Components every pack must have. */
  public static final List<String> REQUIRED_COMPONENTS =
      List.of("unet", "vae", "text_encoder", "tokenizer", "scheduler");

  /**
   * The optional preview decoder's folder: a diffusers AutoencoderTiny (config.json and
   * diffusion_pytorch_model.safetensors) that decodes this pack's latents for live previews. Not
   * listed in model_index.json, so diffusers loads the pack unchanged.
   */
  public static final String PREVIEW_DECODER_DIR = "vae_preview";

  /** Root folders that are never reported as ignored components. */
  private static final Set<String> KNOWN_EXTRA_DIRS =
      Set.of("preview", PREVIEW_DECODER_DIR, "text_encoder_2", "tokenizer_2");

  private final Path root;
  private final String pack;
  private final JsonObject modelIndex;
  private final JsonObject unetConfig;
  private final JsonObject vaeConfig;
  private final JsonObject textEncoderConfig;
  private final JsonObject schedulerConfig;
  private final ComponentWeights unetFiles;
  private final ComponentWeights vaeFiles;
  private final ComponentWeights textEncoderFiles;
  private final TokenizerFiles tokenizer;
  private final JsonObject textEncoder2Config; // SDXL's second encoder, or null
  private final boolean secondOnly; // the SDXL refiner: text_encoder_2/ is the only encoder
  private final ComponentWeights textEncoder2Files;
  private final TokenizerFiles tokenizer2;
  private TensorSource textEncoder2;
  private final LatentRgbFactors preview;
  private final List<String> notices;
  private final LdmCheckpoint checkpoint; // null for a folder

  private TensorSource unet;
  private TensorSource vae;
  private TensorSource textEncoder;
  private String unetHash;
  private boolean closed;

  private ModelPack(Path root) {
    this.root = root;
    this.pack = "model pack " + root;
    List<String> found = new ArrayList<>();
    this.modelIndex = PackJson.readObject(root, "model_index.json", pack);
    // The SDXL refiner's layout: text_encoder_2/ and tokenizer_2/ only (model_index.json marks
    // text_encoder and tokenizer [null, null]); its one encoder is then this pack's text encoder.
    this.secondOnly =
        !Files.isDirectory(root.resolve("text_encoder"))
            && !Files.isDirectory(root.resolve("tokenizer"))
            && Files.isDirectory(root.resolve("text_encoder_2"))
            && Files.isDirectory(root.resolve("tokenizer_2"));
    checkModelIndex(found);
    for (String c : REQUIRED_COMPONENTS) {
      if (!Files.isDirectory(root.resolve(c)) && !(secondOnly && isFirstText(c))) {
        throw new ModelPackException(pack + ": the " + c + "/ folder is missing.");
      }
    }
    String text = secondOnly ? "text_encoder_2" : "text_encoder";
    this.unetConfig = PackJson.readObject(root, "unet/config.json", pack);
    this.vaeConfig = PackJson.readObject(root, "vae/config.json", pack);
    this.textEncoderConfig = PackJson.readObject(root, text + "/config.json", pack);
    this.schedulerConfig = PackJson.readObject(root, "scheduler/scheduler_config.json", pack);
    this.unetFiles = ComponentWeights.locate(root, "unet", "diffusion_pytorch_model", pack, found);
    this.vaeFiles = ComponentWeights.locate(root, "vae", "diffusion_pytorch_model", pack, found);
    this.textEncoderFiles = ComponentWeights.locate(root, text, "model", pack, found);
    this.tokenizer = findTokenizer(secondOnly ? "tokenizer_2" : "tokenizer");
    boolean hasText2 = Files.isDirectory(root.resolve("text_encoder_2"));
    if (hasText2 != Files.isDirectory(root.resolve("tokenizer_2"))) {
      throw new ModelPackException(
          pack
              + ": "
              + (hasText2 ? "tokenizer_2/" : "text_encoder_2/")
              + " is missing; an SDXL pack needs both text_encoder_2/ and tokenizer_2/.");
    }
    this.textEncoder2Config =
        hasText2 ? PackJson.readObject(root, "text_encoder_2/config.json", pack) : null;
    this.textEncoder2Files =
        hasText2 && !secondOnly
            ? ComponentWeights.locate(root, "text_encoder_2", "model", pack, found)
            : null;
    this.tokenizer2 = hasText2 ? findTokenizer("tokenizer_2") : null;
    this.preview = readPreview();
    noticeExtras(found);
    this.notices = Collections.unmodifiableList(found);
    this.checkpoint = null;
  }

  private ModelPack(Path file, LdmCheckpoint c) {
    this.root = file;
    this.pack = "checkpoint " + file;
    this.checkpoint = c;
    this.secondOnly = c.refiner;
    this.modelIndex = new JsonObject();
    if (c.refiner) { // stable-diffusion-xl-refiner-1.0's model_index.json
      modelIndex.addProperty("force_zeros_for_empty_prompt", false);
    }
    this.unetConfig = c.unetConfig;
    this.vaeConfig = c.vaeConfig;
    this.textEncoderConfig = c.textEncoderConfig;
    this.schedulerConfig = c.schedulerConfig;
    this.unetFiles = null;
    this.vaeFiles = null;
    this.textEncoderFiles = null;
    this.tokenizer = null;
    this.textEncoder2Config = c.textEncoder2Config;
    this.textEncoder2Files = null;
    this.tokenizer2 = null;
    this.preview = null;
    this.notices = List.copyOf(c.notices);
    this.unet = c.unet;
    this.vae = c.vae;
    this.textEncoder = c.textEncoder;
    this.textEncoder2 = c.textEncoder2;
  }

  /**
   * Opens the pack in {@code folder}: reads model_index.json and every config, and checks that each
   * required file exists. Throws {@link ModelPackException} naming the first missing or malformed
   * file. Weights are validated when first requested. A file is opened as a single-file checkpoint
   * ({@link #openCheckpoint}).
   */
  public static ModelPack open(Path folder) {
    Path root = folder.toAbsolutePath().normalize();
    if (!Files.exists(root)) {
      throw new ModelPackException("model pack " + root + " does not exist.");
    }
    if (!Files.isDirectory(root)) {
      return openCheckpoint(root, CheckpointOptions.NONE);
    }
    return new ModelPack(root);
  }

  /**
   * Opens a single-file SD 1.x, 2.x or XL {@code .safetensors} checkpoint (LDM names): its header
   * is validated, the family recognised and the configs inferred now, without reading any weights.
   * Pickle files ({@code .ckpt}, {@code .pt}, {@code .pth}, {@code .bin}) are refused unopened.
   *
   * @throws ModelPackException with one sentence when the file is not such a checkpoint
   */
  public static ModelPack openCheckpoint(Path file, CheckpointOptions options) {
    Path p = file.toAbsolutePath().normalize();
    return new ModelPack(p, LdmCheckpoint.open(p, options));
  }

  /** Whether this model is a single-file checkpoint rather than a diffusers folder. */
  public boolean isCheckpoint() {
    return checkpoint != null;
  }

  /**
   * The prompt tokenizer for an encoder window of {@code window}: the folder's {@code tokenizer/},
   * or for a checkpoint CLIP's bundled vocabulary.
   */
  public PromptTokenizer tokenizer(int window) {
    return checkpoint != null
        ? checkpoint.tokenizer(window)
        : Tokenizers.load(tokenizerDir(), window);
  }

  /** Whether the pack has SDXL's second text encoder (text_encoder_2/ and tokenizer_2/). */
  public boolean hasSecondTextEncoder() {
    return textEncoder2Config != null;
  }

  /**
   * Whether the pack has only SDXL's second text encoder, as the SDXL refiner does (no
   * text_encoder/ and tokenizer/): {@link #textEncoderConfig}, {@link #textEncoderWeights} and
   * {@link #tokenizer} are then text_encoder_2/'s and tokenizer_2/'s, and {@link
   * #textEncoder2Weights} is not to be opened again.
   */
  public boolean secondEncoderOnly() {
    return secondOnly;
  }

  private static boolean isFirstText(String component) {
    return component.equals("text_encoder") || component.equals("tokenizer");
  }

  /** The raw text_encoder_2/config.json (a deep copy); only with a second text encoder. */
  public JsonObject textEncoder2Config() {
    return textEncoder2Config.deepCopy();
  }

  /** The second text encoder's weights, opened and validated on first call. */
  public synchronized TensorSource textEncoder2Weights() {
    if (secondOnly) {
      return textEncoderWeights(); // the refiner's one encoder, opened once
    }
    if (textEncoder2 == null) {
      textEncoder2 = openWeights(textEncoder2Files);
    }
    return textEncoder2;
  }

  /**
   * The second prompt tokenizer (tokenizer_2/) for an encoder window of {@code window}; for an SDXL
   * checkpoint CLIP's bundled vocabulary padded with "!".
   */
  public PromptTokenizer tokenizer2(int window) {
    return checkpoint != null
        ? checkpoint.tokenizer2(window)
        : Tokenizers.load(tokenizer2.dir(), window);
  }

  /**
   * model_index.json's {@code force_zeros_for_empty_prompt} (diffusers' SDXL pipelines default it
   * to true): an empty negative prompt is then all zeros rather than the encoded "".
   */
  public boolean forceZerosForEmptyPrompt() {
    JsonElement e = modelIndex.get("force_zeros_for_empty_prompt");
    return e == null
        || !e.isJsonPrimitive()
        || !e.getAsJsonPrimitive().isBoolean()
        || e.getAsBoolean();
  }

  /** The pack folder (absolute, normalized). */
  public Path root() {
    return root;
  }

  /** The display name: the folder name, or the checkpoint's file name without its ending. */
  public String name() {
    Path n = root.getFileName();
    String name = n == null ? root.toString() : n.toString();
    return checkpoint != null ? name.replaceFirst("(?i)\\.safetensors$", "") : name;
  }

  /** The pipeline class from model_index.json {@code _class_name}, or null when absent. */
  public String pipelineClass() {
    JsonElement e = modelIndex.get("_class_name");
    return e != null && e.isJsonPrimitive() && e.getAsJsonPrimitive().isString()
        ? e.getAsString()
        : null;
  }

  /** The raw unet/config.json (a deep copy; other classes parse it into records). */
  public JsonObject unetConfig() {
    return unetConfig.deepCopy();
  }

  /** The raw vae/config.json (a deep copy). */
  public JsonObject vaeConfig() {
    return vaeConfig.deepCopy();
  }

  /** The raw text_encoder/config.json (a deep copy). */
  public JsonObject textEncoderConfig() {
    return textEncoderConfig.deepCopy();
  }

  /** The raw scheduler/scheduler_config.json (a deep copy). */
  public JsonObject schedulerConfig() {
    return schedulerConfig.deepCopy();
  }

  /** The UNet weights, opened and validated on first call. */
  public synchronized TensorSource unetWeights() {
    if (unet == null) {
      unet = openWeights(unetFiles);
    }
    return unet;
  }

  /** The VAE weights, opened and validated on first call. */
  public synchronized TensorSource vaeWeights() {
    if (vae == null) {
      vae = openWeights(vaeFiles);
    }
    return vae;
  }

  /** The text encoder weights, opened and validated on first call. */
  public synchronized TensorSource textEncoderWeights() {
    if (textEncoder == null) {
      textEncoder = openWeights(textEncoderFiles);
    }
    return textEncoder;
  }

  /** The UNet weights file, or its shard index when sharded; a checkpoint's own file. */
  public Path unetWeightsFile() {
    return checkpoint != null ? root : unetFiles.file();
  }

  /** The tokenizer folder, or null for a checkpoint. */
  public Path tokenizerDir() {
    return tokenizer == null ? null : tokenizer.dir();
  }

  /** Which tokenizer files are present, or null for a checkpoint. */
  public TokenizerFiles tokenizerFiles() {
    return tokenizer;
  }

  /**
   * The first 10 hex digits of the SHA-256 of the UNet weights, computed once, streamed.
   *
   * <p>For a single file it hashes that file's bytes (so it equals {@code sha256sum
   * unet/diffusion_pytorch_model.safetensors | cut -c1-10}); for sharded weights it hashes the
   * concatenated bytes of the shard files in file-name order (the index file itself is not hashed).
   * A1111's short hash covers a whole single-file checkpoint instead, so the two differ; for a
   * checkpoint this is the whole file's hash, as A1111 computes it.
   */
  public String unetHash() {
    synchronized (this) {
      if (unetHash != null) {
        return unetHash;
      }
    }
    List<Path> files;
    if (checkpoint != null) {
      files = List.of(root);
    } else if (unetFiles.sharded()) {
      files = new ArrayList<>();
      TensorSource source = unetWeights();
      for (SafetensorsFile shard : ((ShardedSafetensors) source).shards()) {
        files.add(shard.path());
      }
    } else {
      files = List.of(unetFiles.file());
    }
    String hash = WeightsHash.sha256Hex(files).substring(0, 10);
    synchronized (this) {
      unetHash = hash;
    }
    return hash;
  }

  /**
   * Live-preview factors from {@code preview/latent_rgb.json}: one {@code [r, g, b]} row per latent
   * channel, applied to SCALED latents as {@code rgb = bias + sum_c latent[c] * row[c]}, giving
   * values in [-1, 1]. File format: {@code {"factors": [[r,g,b], ...], "bias": [r,g,b]}} with bias
   * optional. Returns a copy, or null when the pack has no such file.
   */
  public float[][] latentRgbFactors() {
    if (preview == null) {
      return null;
    }
    float[][] out = new float[preview.factors().length][];
    for (int i = 0; i < out.length; i++) {
      out[i] = preview.factors()[i].clone();
    }
    return out;
  }

  /** The {@code bias} of {@link #latentRgbFactors()} (zeros when the file omits it), or null. */
  public float[] latentRgbBias() {
    return preview == null ? null : preview.bias().clone();
  }

  /**
   * The pack's preview decoder folder ({@value #PREVIEW_DECODER_DIR}/), or null when it has none.
   */
  public Path previewDecoderDir() {
    Path dir = root.resolve(PREVIEW_DECODER_DIR);
    return Files.isDirectory(dir) ? dir : null;
  }

  /** One sentence per file or folder that was ignored, e.g. variants and unused components. */
  public List<String> notices() {
    return notices;
  }

  /** Closes every weights source opened so far; later weight calls throw. */
  @Override
  public synchronized void close() {
    closed = true;
    for (TensorSource s : new TensorSource[] {unet, vae, textEncoder, textEncoder2}) {
      if (s != null) {
        s.close();
      }
    }
    if (checkpoint != null) {
      checkpoint.close();
    }
  }

  @Override
  public String toString() {
    return "ModelPack[" + root + "]";
  }

  private TensorSource openWeights(ComponentWeights w) {
    if (closed) {
      throw new IllegalStateException(pack + " is closed.");
    }
    String origin = root.resolve(w.relative()).toString();
    return w.sharded()
        ? ShardedSafetensors.open(w.file(), origin)
        : SafetensorsFile.open(w.file(), origin);
  }

  private void checkModelIndex(List<String> found) {
    for (String c : REQUIRED_COMPONENTS) {
      JsonElement e = modelIndex.get(c);
      if (secondOnly && isFirstText(c)) {
        continue; // the refiner: [null, null] (or nothing) for the folders it lacks
      }
      if (e == null) {
        found.add("model_index.json does not list " + c + "; the " + c + "/ folder is used.");
        continue;
      }
      boolean ok = e.isJsonArray() && e.getAsJsonArray().size() == 2;
      if (ok) {
        JsonArray a = e.getAsJsonArray();
        if (a.get(0).isJsonNull() || a.get(1).isJsonNull()) {
          throw new ModelPackException(
              pack
                  + ": model_index.json marks "
                  + c
                  + " as absent ([null, null]); Stepwise"
                  + " needs it.");
        }
        ok = isString(a.get(0)) && isString(a.get(1));
      }
      if (!ok) {
        throw new ModelPackException(
            pack
                + ": model_index.json entry \""
                + c
                + "\" is "
                + StrictJson.shorten(e.toString())
                + "; it must be [library, class], e.g. [\"diffusers\", \"UNet2DConditionModel\"].");
      }
    }
  }

  private TokenizerFiles findTokenizer(String folder) {
    Path dir = root.resolve(folder);
    TokenizerFiles t =
        new TokenizerFiles(
            dir,
            fileOrNull(dir, "tokenizer.json"),
            fileOrNull(dir, "vocab.json"),
            fileOrNull(dir, "merges.txt"),
            fileOrNull(dir, "tokenizer_config.json"),
            fileOrNull(dir, "special_tokens_map.json"));
    if (!t.hasTokenizerJson() && !t.hasVocabAndMerges()) {
      String missing =
          t.vocabJson() != null
              ? folder + "/merges.txt is missing"
              : t.mergesTxt() != null
                  ? folder + "/vocab.json is missing"
                  : folder + "/tokenizer.json is missing";
      throw new ModelPackException(
          pack
              + ": "
              + missing
              + " ("
              + folder
              + "/ needs tokenizer.json, or vocab.json and"
              + " merges.txt).");
    }
    return t;
  }

  private LatentRgbFactors readPreview() {
    if (!Files.exists(root.resolve(LatentRgbFactors.FILE))) {
      return null;
    }
    JsonObject json = PackJson.readObject(root, LatentRgbFactors.FILE, pack);
    JsonElement ch = vaeConfig.get("latent_channels");
    int channels = -1;
    if (ch != null && ch.isJsonPrimitive() && ch.getAsJsonPrimitive().isNumber()) {
      channels = ch.getAsInt();
    }
    return LatentRgbFactors.parse(json, channels, pack);
  }

  private void noticeExtras(List<String> found) {
    List<Path> entries;
    try (Stream<Path> s = Files.list(root)) {
      entries = s.sorted().toList();
    } catch (IOException e) {
      throw new ModelPackException(pack + " cannot be listed (" + e.getMessage() + ").", e);
    }
    for (Path p : entries) {
      String n = p.getFileName().toString();
      if (n.startsWith(".") || REQUIRED_COMPONENTS.contains(n) || KNOWN_EXTRA_DIRS.contains(n)) {
        continue;
      }
      if (Files.isDirectory(p)) {
        found.add(n + "/ ignored: Stepwise does not use this component.");
      } else if (ComponentWeights.isWeightsFile(n)) {
        found.add(
            n
                + " ignored: Stepwise reads the diffusers component folders, not single-file"
                + " checkpoints.");
      }
    }
  }

  private static Path fileOrNull(Path dir, String name) {
    Path p = dir.resolve(name);
    return Files.isRegularFile(p) ? p : null;
  }

  private static boolean isString(JsonElement e) {
    return e.isJsonPrimitive() && e.getAsJsonPrimitive().isString();
  }
}
