package dev.stepwise.engine.backend;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.stepwise.engine.GenerationRequest;
import dev.stepwise.engine.sampling.StrengthSchedule;
import dev.stepwise.recipe.HiresSettings;
import dev.stepwise.recipe.HiresUpscaler;
import dev.stepwise.recipe.MaskedContent;
import dev.stepwise.recipe.Sampler;
import dev.stepwise.recipe.Settings;
import dev.stepwise.recipe.SizeConditioning;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * ComfyUI's API-format workflow (the {@code prompt} of {@code POST /prompt}: node id to {@code
 * {class_type, inputs}}, a link being {@code [node id, output index]}) for one image of a request,
 * Stepwise's sampler names as ComfyUI's KSampler spells them, and what a ComfyUI backend refuses
 * before anything is sent. Node types and input names as ComfyUI's nodes.py defines them.
 */
final class ComfyPrompt {
  /** The node ids of the graph; the sampler's is the one whose progress is the steps. */
  static final String CHECKPOINT = "1";

  static final String CLIP_SKIP = "2";
  static final String POSITIVE = "3";
  static final String NEGATIVE = "4";
  static final String LATENT = "5";
  static final String SAMPLER = "6";
  static final String DECODE = "7";
  static final String LOAD_IMAGE = "8";
  static final String SAVE = "9";
  static final String NOISE_MASK = "10";
  static final String HIRES_DECODE = "11";
  static final String HIRES_SCALE = "12";
  static final String HIRES_LATENT = "13";

  /** The hires fix's second KSampler: its steps follow the first's. */
  static final String HIRES_SAMPLER = "14";

  /** The size sent when the request leaves it to the model: ComfyUI does not say a model's. */
  static final int DEFAULT_SIDE = 512;

  private ComfyPrompt() {}

  /**
   * ComfyUI's KSampler name of {@code s} (comfy/samplers.py KSAMPLER_NAMES and SAMPLER_NAMES), or
   * null for a sampler ComfyUI has no match for.
   */
  static String samplerName(Sampler s) {
    return switch (s) {
      case DDPM -> "ddpm";
      case DDIM -> "ddim";
      case EULER -> "euler";
      case EULER_A -> "euler_ancestral";
      case DPMPP_2M -> "dpmpp_2m";
    };
  }

  /**
   * ComfyUI's scheduler for {@code s} (comfy/samplers.py SCHEDULER_NAMES): "karras" for Karras
   * sigmas on a sampler that takes them, "ddim_uniform" for DDIM, else "normal".
   */
  static String schedulerName(Settings s) {
    if (s.karras() && s.sampler().takesKarras()) {
      return "karras";
    }
    return s.sampler() == Sampler.DDIM ? "ddim_uniform" : "normal";
  }

  /**
   * What a ComfyUI server is not sent, as one sentence, or null when {@code r} can go: checked
   * before any request.
   */
  static String refusal(GenerationRequest r, String backend) {
    Settings s = r.settings();
    String what = null;
    HiresSettings h = r.hires();
    if (r.input() != null
        && r.input().masked()
        && r.input().settings().maskedContent() == MaskedContent.NOISE) {
      what =
          "the masked content noise (ComfyUI cannot put the seed's noise in the masked latents;"
              + " keep and fill run there)";
    } else if (h != null && r.input() != null) {
      what = "the hires fix on a run from a picture";
    } else if (h != null
        && h.upscaler() == HiresUpscaler.LATENT_NEAREST
        && h.scale() != Math.rint(h.scale())) {
      what =
          "the hires upscaler latent-nearest at a scale of "
              + h.scale()
              + " (ComfyUI's nearest-exact picks other pixels unless the scale is whole; latent"
              + " and lanczos run there)";
    } else if (r.vae() != null) {
      what = "a separate VAE file";
    } else if (r.prediction() != null) {
      what = "a prediction override";
    } else if (s.variationStrength() > 0) {
      what = "a variation seed";
    } else if (s.sampler() == Sampler.DDIM && s.eta() > 0) {
      what = "DDIM with eta above 0 (ComfyUI's ddim has no eta)";
    } else if (hasLora(s.prompt()) || hasLora(s.negativePrompt())) {
      what = "<lora:...> tags in the prompt";
    } else if (!r.sizes().equals(SizeConditioning.DEFAULT)) {
      what = "SDXL's original size, crop and target size";
    } else if (r.spacing() != null) {
      what = "a timestep spacing";
    } else if (s.seed() < 0 || s.seedOf(r.batch() - 1) < 0) {
      what = "a negative seed (ComfyUI's seeds are 0 or more)";
    }
    if (what == null) {
      return null;
    }
    return "The ComfyUI backend "
        + backend
        + " cannot run "
        + what
        + "; that runs on the local engine (leave out --backend).";
  }

