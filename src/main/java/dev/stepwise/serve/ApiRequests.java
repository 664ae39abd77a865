package dev.stepwise.serve;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import dev.stepwise.engine.EngineException;
import dev.stepwise.engine.GenerationRequest;
import dev.stepwise.engine.ImageInput;
import dev.stepwise.engine.PreviewSource;
import dev.stepwise.engine.image.ImageFiles;
import dev.stepwise.engine.pack.ModelsFolder;
import dev.stepwise.metadata.SamplerChoice;
import dev.stepwise.metadata.SamplerNames;
import dev.stepwise.recipe.HiresSettings;
import dev.stepwise.recipe.HiresUpscaler;
import dev.stepwise.recipe.ImageSettings;
import dev.stepwise.recipe.MaskedContent;
import dev.stepwise.recipe.RecipeException;
import dev.stepwise.recipe.ResizeMode;
import dev.stepwise.recipe.Sampler;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Locale;
import java.util.Set;

/**
 * Reads A1111's txt2img and img2img request bodies (modules/api/models.py,
 * StableDiffusionTxt2ImgProcessingAPI and its img2img twin: the processing classes' fields) into a
 * {@link GenerationRequest}, holding every value to the server's limits. A value of the wrong type
 * or out of range, and a feature Stepwise does not offer, is one sentence and a 400; unknown keys
 * are ignored, as A1111 ignores them.
 */
final class ApiRequests {
  /** A request read: what to run, and what the response echoes. */
  record Parsed(
      GenerationRequest request,
      ApiModels.Model model,
      int batchSize,
      int nIter,
      boolean sendImages,
      JsonObject parameters) {}

  /** The longest prompt accepted, as the CLI's (1 MiB of characters). */
  static final int MAX_TEXT_CHARS = 1 << 20;

  /** A1111's schedule types that mean the sampler's own sigmas, and Karras. */
  static final Set<String> SCHEDULERS = Set.of("automatic", "uniform", "karras");

  private final ServeConfig.Limits limits;
  private final ApiModels models;
  private final ServeConfig config;
  private final SecureRandom random = new SecureRandom();

  ApiRequests(ServeConfig config, ApiModels models) {
    this.config = config;
    this.limits = config.limits();
    this.models = models;
  }

