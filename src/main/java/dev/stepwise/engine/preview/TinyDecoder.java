package dev.stepwise.engine.preview;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonObject;
import dev.stepwise.engine.ModelPackException;
import dev.stepwise.engine.nn.Parameters;
import dev.stepwise.engine.pack.PickleFiles;
import dev.stepwise.engine.vae.AutoencoderTiny;
import dev.stepwise.engine.vae.TinyVaeConfig;
import dev.stepwise.engine.weights.SafetensorsFile;
import dev.stepwise.engine.weights.StrictJson;
import dev.stepwise.engine.weights.TensorSource;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.NumberFormat;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * A loaded preview decoder: the decoder of an AutoencoderTiny (TAESD, madebyollin/taesd) that turns
 * a step's latents into a small RGB picture far faster than the model's own autoencoder.
 *
 * <p>{@link #load} reads (a) a diffusers AutoencoderTiny folder ({@code config.json} and {@code
 * diffusion_pytorch_model.safetensors}, keys {@code decoder.layers.N.*}; {@code encoder.*} keys are
 * ignored), (b) a folder holding one original TAESD decoder file ({@code
 * taesd_decoder.safetensors}, {@code taesdxl_decoder.safetensors}, any single {@code
 * *decoder*.safetensors}; keys {@code N.*}, read as {@code decoder.layers.(N-1).*} since index 0 of
 * taesd.py's Decoder is Clamp), or (c) such a .safetensors file itself, in either key style.
 * Without a config.json the decoder is TAESD's ({@link TinyVaeConfig#taesdDefaults}) with the
 * latent channel count of its first convolution. Pickle files (.pth, .pt, .ckpt, .bin) are never
 * read.
 *
 * <p>The weights live in the decoder's own {@link NDManager}, freed by {@link #close()}. Use one
 * instance from one thread at a time (the sampling thread): {@link #decodeToPixels} opens a
 * sub-manager of the decoder's manager per call.
 */
public final class TinyDecoder implements AutoCloseable {
  /** The largest config.json accepted; real ones are under 1 KiB. */
  public static final long MAX_CONFIG_BYTES = 1L << 20;

  /** The relative difference of scaling factors tolerated by {@link #checkFits}. */
  public static final double SCALING_TOLERANCE = 1e-3;

  /** SDXL's autoencoder scaling_factor (taesdxl). */
  public static final double SDXL_SCALING = 0.13025;

  /** SD 1.x / 2.x's autoencoder scaling_factor (taesd). */
  public static final double SD_SCALING = 0.18215;

  private static final String DIFFUSERS_WEIGHTS = "diffusion_pytorch_model.safetensors";
  private static final String CONFIG = "config.json";
  private static final Pattern ORIGINAL_KEY = Pattern.compile("[0-9]{1,4}\\..+");

  private final String origin;
  private final TinyVaeConfig config;
  private final NDManager manager;
  private final AutoencoderTiny network;
  private final OptionalDouble madeFor;
  private volatile boolean closed;

  private TinyDecoder(
      String origin,
      TinyVaeConfig config,
      NDManager manager,
      AutoencoderTiny network,
      OptionalDouble madeFor) {
    this.origin = origin;
    this.config = config;
    this.manager = manager;
    this.network = network;
    this.madeFor = madeFor;
  }

  /**
   * Loads the preview decoder at {@code location} (a folder or a .safetensors file, see the class
   * comment) onto {@code device}. Throws {@link ModelPackException}, one sentence naming the path
   * and what is wrong, for anything it cannot use.
   */
  public static TinyDecoder load(Path location, Device device) {
    String origin = "preview decoder " + location;
    if (Files.isDirectory(location)) {
      if (Files.exists(location.resolve(CONFIG))) {
        Path weights = location.resolve(DIFFUSERS_WEIGHTS);
        if (!Files.isRegularFile(weights)) {
          Path pickle = location.resolve("diffusion_pytorch_model.bin");
          if (Files.exists(pickle)) {
            throw pickleRefusal(origin + ": " + pickle.getFileName());
          }
          throw new ModelPackException(
              origin
                  + ": "
                  + DIFFUSERS_WEIGHTS
                  + " is missing (a diffusers AutoencoderTiny folder holds it beside"
                  + " config.json).");
        }
        TinyVaeConfig config = readConfig(location.resolve(CONFIG), origin);
        return build(origin, config, weights, location, device);
      }
      Path file = decoderFileIn(location, origin);
      return build(origin, null, file, location, device);
    }
    if (!Files.exists(location)) {
      throw new ModelPackException(origin + " does not exist.");
    }
    String name = location.getFileName().toString().toLowerCase(Locale.ROOT);
    if (isPickle(name)) {
      throw pickleRefusal(origin);
    }
    if (!name.endsWith(".safetensors")) {
      throw new ModelPackException(
          origin
              + " is neither a folder nor a .safetensors file, so it cannot be a preview decoder.");
    }
    Path parent = location.toAbsolutePath().getParent();
    if (name.equals(DIFFUSERS_WEIGHTS)
        && parent != null
        && Files.isRegularFile(parent.resolve(CONFIG))) {
      // The weights file of a diffusers folder: its config.json belongs to it.
      TinyVaeConfig config = readConfig(parent.resolve(CONFIG), origin);
      return build(origin, config, location, parent, device);
    }
    return build(origin, null, location, location, device);
  }

  /** The one original-style decoder file in {@code folder}, or a refusal. */
  private static Path decoderFileIn(Path folder, String origin) {
    List<Path> decoders = new ArrayList<>();
    List<String> pickles = new ArrayList<>();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(folder)) {
      for (Path p : ds) {
        String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
        if (!n.contains("decoder") || !Files.isRegularFile(p)) {
          continue;
        }
        if (n.endsWith(".safetensors")) {
          decoders.add(p);
        } else if (isPickle(n)) {
          pickles.add(p.getFileName().toString());
        }
      }
    } catch (IOException e) {
      throw new ModelPackException(origin + " cannot be listed (" + e.getMessage() + ").", e);
    }
    Collections.sort(decoders);
    Collections.sort(pickles);
    if (decoders.size() == 1) {
      return decoders.get(0);
    }
    if (decoders.size() > 1) {
      List<String> names = new ArrayList<>();
      decoders.forEach(p -> names.add(p.getFileName().toString()));
      throw new ModelPackException(
          origin
              + " holds several decoder files ("
              + String.join(", ", names)
              + "); choose one of them.");
    }
    if (!pickles.isEmpty()) {
      throw pickleRefusal(origin + ": " + pickles.get(0));
    }
    throw new ModelPackException(
        origin
            + " holds neither config.json with "
            + DIFFUSERS_WEIGHTS
            + " nor a *decoder*.safetensors file, so it is not a preview decoder.");
  }

  private static boolean isPickle(String lowerName) {
    return PickleFiles.isPickleName(lowerName);
  }

  /** {@code what}: "preview decoder /x/a.pth", or "preview decoder /x: a.pth". */
  private static ModelPackException pickleRefusal(String what) {
    return new ModelPackException(PickleFiles.refusal(what));
  }

  /** Reads config.json with a size bound and strict JSON (as engine/pack/PackJson does). */
  private static TinyVaeConfig readConfig(Path file, String origin) {
    String what = origin + ": " + CONFIG;
    if (!Files.isRegularFile(file)) {
      throw new ModelPackException(what + " is not a regular file.");
    }
    byte[] bytes;
    try {
      long size = Files.size(file);
      if (size > MAX_CONFIG_BYTES) {
        throw new ModelPackException(
            what
                + " is "
                + size
                + " bytes; config files may be at most "
                + MAX_CONFIG_BYTES
                + " bytes.");
      }
      bytes = Files.readAllBytes(file);
    } catch (IOException e) {
      throw new ModelPackException(what + " cannot be read (" + e.getMessage() + ").", e);
    }
    JsonObject json = StrictJson.parseObject(bytes, what);
    return TinyVaeConfig.fromJson(json, file.toString());
  }

  /**
   * Opens {@code weights}, picks the key style, completes the config ({@code null}: TAESD's, with
   * the first conv's latent channels) and builds the network; {@code named} is the location whose
   * name hints at the model family.
   */
  private static TinyDecoder build(
      String origin, TinyVaeConfig config, Path weights, Path named, Device device) {
    SafetensorsFile file = SafetensorsFile.open(weights, weights.toString());
    NDManager manager = null;
    try {
      DecoderKeys keys = DecoderKeys.of(file, origin);
      if (config == null) {
        long[] first = keys.shape("decoder.layers.0.weight");
        if (first == null || first.length != 4) {
          throw new ModelPackException(
              origin
                  + ": "
                  + weights.getFileName()
                  + " has no first convolution "
                  + keys.stored("decoder.layers.0.weight")
                  + " of 4 dimensions, so it is not a TAESD decoder.");
        }
        if (first[1] < 1 || first[1] > TinyVaeConfig.MAX_CHANNELS) {
          throw new ModelPackException(
              origin
                  + ": its first convolution reads "
                  + first[1]
                  + " latent channels; allowed are 1 to "
                  + TinyVaeConfig.MAX_CHANNELS
                  + ".");
        }
        config = TinyVaeConfig.taesdDefaults((int) first[1]);
      }
      manager = NDManager.newBaseManager(device);
      Parameters params = Parameters.strict(keys, manager);
      AutoencoderTiny network = new AutoencoderTiny(config, params);
      List<String> unused = params.unusedKeys();
      if (!unused.isEmpty()) {
        throw new ModelPackException(
            origin
                + ": "
                + weights.getFileName()
                + " holds "
                + unused.size()
                + " tensors this decoder does not use (the first is "
                + keys.stored(unused.get(0))
                + "), so it is not an AutoencoderTiny decoder of this shape.");
      }
      OptionalDouble madeFor = config.stepwiseVaeScalingFactor();
      if (madeFor.isEmpty()) {
        Path folderName = named.getFileName();
        madeFor =
            inferScaling(
                weights.getFileName().toString(), folderName == null ? "" : folderName.toString());
      }
      return new TinyDecoder(origin, config, manager, network, madeFor);
    } catch (RuntimeException e) {
      if (manager != null) {
        manager.close();
      }
      throw e;
    } finally {
      file.close(); // loaded arrays are copies that own their memory
    }
  }

  /**
   * The scaling_factor a decoder was made for, from its file or folder name (case-insensitive):
   * "taesdxl" is SDXL's 0.13025; "taesd3", "taef1", "taef2", "taesana" are other families (none);
   * "taesd" is SD 1.x / 2.x's 0.18215. The first name with a hint decides.
   */
  static OptionalDouble inferScaling(String... names) {
    for (String raw : names) {
      String n = raw.toLowerCase(Locale.ROOT);
      if (n.contains("taesdxl")) {
        return OptionalDouble.of(SDXL_SCALING);
      }
      if (n.contains("taesd3")
          || n.contains("taef1")
          || n.contains("taef2")
          || n.contains("taesana")) {
        return OptionalDouble.empty();
      }
      if (n.contains("taesd")) {
        return OptionalDouble.of(SD_SCALING);
      }
    }
    return OptionalDouble.empty();
  }

  /** Where the decoder came from, for messages: "preview decoder /path". */
  public String origin() {
    return origin;
  }

  /** The decoder's configuration (config.json, or TAESD's defaults). */
  public TinyVaeConfig config() {
    return config;
  }

  /** The number of latent channels the decoder reads. */
  public int latentChannels() {
    return config.latentChannels();
  }

  /** Pixels per latent pixel along each side. */
  public int factor() {
    return config.factor();
  }

  /** The number of parameters of the decoder. */
  public long parameterCount() {
    return config.parameterCount();
  }

  /** One line for the UI and logs, e.g. "AutoencoderTiny, 1,222,531 parameters". */
  public String description() {
    return "AutoencoderTiny, "
        + NumberFormat.getIntegerInstance(Locale.ROOT).format(parameterCount())
        + " parameters";
  }

  /**
   * The scaling_factor of the autoencoder whose scaled latents this decoder was made for: the
   * config's stepwise_vae_scaling_factor, else inferred from the file or folder name ("taesdxl":
   * 0.13025, "taesd": 0.18215; other TAESD families and unknown names: empty).
   */
  public OptionalDouble madeForScalingFactor() {
    return madeFor;
  }

  /**
   * Refuses ({@link ModelPackException}, one sentence) when this decoder cannot read the latents of
   * a model with {@code modelLatentChannels} channels whose autoencoder scales them by {@code
   * modelScalingFactor}: the channel counts differ, or the decoder was made for another scaling
   * factor (more than 0.1% apart).
   */
  public void checkFits(int modelLatentChannels, double modelScalingFactor, String modelName) {
    if (modelLatentChannels != latentChannels()) {
      throw new ModelPackException(
          "The "
              + origin
              + " reads "
              + latentChannels()
              + " latent channels but "
              + modelName
              + " has "
              + modelLatentChannels
              + ".");
    }
    if (madeFor.isPresent()) {
      double want = madeFor.getAsDouble();
      if (!(Math.abs(want - modelScalingFactor)
          <= SCALING_TOLERANCE * Math.abs(modelScalingFactor))) {
        throw new ModelPackException(
            "The "
                + origin
                + " was made for latents scaled by "
                + want
                + " but "
                + modelName
                + "'s autoencoder scales them by "
                + modelScalingFactor
                + ".");
      }
    }
  }

  /**
   * Decodes one image's scaled latents (the sampler's units) {@code [1, C, h, w]} to CHW pixels
   * {@code [3, h f, w f]} in [0, 1]: decoder(latents / scaling_factor), then clamp(x / 2 + 0.5, 0,
   * 1), as DiffusionModel.decodeToPixels does with the full autoencoder (computed as the layers'
   * own [0, 1] output, clamped: the same value). Every intermediate is freed.
   */
  public float[] decodeToPixels(float[] latents, int h, int w) {
    if (closed) {
      throw new IllegalStateException("The " + origin + " is closed.");
    }
    int c = latentChannels();
    if (h < 1 || w < 1 || (long) c * h * w != latents.length) {
      throw new IllegalArgumentException(
          "The "
              + origin
              + " got "
              + latents.length
              + " latent values for "
              + c
              + " x "
              + h
              + " x "
              + w
              + ".");
    }
    long outputs = 3L * h * factor() * w * factor();
    if (outputs > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException(
          "The "
              + origin
              + " cannot decode "
              + h
              + " x "
              + w
              + " latents: "
              + outputs
              + " output values exceed a Java array.");
    }
    try (NDManager job = manager.newSubManager()) {
      NDArray z = job.create(latents, new Shape(1, c, h, w)); // [1, C, h, w]
      if (config.scalingFactor() != 1.0) {
        z = z.div(config.scalingFactor()); // [1, C, h, w], the decoder's units
      }
      // clamp(decode(z) / 2 + 0.5, 0, 1) = clamp(decodeUnit(z), 0, 1): decode is decodeUnit * 2 - 1
      NDArray x = network.decodeUnit(z).clip(0f, 1f); // [1, 3, h f, w f] in [0, 1]
      return x.toType(DataType.FLOAT32, false).toFloatArray(); // [3, h f, w f]
    }
  }

  /** The network, for tests and benchmarks (its arrays belong to this decoder's manager). */
  public AutoencoderTiny network() {
    return network;
  }

  /** The arrays the decoder's manager holds (its weights, plus any leak), for tests. */
  int arraysHeld() {
    return manager.getManagedArrays().size();
  }

  @Override
  public void close() {
    closed = true;
    manager.close();
  }

  @Override
  public String toString() {
    return origin + " (" + description() + ")";
  }

  /**
   * The decoder tensors of one safetensors file under diffusers' names {@code decoder.layers.N.*}:
   * a diffusers file as stored, minus its {@code encoder.*} tensors (only the decoder is used), or
   * an original TAESD decoder file whose {@code N.*} are renamed {@code decoder.layers.(N-1).*}
   * (taesd.py Decoder index 0 is Clamp, which has no weights; tiny_vae.py convert_original).
   */
  private static final class DecoderKeys implements TensorSource {
    private final SafetensorsFile file;
    private final Map<String, String> stored; // diffusers name -> stored name
    private final String origin;
    private final boolean original; // TAESD's own key names

    private DecoderKeys(
        SafetensorsFile file, Map<String, String> stored, String origin, boolean original) {
      this.file = file;
      this.stored = stored;
      this.origin = origin;
      this.original = original;
    }

    static DecoderKeys of(SafetensorsFile file, String decoderOrigin) {
      Set<String> names = file.names();
      boolean diffusers =
          names.stream().anyMatch(n -> n.startsWith("decoder.") || n.startsWith("encoder."));
      Map<String, String> map = new LinkedHashMap<>();
      String name = file.path().getFileName().toString();
      for (String n : new TreeSet<>(names)) {
        if (diffusers) {
          if (n.startsWith("encoder.")) {
            continue; // AutoencoderTiny's encoder: previews only decode
          }
          map.put(n, n); // anything but decoder.* is reported as unused
        } else {
          if (!ORIGINAL_KEY.matcher(n).matches()) {
            throw new ModelPackException(
                decoderOrigin
                    + ": "
                    + name
                    + " holds tensor \""
                    + StrictJson.shorten(n)
                    + "\", which is neither a diffusers AutoencoderTiny key (decoder.*) nor a TAESD"
                    + " key (N.*).");
          }
          int dot = n.indexOf('.');
          int index = Integer.parseInt(n.substring(0, dot));
          if (index == 0) {
            throw new ModelPackException(
                decoderOrigin
                    + ": "
                    + name
                    + " holds tensor \""
                    + StrictJson.shorten(n)
                    + "\" at index 0, which a TAESD decoder never has (that is an encoder file).");
          }
          map.put("decoder.layers." + (index - 1) + n.substring(dot), n);
        }
      }
      String origin =
          diffusers
              ? decoderOrigin + " (" + name + ")"
              : decoderOrigin + " (" + name + ", TAESD names: decoder.layers.N is stored as N+1)";
      return new DecoderKeys(file, map, origin, !diffusers);
    }

    /** The name {@code diffusersName} has (or would have) in the file, for messages. */
    String stored(String diffusersName) {
      String s = stored.get(diffusersName);
      if (s != null || !original || !diffusersName.startsWith("decoder.layers.")) {
        return s != null ? s : diffusersName;
      }
      String rest = diffusersName.substring("decoder.layers.".length()); // "N.name"
      int dot = rest.indexOf('.');
      return (Integer.parseInt(rest.substring(0, dot)) + 1) + rest.substring(dot);
    }

    @Override
    public Set<String> names() {
      return stored.keySet();
    }

    @Override
    public long[] shape(String name) {
      String s = stored.get(name);
      return s == null ? null : file.shape(s);
    }

    @Override
    public NDArray load(String name, NDManager manager) {
      String s = stored.get(name);
      if (s == null) {
        throw new ModelPackException(origin + ": is missing key " + name + ".");
      }
      return file.load(s, manager);
    }

    @Override
    public String origin() {
      return origin;
    }

    @Override
    public void close() {
      file.close();
    }
  }
}
