package dev.stepwise.engine.pack;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.stepwise.engine.ModelPackException;
import dev.stepwise.engine.weights.StrictJson;

/**
 * The optional {@code preview/latent_rgb.json} of a model pack: a linear map from latent channels
 * to a rough RGB image, for cheap live previews without running the VAE.
 *
 * <p>Format: {@code {"factors": [[r, g, b], ...one row per latent channel...], "bias": [r, g, b]}}
 * ({@code bias} optional, zeros when absent). It applies to SCALED latents (the sampler's working
 * latents, i.e. VAE latents times {@code scaling_factor}); per pixel {@code rgb[k] = bias[k] +
 * sum_c latent[c] * factors[c][k]}, giving values in [-1, 1] (clamp, then map to [0, 255]).
 *
 * @param factors one [r, g, b] row per latent channel
 * @param bias the [r, g, b] offset
 */
record LatentRgbFactors(float[][] factors, float[] bias) {
  static final String FILE = "preview/latent_rgb.json";
  static final int MAX_CHANNELS = 64;

  /** Validates {@code json}; {@code channels} is the VAE's latent_channels, or -1 if unknown. */
  static LatentRgbFactors parse(JsonObject json, int channels, String pack) {
    String where = pack + ": " + FILE;
    JsonElement f = json.get("factors");
    if (f == null || !f.isJsonArray() || f.getAsJsonArray().isEmpty()) {
      throw new ModelPackException(
          where
              + " needs \"factors\": a non-empty array of [r, g, b] rows, one per latent channel.");
    }
    JsonArray rows = f.getAsJsonArray();
    if (rows.size() > MAX_CHANNELS || (channels > 0 && rows.size() != channels)) {
      throw new ModelPackException(
          where
              + " has "
              + rows.size()
              + " factor rows; it needs one per latent channel ("
              + (channels > 0 ? channels : "at most " + MAX_CHANNELS)
              + ").");
    }
    float[][] factors = new float[rows.size()][];
    for (int i = 0; i < factors.length; i++) {
      factors[i] = rgb(rows.get(i), where, "factors[" + i + "]");
    }
    JsonElement b = json.get("bias");
    float[] bias = b == null || b.isJsonNull() ? new float[3] : rgb(b, where, "bias");
    return new LatentRgbFactors(factors, bias);
  }

  private static float[] rgb(JsonElement e, String where, String what) {
    if (e == null || !e.isJsonArray() || e.getAsJsonArray().size() != 3) {
      throw new ModelPackException(
          where
              + ": "
              + what
              + " must be an array of three numbers [r, g, b], not "
              + (e == null ? "nothing" : StrictJson.kind(e))
              + ".");
    }
    float[] out = new float[3];
    for (int k = 0; k < 3; k++) {
      JsonElement v = e.getAsJsonArray().get(k);
      if (!v.isJsonPrimitive() || !v.getAsJsonPrimitive().isNumber()) {
        throw new ModelPackException(where + ": " + what + "[" + k + "] must be a number.");
      }
      out[k] = v.getAsFloat();
      if (!Float.isFinite(out[k])) {
        throw new ModelPackException(
            where + ": " + what + "[" + k + "] is " + v + "; it must be a finite float.");
      }
    }
    return out;
  }
}