  /** POST /sdapi/v1/txt2img, or img2img when {@code img2img}. */
  Parsed parse(JsonObject o, boolean img2img) {
    for (String flag : new String[] {"restore_faces", "tiling"}) {
      if (bool(o, flag, false)) {
        throw ApiException.bad(flag + " is not offered by this server; send it as false.");
      }
    }
    if (!str(o, "script_name", "").isBlank()) {
      throw ApiException.bad("Scripts are not offered by this server; send no script_name.");
    }
    if (o.has("alwayson_scripts")
        && o.get("alwayson_scripts").isJsonObject()
        && o.getAsJsonObject("alwayson_scripts").size() > 0) {
      throw ApiException.bad(
          "Always-on scripts are not offered by this server; send alwayson_scripts empty.");
    }
    String prompt = text(o, "prompt");
    String negative = text(o, "negative_prompt");
    int steps = integer(o, "steps", 50, 1, limits.maxSteps());
    double cfg = number(o, "cfg_scale", 7.0);
    int width = side(o, "width");
    int height = side(o, "height");
    int batchSize = integer(o, "batch_size", 1, 1, limits.maxImages());
    int nIter = integer(o, "n_iter", 1, 1, limits.maxImages());
    if (batchSize * nIter > limits.maxImages()) {
      throw ApiException.bad(
          "batch_size "
              + batchSize
              + " x n_iter "
              + nIter
              + " asks for "
              + batchSize * nIter
              + " images; this server makes at most "
              + limits.maxImages()
              + " per request.");
    }
    long seed = seed(o, "seed");
    double subStrength = number(o, "subseed_strength", 0);
    long subseed = seed(o, "subseed");
    String samplerName = str(o, "sampler_name", "");
    if (samplerName.isBlank()) {
      samplerName = str(o, "sampler_index", "Euler");
    }
    String scheduler = str(o, "scheduler", "Automatic");
    boolean karras = sampler(samplerName, scheduler);
    Sampler sampler = Sampler.parse(SamplerNames.resolve(samplerName).cliName());
    double eta = o.has("eta") && !o.get("eta").isJsonNull() ? number(o, "eta", 0) : 0;
    JsonObject override =
        o.has("override_settings") && o.get("override_settings").isJsonObject()
            ? o.getAsJsonObject("override_settings")
            : new JsonObject();
    ApiModels.Model model = models.resolve(str(override, "sd_model_checkpoint", null));
    int clipSkip = integer(override, "CLIP_stop_at_last_layers", 1, 1, 12);
    GenerationRequest.Builder b =
        GenerationRequest.builder()
            .model(model.path())
            .prompt(prompt)
            .negativePrompt(negative)
            .steps(steps)
            .guidance(cfg)
            .seed(seed)
            .sampler(sampler)
            .karras(karras && sampler.takesKarras())
            .eta(sampler == Sampler.DDIM ? eta : 0)
            .size(width, height)
            .batch(batchSize * nIter)
            .clipSkip(clipSkip)
            .previewSource(PreviewSource.PREDICTED_IMAGE)
            .previewMethod(config.preview());
    if (config.models() != null) {
      // <lora:name> tags and embeddings by name, from the server's models folder only
      ModelsFolder folder = ModelsFolder.at(config.models());
      b.loraFolder(folder.folder(ModelsFolder.Kind.LORA));
      Path embeddings = folder.folder(ModelsFolder.Kind.EMBEDDING);
      b.embeddings(Files.isDirectory(embeddings) ? embeddings : null);
    }
    if (subStrength > 0) {
      b.variation(subseed, subStrength);
    }
    if (img2img) {
      b.input(input(o));
    } else if (bool(o, "enable_hr", false)) {
      b.hires(hires(o, width, height));
    }
    GenerationRequest request;
    try {
      request = b.build();
    } catch (EngineException | RecipeException e) {
      throw ApiException.bad(e.getMessage());
    }
    JsonObject echo = o.deepCopy();
    echo.remove("init_images");
    echo.remove("mask");
    echo.addProperty("prompt", prompt);
    echo.addProperty("negative_prompt", negative);
    echo.addProperty("seed", seed);
    echo.addProperty("subseed", subseed);
    echo.addProperty("subseed_strength", subStrength);
    echo.addProperty("sampler_name", sampler.displayName());
    echo.addProperty("scheduler", karras && sampler.takesKarras() ? "Karras" : "Automatic");
    echo.addProperty("batch_size", batchSize);
    echo.addProperty("n_iter", nIter);
    echo.addProperty("steps", steps);
    echo.addProperty("cfg_scale", cfg);
    echo.addProperty("width", width);
    echo.addProperty("height", height);
    boolean send = bool(o, "send_images", true);
    echo.addProperty("send_images", send);
    return new Parsed(request, model, batchSize, nIter, send, echo);
  }

  /** Whether Karras sigmas were asked for; an unknown sampler or scheduler is refused. */
  private static boolean sampler(String name, String scheduler) {
    SamplerChoice c;
    try {
      c = SamplerNames.resolve(name);
    } catch (RuntimeException e) {
      c = null;
    }
    if (c == null || c.notice() != null) {
      throw ApiException.bad(
          "The sampler '"
              + ApiModels.shown(name)
              + "' is not one this server has; use DDPM, DDIM, Euler, Euler a or DPM++ 2M (GET"
              + " /sdapi/v1/samplers).");
    }
    String s = scheduler.strip().toLowerCase(Locale.ROOT);
    if (!SCHEDULERS.contains(s)) {
      throw ApiException.bad(
          "The scheduler '"
              + ApiModels.shown(scheduler)
              + "' is not one this server has; use Automatic, Uniform or Karras.");
    }
    return c.karras() || s.equals("karras");
  }