  private static boolean hasLora(String text) {
    String t = text.toLowerCase(Locale.ROOT);
    return t.contains("<lora:") || t.contains("<lyco:");
  }

  /**
   * The graph for image {@code seed} of {@code r} at {@code width x height}.
   *
   * @param checkpoint the checkpoint as the server lists it ({@code ckpt_name})
   * @param uploaded the init image's name on the server ({@code LoadImage}), or null for text to
   *     image; for a run with a mask or borders its alpha is the mask ({@link ComfyPicture}), set
   *     on the encoded latents with {@code SetLatentNoiseMask}
   */
  static JsonObject graph(
      GenerationRequest r, String checkpoint, long seed, int width, int height, String uploaded) {
    Settings s = r.settings();
    JsonObject g = new JsonObject();
    node(g, CHECKPOINT, "CheckpointLoaderSimple").addProperty("ckpt_name", checkpoint);
    JsonArray clip = link(CHECKPOINT, 1);
    if (s.clipSkip() > 1) { // A1111's clip skip n is ComfyUI's stop_at_clip_layer -n
      JsonObject in = node(g, CLIP_SKIP, "CLIPSetLastLayer");
      in.add("clip", clip);
      in.addProperty("stop_at_clip_layer", -s.clipSkip());
      clip = link(CLIP_SKIP, 0);
    }
    JsonObject pos = node(g, POSITIVE, "CLIPTextEncode");
    pos.addProperty("text", s.prompt());
    pos.add("clip", clip);
    JsonObject neg = node(g, NEGATIVE, "CLIPTextEncode");
    neg.addProperty("text", s.negativePrompt());
    neg.add("clip", clip);
    String start = LATENT;
    if (uploaded == null) {
      JsonObject latent = node(g, LATENT, "EmptyLatentImage");
      latent.addProperty("width", width);
      latent.addProperty("height", height);
      latent.addProperty("batch_size", 1);
    } else {
      node(g, LOAD_IMAGE, "LoadImage").addProperty("image", uploaded);
      JsonObject enc = node(g, LATENT, "VAEEncode");
      enc.add("pixels", link(LOAD_IMAGE, 0));
      enc.add("vae", link(CHECKPOINT, 2));
      if (r.input().masked()) { // LoadImage's MASK is 1 - alpha
        JsonObject m = node(g, NOISE_MASK, "SetLatentNoiseMask");
        m.add("samples", link(LATENT, 0));
        m.add("mask", link(LOAD_IMAGE, 1));
        start = NOISE_MASK;
      }
    }
    if (uploaded == null) {
      sampler(g, SAMPLER, r, seed, s.steps(), 1.0, start);
    } else {
      pictureSampler(g, r, seed, start);
    }
    String last = SAMPLER;
    HiresSettings h = r.hires();
    if (h != null && uploaded == null) {
      int[] big = hiresSize(width, height, h);
      if (h.upscaler().inLatentSpace()) { // torch interpolate on the latents, as A1111's Latent
        JsonObject up = node(g, HIRES_LATENT, "LatentUpscale");
        up.add("samples", link(SAMPLER, 0));
        up.addProperty(
            "upscale_method", h.upscaler() == HiresUpscaler.LATENT ? "bilinear" : "nearest-exact");
        up.addProperty("width", big[0]);
        up.addProperty("height", big[1]);
        up.addProperty("crop", "disabled");
      } else { // decode, Pillow's Lanczos on the 8-bit picture, encode
        JsonObject d = node(g, HIRES_DECODE, "VAEDecode");
        d.add("samples", link(SAMPLER, 0));
        d.add("vae", link(CHECKPOINT, 2));
        JsonObject sc = node(g, HIRES_SCALE, "ImageScale");
        sc.add("image", link(HIRES_DECODE, 0));
        sc.addProperty("upscale_method", "lanczos");
        sc.addProperty("width", big[0]);
        sc.addProperty("height", big[1]);
        sc.addProperty("crop", "disabled");
        JsonObject e = node(g, HIRES_LATENT, "VAEEncode");
        e.add("pixels", link(HIRES_SCALE, 0));
        e.add("vae", link(CHECKPOINT, 2));
      }
      sampler(g, HIRES_SAMPLER, r, seed, h.stepsAfter(s.steps()), h.strength(), HIRES_LATENT);
      last = HIRES_SAMPLER;
    }
    JsonObject dec = node(g, DECODE, "VAEDecode");
    dec.add("samples", link(last, 0));
    dec.add("vae", link(CHECKPOINT, 2));
    JsonObject save = node(g, SAVE, "SaveImage");
    save.add("images", link(DECODE, 0));
    save.addProperty("filename_prefix", "stepwise");
    return g;
  }

