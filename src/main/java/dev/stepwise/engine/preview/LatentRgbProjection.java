package dev.stepwise.engine.preview;

import com.google.gson.Gson;
import com.google.gson.JsonObject;
import dev.stepwise.Stepwise;
import dev.stepwise.engine.RgbImage;
import dev.stepwise.engine.sampling.Latents;
import dev.stepwise.files.AtomicWrite;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cheap live preview: a linear map from one latent pixel to one RGB pixel, rgb_k = sum_c
 * latent_c * factors[c][k] + bias[k], output in [-1, 1], applied to scaled latents (the sampler's
 * units). The same idea as AUTOMATIC1111's "Approx cheap" and ComfyUI's latent2rgb; Stepwise fits
 * its own factors by least squares for each autoencoder.
 *
 * <p>A pack carries its factors in {@code preview/latent_rgb.json}: {@code {"factors": [[r, g, b],
 * ...one row per latent channel], "bias": [r, g, b]}}. For a pack without that file the factors are
 * fitted once on synthetic images through the pack's own encoder and cached under the Stepwise
 * cache folder.
 */
public final class LatentRgbProjection {
  private static final Logger LOG = LoggerFactory.getLogger(LatentRgbProjection.class);

  /** Encodes images [B, 3, H, W] in [-1, 1] to scaled latents [B, C, H/f, W/f]. */
  @FunctionalInterface
  public interface Encoder {
    float[] encode(float[] pixels, int batch, int height, int width);
  }

  private final float[][] factors; // [C][3]
  private final float[] bias; // [3]

  private LatentRgbProjection(float[][] factors, float[] bias) {
    this.factors = factors;
    this.bias = bias;
  }

  /** Factors as a pack carries them; {@code bias} may be null (zero). */
  public static LatentRgbProjection fromPack(float[][] factors, float[] bias) {
    if (factors.length == 0) {
      throw new IllegalArgumentException("latent_rgb factors need one row per latent channel.");
    }
    for (float[] row : factors) {
      if (row.length != 3) {
        throw new IllegalArgumentException("Each latent_rgb factor row needs 3 values (r, g, b).");
      }
    }
    return new LatentRgbProjection(factors, bias == null ? new float[3] : bias.clone());
  }

  public int channels() {
    return factors.length;
  }

  public float[][] factors() {
    float[][] copy = new float[factors.length][];
    for (int i = 0; i < factors.length; i++) {
      copy[i] = factors[i].clone();
    }
    return copy;
  }

  public float[] bias() {
    return bias.clone();
  }

  /** Projects image {@code index} of {@code latents} to an RGB image at latent resolution. */
  public RgbImage project(Latents latents, int index) {
    int c = latents.channels();
    int h = latents.height();
    int w = latents.width();
    if (c != factors.length) {
      throw new IllegalArgumentException(
          "The preview factors are for "
              + factors.length
              + " latent channels, but the latents have "
              + c
              + ".");
    }
    float[] data = latents.data();
    int plane = h * w;
    int base = index * c * plane;
    byte[] rgb = new byte[plane * 3];
    for (int p = 0; p < plane; p++) {
      float r = bias[0];
      float g = bias[1];
      float b = bias[2];
      for (int ch = 0; ch < c; ch++) {
        float v = data[base + ch * plane + p];
        r += v * factors[ch][0];
        g += v * factors[ch][1];
        b += v * factors[ch][2];
      }
      rgb[p * 3] = toByte(r);
      rgb[p * 3 + 1] = toByte(g);
      rgb[p * 3 + 2] = toByte(b);
    }
    return new RgbImage(w, h, rgb);
  }

  /** [-1, 1] to 0..255, as diffusers' postprocess: clamp(x/2 + 0.5, 0, 1) * 255, rounded. */
  static byte toByte(float v) {
    float u = v * 0.5f + 0.5f;
    u = u < 0 ? 0 : (u > 1 ? 1 : u);
    return (byte) Math.round(u * 255f);
  }

