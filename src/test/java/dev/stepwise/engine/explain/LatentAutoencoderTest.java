package dev.stepwise.engine.explain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stepwise.engine.EngineException;
import dev.stepwise.engine.RgbImage;
import dev.stepwise.engine.sampling.Latents;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The tiny SD pack's autoencoder through RGB images. Its vae/config.json has three blocks, so f = 4
 * (not 8), and unet sample_size 8 makes 32x32 its native image; a 64x64 image gives 16x16 latents.
 */
class LatentAutoencoderTest {
  static final Path TINY = Path.of("src/test/resources/packs/tiny-sd");

  static RgbImage gradient(int w, int h) {
    byte[] rgb = new byte[w * h * 3];
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        int i = (y * w + x) * 3;
        rgb[i] = (byte) (255 * x / (w - 1));
        rgb[i + 1] = (byte) (255 * y / (h - 1));
        rgb[i + 2] = (byte) 128;
      }
    }
    return new RgbImage(w, h, rgb);
  }

  @Test
  void encodesNoisesAndDecodesAtTheRightSizes() {
    try (LatentAutoencoder ae = LatentAutoencoder.open(TINY)) {
      assertEquals(4, ae.factor());
      assertEquals(32, ae.imageSize());
      Latents z = ae.encode(gradient(64, 64));
      assertEquals(4, z.channels());
      assertEquals(16, z.height());
      assertEquals(16, z.width());
      RgbImage back = ae.decode(z);
      assertEquals(64, back.width());
      assertEquals(64, back.height());
      RgbImage view = ae.visualise(z);
      assertEquals(16, view.width());
      float[] eps = ForwardProcess.noise(1, z.size());
      Latents noisy = z.withData(ForwardProcess.noised(z.data(), eps, 0.1));
      RgbImage noisyBack = ae.decode(noisy);
      assertTrue(!java.util.Arrays.equals(back.rgb(), noisyBack.rgb()), "noise changes the decode");
      assertEquals(1000, ae.schedule().size());
      EngineException e = assertThrows(EngineException.class, () -> ae.encode(gradient(62, 64)));
      assertTrue(e.getMessage().contains("multiples of 4"), e.getMessage());
    }
  }
}
