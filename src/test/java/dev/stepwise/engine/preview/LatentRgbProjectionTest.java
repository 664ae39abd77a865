package dev.stepwise.engine.preview;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.stepwise.engine.RgbImage;
import dev.stepwise.engine.sampling.Latents;
import org.junit.jupiter.api.Test;

class LatentRgbProjectionTest {

  /**
   * Closed-form oracle: an "encoder" whose latents are a known linear function of each f x f
   * block's mean colour, latent = M rgb + c (M: 4x3, full column rank). Least squares must return
   * the exact left inverse map, so projecting the latents gives the block colours back.
   */
  @Test
  void fitRecoversAnExactlyLinearEncoder() {
    float[][] m = {
      {0.5f, -0.2f, 0.1f}, {0.1f, 0.8f, -0.3f}, {-0.4f, 0.2f, 0.9f}, {0.3f, 0.3f, 0.3f}
    };
    float[] c = {0.1f, -0.2f, 0.05f, 0.3f};
    int f = 4;
    LatentRgbProjection.Encoder encoder =
        (pixels, batch, height, width) -> {
          int h = height / f;
          int w = width / f;
          float[] out = new float[batch * 4 * h * w];
          for (int n = 0; n < batch; n++) {
            for (int y = 0; y < h; y++) {
              for (int x = 0; x < w; x++) {
                double[] rgb = SyntheticImages.averageBlock(pixels, n, width, x, y, f);
                for (int ch = 0; ch < 4; ch++) {
                  out[((n * 4 + ch) * h + y) * w + x] =
                      (float) (m[ch][0] * rgb[0] + m[ch][1] * rgb[1] + m[ch][2] * rgb[2] + c[ch]);
                }
              }
            }
          }
          return out;
        };
    LatentRgbProjection p = LatentRgbProjection.fit(encoder, f);
    // A latent pixel made from a known colour must project back to that colour.
    float[] colour = {0.6f, -0.4f, 0.2f};
    float[] lat = new float[4];
    for (int ch = 0; ch < 4; ch++) {
      lat[ch] = m[ch][0] * colour[0] + m[ch][1] * colour[1] + m[ch][2] * colour[2] + c[ch];
    }
    RgbImage img = p.project(new Latents(lat, 1, 4, 1, 1), 0);
    for (int k = 0; k < 3; k++) {
      int want = Math.round((colour[k] * 0.5f + 0.5f) * 255f);
      assertEquals(want, img.rgb()[k] & 0xff, 1, "channel " + k);
    }
  }

  @Test
  void projectionFollowsTheDocumentedFormula() {
    LatentRgbProjection p =
        LatentRgbProjection.fromPack(
            new float[][] {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}, {0.5f, 0.5f, 0.5f}},
            new float[] {0, 0, -0.5f});
    RgbImage img = p.project(new Latents(new float[] {0.2f, -1.5f, 0.4f, 0.2f}, 1, 4, 1, 1), 0);
    // r = 0.2 + 0.1 = 0.3 -> 166; g = -1.5 + 0.1 -> clamped to 0; b = 0.4 + 0.1 - 0.5 = 0 -> 128
    assertEquals(166, img.rgb()[0] & 0xff);
    assertEquals(0, img.rgb()[1] & 0xff);
    assertEquals(128, img.rgb()[2] & 0xff);
    assertEquals(
        p.toJson().toString(), LatentRgbProjection.fromJson(p.toJson()).toJson().toString());
  }
}
