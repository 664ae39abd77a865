package dev.stepwise.engine.backend;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.stepwise.engine.EngineException;
import dev.stepwise.engine.GenerationRequest;
import dev.stepwise.engine.ImageInput;
import dev.stepwise.engine.RgbImage;
import dev.stepwise.metadata.PngImage;
import dev.stepwise.recipe.HiresSettings;
import dev.stepwise.recipe.ImageSettings;
import dev.stepwise.recipe.PictureParameters;
import dev.stepwise.recipe.Settings;
import dev.stepwise.recipe.SizeConditioning;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A request as AUTOMATIC1111's API takes it (modules/api/models.py: the fields of
 * StableDiffusionProcessingTxt2Img and StableDiffusionProcessingImg2Img, read there, written here
 * in our own words): {@code /sdapi/v1/txt2img} with the hires fix's {@code enable_hr}, {@code
 * hr_scale}, {@code hr_upscaler}, {@code hr_second_pass_steps} and {@code denoising_strength}, or
 * {@code /sdapi/v1/img2img} with the init image and mask as base64 PNGs, {@code resize_mode},
 * {@code denoising_strength}, {@code mask_blur}, {@code inpainting_fill} and {@code
 * inpaint_full_res} false (Stepwise inpaints the whole picture; A1111's default is "only masked").
 */
final class A1111Body {
  private A1111Body() {}

  /** The path the request is posted to. */
  static String path(GenerationRequest r) {
    return r.input() != null ? "sdapi/v1/img2img" : "sdapi/v1/txt2img";
  }

  /**
   * What the server cannot be sent as one sentence, or null: a separate VAE file, outpainting
   * borders, the hires fix on a run from a picture (A1111's img2img has none).
   */
  static String refusal(GenerationRequest r) {
    if (r.vae() != null) {
      return "a separate VAE file";
    }
    if (r.input() != null && r.input().settings().outpaint() != null) {
      return "outpainting borders";
    }
    if (r.input() != null && r.hires() != null) {
      return "the hires fix on a run from a picture";
    }
    if (!r.sizes().equals(SizeConditioning.DEFAULT)) {
      return "SDXL's original size, crop and target size";
    }
    if (r.spacing() != null) {
      return "a timestep spacing";
    }
    return null;
  }

  /** The body for {@code request}, its sampler under the server's name {@code sampler}. */
  static JsonObject of(GenerationRequest request, String sampler) {
    Settings s = request.settings();
    JsonObject b = new JsonObject();
    b.addProperty("prompt", s.prompt());
    b.addProperty("negative_prompt", s.negativePrompt());
    b.addProperty("seed", s.seed());
    if (s.variationStrength() > 0) {
      b.addProperty("subseed", s.variationSeed());
      b.addProperty("subseed_strength", s.variationStrength());
    }
    b.addProperty("steps", s.steps());
    b.addProperty("cfg_scale", s.guidance());
    int[] size = size(request);
    if (size != null) {
      b.addProperty("width", size[0]);
      b.addProperty("height", size[1]);
    }
    b.addProperty("sampler_name", sampler);
    b.addProperty("scheduler", s.karras() ? "Karras" : "Automatic");
    b.addProperty("batch_size", 1);
    b.addProperty("n_iter", request.batch());
    if (s.eta() > 0) {
      b.addProperty("eta", s.eta());
    }
    HiresSettings h = request.hires();
    if (h != null && request.input() == null) {
      b.addProperty("enable_hr", true);
      b.addProperty("hr_scale", h.scale());
      b.addProperty("hr_upscaler", h.upscaler().a1111Name());
      b.addProperty("hr_second_pass_steps", h.steps());
      b.addProperty("denoising_strength", h.strength());
    }
    ImageInput in = request.input();
    if (in != null) {
      ImageSettings is = in.settings();
      JsonArray init = new JsonArray();
      init.add(png(in.image()));
      b.add("init_images", init);
      b.addProperty(
          "resize_mode",
          switch (is.resize()) {
            case STRETCH -> 0; // A1111's "Just resize"
            case FILL -> 1; // "Crop and resize"
            case FIT -> 2; // "Resize and fill"
          });
      b.addProperty("denoising_strength", is.strength());
      if (in.mask() != null) {
        b.addProperty("mask", png(in.mask()));
        b.addProperty("mask_blur", is.maskBlur());
        b.addProperty(
            "inpainting_fill",
            switch (is.maskedContent()) {
              case FILL -> 0; // A1111's "fill"
              case KEEP -> 1; // "original"
              case NOISE -> 2; // "latent noise"
            });
        b.addProperty("inpaint_full_res", false); // "Whole picture", as the local engine does
        b.addProperty("inpainting_mask_invert", 0);
      }
    }
    JsonObject override = new JsonObject();
    if (request.model() != null) {
      String file = request.model().getFileName().toString();
      override.addProperty("sd_model_checkpoint", file.replaceFirst("\\.(safetensors|ckpt)$", ""));
    }
    if (s.clipSkip() > 1) {
      override.addProperty("CLIP_stop_at_last_layers", s.clipSkip());
    }
    if (override.size() > 0) {
      b.add("override_settings", override);
    }
    b.addProperty("send_images", true);
    b.addProperty("save_images", false);
    return b;
  }

  /**
   * The size to send, or null for the server's own: the request's, or for a run from a picture
   * without one the init image's, rounded down to a multiple of 8 as the local engine does ({@code
   * Pipeline.resolve}); A1111 would otherwise make 512x512.
   */
  static int[] size(GenerationRequest r) {
    int w = r.settings().width();
    int h = r.settings().height();
    if (w > 0 && h > 0) {
      return new int[] {w, h};
    }
    if (r.input() == null) {
      return null;
    }
    int[] canvas = r.input().canvasSize();
    if (w == 0 && h == 0) {
      w = canvas[0];
      h = canvas[1];
    } else if (w == 0) {
      w = (int) ((long) h * canvas[0] / canvas[1]);
    } else {
      h = (int) ((long) w * canvas[1] / canvas[0]);
    }
    return new int[] {Math.max(8, w - w % 8), Math.max(8, h - h % 8)};
  }

  /**
   * What the run adds to each image's parameters beyond the settings, as the local engine adds
   * them: the img2img or hires keys ({@link PictureParameters}).
   */
  static Map<String, String> runParameters(GenerationRequest r) {
    Map<String, String> out = new LinkedHashMap<>();
    if (r.input() != null) {
      out.putAll(PictureParameters.of(r.input().settings(), r.input().masked()));
    } else if (r.hires() != null) {
      out.putAll(PictureParameters.of(r.hires()));
    }
    return out;
  }

  /** {@code image} as a base64 PNG without text chunks. */
  static String png(RgbImage image) {
    if (image == null) {
      throw new EngineException("A picture to send is missing.");
    }
    return Base64.getEncoder()
        .encodeToString(PngImage.encode(image.width(), image.height(), image.rgb(), Map.of()));
  }
}