  /**
   * Fits the factors by least squares: synthetic images (smooth colour fields) are encoded, and the
   * latent pixels are regressed onto the f x f average of the image pixels they cover.
   */
  public static LatentRgbProjection fit(Encoder encoder, int factor) {
    int images = 6;
    int side = 8 * factor; // pixels; 8x8 latent pixels per image
    float[] pixels = SyntheticImages.colourFields(images, side, new SplittableRandom(20261127L));
    float[] latents = encoder.encode(pixels, images, side, side); // [N, C, 8, 8]
    int plane = 8 * 8;
    int c = latents.length / (images * plane);
    // Normal equations A^T A x = A^T y with A = [latent_0..latent_{C-1}, 1] per latent pixel.
    int k = c + 1;
    double[][] ata = new double[k][k];
    double[][] aty = new double[k][3];
    double[] row = new double[k];
    for (int n = 0; n < images; n++) {
      for (int ly = 0; ly < 8; ly++) {
        for (int lx = 0; lx < 8; lx++) {
          int p = ly * 8 + lx;
          for (int ch = 0; ch < c; ch++) {
            row[ch] = latents[(n * c + ch) * plane + p];
          }
          row[c] = 1;
          double[] target = SyntheticImages.averageBlock(pixels, n, side, lx, ly, factor);
          for (int i = 0; i < k; i++) {
            for (int j = 0; j < k; j++) {
              ata[i][j] += row[i] * row[j];
            }
            for (int o = 0; o < 3; o++) {
              aty[i][o] += row[i] * target[o];
            }
          }
        }
      }
    }
    for (int i = 0; i < k; i++) {
      ata[i][i] += 1e-6; // ridge, keeps a degenerate fit solvable
    }
    double[][] x = LeastSquares.solve(ata, aty); // [k][3]
    float[][] f = new float[c][3];
    float[] b = new float[3];
    for (int o = 0; o < 3; o++) {
      for (int ch = 0; ch < c; ch++) {
        f[ch][o] = (float) x[ch][o];
      }
      b[o] = (float) x[c][o];
    }
    return new LatentRgbProjection(f, b);
  }

  /** {@link #fit} once per autoencoder, cached in the Stepwise cache folder under {@code key}. */
  public static LatentRgbProjection fitCached(String key, Encoder encoder, int factor) {
    Path file =
        Stepwise.cacheDir()
            .resolve("preview")
            .resolve(key.replaceAll("[^A-Za-z0-9_-]", "_") + ".json");
    try {
      if (Files.isRegularFile(file) && Files.size(file) < 65536) {
        JsonObject o =
            new Gson().fromJson(Files.readString(file, StandardCharsets.UTF_8), JsonObject.class);
        return fromJson(o);
      }
    } catch (IOException | RuntimeException e) {
      LOG.warn("ignoring unreadable preview cache {}", file, e);
    }
    LatentRgbProjection p = fit(encoder, factor);
    try {
      Files.createDirectories(file.getParent());
      AtomicWrite.writeString(file, p.toJson().toString());
    } catch (IOException e) {
      LOG.warn("could not cache preview factors in {}", file, e);
    }
    return p;
  }

  /** The {@code preview/latent_rgb.json} form. */
  public JsonObject toJson() {
    Gson gson = new Gson();
    JsonObject o = new JsonObject();
    o.add("factors", gson.toJsonTree(factors));
    o.add("bias", gson.toJsonTree(bias));
    return o;
  }

  /** Parses the {@code preview/latent_rgb.json} form. */
  public static LatentRgbProjection fromJson(JsonObject o) {
    Gson gson = new Gson();
    float[][] f = gson.fromJson(o.get("factors"), float[][].class);
    float[] b = o.has("bias") ? gson.fromJson(o.get("bias"), float[].class) : null;
    if (f == null || (b != null && b.length != 3)) {
      throw new IllegalArgumentException(
          "latent_rgb.json needs \"factors\" rows of 3 and a \"bias\" of 3.");
    }
    return fromPack(f, b);
  }
}