  /**
   * A KSampler {@code id} sampling {@code latent}'s output: {@code denoise} below 1 runs {@code
   * steps} steps of a schedule {@code int(steps / denoise)} long (comfy/samplers.py set_steps), as
   * A1111's hires pass and the local engine's ({@link StrengthSchedule#hires}) count them: {@code
   * int(steps / min(s, 0.999))} is the same number for any {@code steps} below 999.
   */
  private static void sampler(
      JsonObject g,
      String id,
      GenerationRequest r,
      long seed,
      int steps,
      double denoise,
      String latent) {
    Settings s = r.settings();
    JsonObject k = node(g, id, "KSampler");
    k.add("model", link(CHECKPOINT, 0));
    k.addProperty("seed", seed);
    k.addProperty("steps", steps);
    k.addProperty("cfg", s.guidance());
    k.addProperty("sampler_name", samplerName(s.sampler()));
    k.addProperty("scheduler", schedulerName(s));
    k.add("positive", link(POSITIVE, 0));
    k.add("negative", link(NEGATIVE, 0));
    k.add("latent_image", link(latent, 0));
    k.addProperty("denoise", denoise);
  }

  /**
   * The sampler of a run from a picture: a KSamplerAdvanced over the recipe's N steps from the
   * local engine's first step ({@link StrengthSchedule#img2img}, start_at_step), so the same steps
   * of the same schedule run (a KSampler's denoise would run all N over a longer schedule). Noise
   * is added at that step's level and the result fully denoised, as KSampler does (nodes.py
   * KSamplerAdvanced; comfy/samplers.py slices the sigmas from start_at_step).
   */
  private static void pictureSampler(JsonObject g, GenerationRequest r, long seed, String latent) {
    Settings s = r.settings();
    StrengthSchedule plan = picturePlan(r);
    JsonObject k = node(g, SAMPLER, "KSamplerAdvanced");
    k.add("model", link(CHECKPOINT, 0));
    k.addProperty("add_noise", "enable");
    k.addProperty("noise_seed", seed);
    k.addProperty("steps", plan.scheduleSteps());
    k.addProperty("cfg", s.guidance());
    k.addProperty("sampler_name", samplerName(s.sampler()));
    k.addProperty("scheduler", schedulerName(s));
    k.add("positive", link(POSITIVE, 0));
    k.add("negative", link(NEGATIVE, 0));
    k.add("latent_image", link(latent, 0));
    k.addProperty("start_at_step", plan.start());
    k.addProperty("end_at_step", 10000);
    k.addProperty("return_with_leftover_noise", "disable");
  }