  /**
   * txt2img's hires fix (A1111's StableDiffusionProcessingTxt2Img: hr_scale, hr_upscaler,
   * hr_second_pass_steps, denoising_strength); the enlarged size is held to the size limit.
   */
  private HiresSettings hires(JsonObject o, int width, int height) {
    if (whole(o, "hr_resize_x", 0) != 0 || whole(o, "hr_resize_y", 0) != 0) {
      throw ApiException.bad(
          "hr_resize_x and hr_resize_y are not offered by this server; send 0 and give hr_scale.");
    }
    if (width == 0 || height == 0) {
      throw ApiException.bad("enable_hr needs width and height on this server; give both.");
    }
    double scale = number(o, "hr_scale", 2.0);
    String name = str(o, "hr_upscaler", "Latent");
    HiresUpscaler upscaler = HiresUpscaler.parse(name);
    if (upscaler == null) {
      throw ApiException.bad(
          "The hr_upscaler '"
              + ApiModels.shown(name)
              + "' is not one this server has; use Latent, Latent (nearest) or Lanczos.");
    }
    int steps = integer(o, "hr_second_pass_steps", 0, 0, limits.maxSteps());
    double strength = number(o, "denoising_strength", HiresSettings.DEFAULT_STRENGTH);
    HiresSettings h;
    try {
      h = new HiresSettings(scale, steps, strength, upscaler);
    } catch (RecipeException e) {
      throw ApiException.bad(e.getMessage());
    }
    long w = (long) (width * scale);
    long ht = (long) (height * scale);
    if (w > limits.maxSide() || ht > limits.maxSide()) {
      throw ApiException.bad(
          "hr_scale "
              + scale
              + " makes "
              + w
              + "x"
              + ht
              + "; this server makes at most "
              + limits.maxSide()
              + " pixels a side.");
    }
    return h;
  }

  /** img2img's init image (the first of init_images), optional mask and their settings. */
  private ImageInput input(JsonObject o) {
    if (!o.has("init_images")
        || !o.get("init_images").isJsonArray()
        || o.getAsJsonArray("init_images").isEmpty()) {
      throw ApiException.bad("init_images must hold one base64 image for img2img.");
    }
    JsonElement first = o.getAsJsonArray("init_images").get(0);
    if (!first.isJsonPrimitive() || !first.getAsJsonPrimitive().isString()) {
      throw ApiException.bad("init_images must hold base64 strings.");
    }
    double strength = number(o, "denoising_strength", ImageSettings.DEFAULT_STRENGTH);
    int resizeMode = integer(o, "resize_mode", 0, 0, 2);
    ResizeMode resize =
        switch (resizeMode) {
          case 1 -> ResizeMode.FILL;
          case 2 -> ResizeMode.FIT;
          default -> ResizeMode.STRETCH;
        };
    int maskBlur = integer(o, "mask_blur", 4, 0, ImageSettings.MAX_MASK_BLUR);
    int fill = integer(o, "inpainting_fill", 0, 0, 2);
    MaskedContent content =
        switch (fill) {
          case 1 -> MaskedContent.KEEP;
          case 2 -> MaskedContent.NOISE;
          default -> MaskedContent.FILL;
        };
    ImageFiles.Picture init = picture(first.getAsString(), "init image");
    String maskText = str(o, "mask", null);
    ImageFiles.Picture mask =
        maskText == null || maskText.isBlank() ? null : picture(maskText, "mask");
    if (mask != null && bool(o, "inpaint_full_res", false)) {
      throw ApiException.bad(
          "inpaint_full_res (only masked) is not offered by this server; send it as false.");
    }
    try {
      return new ImageInput(
          init.flattened(),
          mask == null ? null : mask.maskGrey(),
          new ImageSettings(strength, resize, maskBlur, content, null));
    } catch (EngineException | RecipeException e) {
      throw ApiException.bad(e.getMessage());
    }
  }