  /** The part of the schedule a run from a picture samples, as the local engine's PictureStart. */
  static StrengthSchedule picturePlan(GenerationRequest r) {
    Settings s = r.settings();
    return StrengthSchedule.img2img(s.sampler(), s.steps(), r.input().settings().strength());
  }

  /**
   * The hires fix's second-pass size for a first pass of {@code w x h}, as the local engine's
   * HiresFix.size: {@code int(side * scale)} rounded down to a multiple of 8, at least 8. Sent as a
   * size rather than a factor: LatentUpscaleBy and ImageScaleBy round {@code side * scale} to the
   * nearest, which can land on another multiple of 8.
   */
  static int[] hiresSize(int w, int h, HiresSettings hires) {
    int bw = (int) (w * hires.scale());
    int bh = (int) (h * hires.scale());
    return new int[] {Math.max(8, bw - bw % 8), Math.max(8, bh - bh % 8)};
  }

  /** The steps one image reports: the first pass's, then the hires fix's when it runs any. */
  static int imageSteps(GenerationRequest r) {
    int first = firstSteps(r);
    HiresSettings h = r.hires();
    return h == null || r.input() != null || h.strength() == 0
        ? first
        : first + h.stepsAfter(r.settings().steps());
  }

  /**
   * The steps the first sampler runs: all for text to image, the strength's part from a picture.
   */
  static int firstSteps(GenerationRequest r) {
    return r.input() == null ? r.settings().steps() : picturePlan(r).steps();
  }

  private static JsonObject node(JsonObject graph, String id, String type) {
    JsonObject n = new JsonObject();
    n.addProperty("class_type", type);
    JsonObject inputs = new JsonObject();
    n.add("inputs", inputs);
    graph.add(id, n);
    return inputs;
  }

  private static JsonArray link(String node, int output) {
    JsonArray a = new JsonArray();
    a.add(node);
    a.add(output);
    return a;
  }

  /**
   * The choices of input {@code input} of node {@code type} in a {@code GET /object_info/<type>}
   * answer: {@code input.required.<input>} is {@code [[choice, ...], {options}]}, or in newer
   * servers {@code ["COMBO", {"options": [choice, ...]}]}. Empty when the answer has none.
   */
  static List<String> choices(JsonElement info, String type, String input) {
    List<String> out = new ArrayList<>();
    JsonElement spec = null;
    try {
      spec =
          info.getAsJsonObject()
              .getAsJsonObject(type)
              .getAsJsonObject("input")
              .getAsJsonObject("required")
              .get(input);
    } catch (RuntimeException e) {
      return out; // not the shape ComfyUI answers with
    }
    if (spec == null || !spec.isJsonArray() || spec.getAsJsonArray().isEmpty()) {
      return out;
    }
    JsonArray a = spec.getAsJsonArray();
    JsonElement list = a.get(0);
    if (!list.isJsonArray() && a.size() > 1 && a.get(1).isJsonObject()) {
      list = a.get(1).getAsJsonObject().get("options");
    }
    if (list != null && list.isJsonArray()) {
      for (JsonElement e : list.getAsJsonArray()) {
        if (e.isJsonPrimitive()) {
          out.add(e.getAsString());
        }
      }
    }
    return out;
  }

  /** A checkpoint as ComfyUI lists it ("sd/v1-5.safetensors") as a recipe names it ("v1-5"). */
  static String modelName(String checkpoint) {
    return checkpoint
        .replaceFirst("^.*[/\\\\]", "")
        .replaceFirst("(?i)\\.(safetensors|ckpt|pt|pth|bin|sft)$", "");
  }

  /**
   * The listed checkpoint {@code wanted} names (the file name, with or without its folder and
   * suffix), or null.
   */
  static String checkpoint(List<String> listed, String wanted) {
    for (String c : listed) {
      if (c.equals(wanted)) {
        return c;
      }
    }
    String name = modelName(wanted);
    for (String c : listed) {
      if (modelName(c).equalsIgnoreCase(name)) {
        return c;
      }
    }
    return null;
  }
}