  /** A base64 image (a data: URL's too), decoded with the same checks as an image file. */
  private static ImageFiles.Picture picture(String base64, String what) {
    String b = base64.strip();
    if (b.startsWith("data:")) {
      int comma = b.indexOf(',');
      b = comma < 0 ? "" : b.substring(comma + 1);
    }
    byte[] bytes;
    try {
      bytes = Base64.getMimeDecoder().decode(b);
    } catch (IllegalArgumentException e) {
      throw ApiException.bad("The " + what + " is not base64 text.");
    }
    Path tmp = null;
    try {
      tmp = Files.createTempFile("stepwise-serve-", ".img");
      Files.write(tmp, bytes);
      return ImageFiles.read(tmp, what);
    } catch (EngineException e) {
      throw ApiException.bad(e.getMessage().replace(tmp.toString(), "from the request"));
    } catch (IOException e) {
      throw new ApiException(500, "The " + what + " could not be kept for reading.");
    } finally {
      if (tmp != null) {
        try {
          Files.deleteIfExists(tmp);
        } catch (IOException e) {
          // a temporary file left behind is removed with the temporary folder
        }
      }
    }
  }

  private static JsonPrimitive primitive(JsonObject o, String key) {
    JsonElement e = o.get(key);
    if (e == null || e.isJsonNull()) {
      return null;
    }
    if (!e.isJsonPrimitive()) {
      throw ApiException.bad(key + " must be a single value, not an object or a list.");
    }
    return e.getAsJsonPrimitive();
  }

  static String str(JsonObject o, String key, String def) {
    JsonPrimitive p = primitive(o, key);
    if (p == null) {
      return def;
    }
    if (!p.isString()) {
      throw ApiException.bad(key + " must be text.");
    }
    return p.getAsString();
  }

  private static String text(JsonObject o, String key) {
    String s = str(o, key, "");
    if (s.indexOf('\0') >= 0) {
      throw ApiException.bad(key + " contains a NUL character, which a prompt cannot hold.");
    }
    if (s.length() > MAX_TEXT_CHARS) {
      throw ApiException.bad(
          key
              + " is "
              + s.length()
              + " characters long; at most "
              + MAX_TEXT_CHARS
              + " are taken.");
    }
    return s;
  }

  private static boolean bool(JsonObject o, String key, boolean def) {
    JsonPrimitive p = primitive(o, key);
    if (p == null) {
      return def;
    }
    if (!p.isBoolean()) {
      throw ApiException.bad(key + " must be true or false.");
    }
    return p.getAsBoolean();
  }

  private static double number(JsonObject o, String key, double def) {
    JsonPrimitive p = primitive(o, key);
    if (p == null) {
      return def;
    }
    if (!p.isNumber()) {
      throw ApiException.bad(key + " must be a number.");
    }
    double d = p.getAsDouble();
    if (!Double.isFinite(d)) {
      throw ApiException.bad(key + " must be a finite number.");
    }
    return d;
  }

  private static long whole(JsonObject o, String key, long def) {
    JsonPrimitive p = primitive(o, key);
    if (p == null) {
      return def;
    }
    if (!p.isNumber()) {
      throw ApiException.bad(key + " must be a whole number.");
    }
    try {
      return p.getAsBigDecimal().longValueExact();
    } catch (ArithmeticException e) {
      throw ApiException.bad(key + " must be a whole number of at most 64 bits.");
    }
  }

  private static int integer(JsonObject o, String key, int def, int min, int max) {
    long v = whole(o, key, def);
    if (v < min || v > max) {
      throw ApiException.bad(
          key + " " + v + " is not allowed; use " + min + " to " + max + " on this server.");
    }
    return (int) v;
  }

  /** A width or height: 0 for the model's own, else a multiple of 8 up to the limit. */
  private int side(JsonObject o, String key) {
    long v = whole(o, key, 0);
    int step = ServeConfig.Limits.SIDE_STEP;
    if (v != 0 && (v < step || v > limits.maxSide() || v % step != 0)) {
      throw ApiException.bad(
          key
              + " "
              + v
              + " is not allowed; use a multiple of "
              + step
              + " from "
              + step
              + " to "
              + limits.maxSide()
              + " (or 0 for the model's own size).");
    }
    return (int) v;
  }

  /** A seed; -1 (A1111's "random") draws one in 0..2^32-1, as the CLI does. */
  private long seed(JsonObject o, String key) {
    long s = whole(o, key, -1);
    return s == -1 ? random.nextLong() & 0xFFFFFFFFL : s;
  }
}
