package dev.stepwise.engine.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import dev.stepwise.engine.sampling.Latents;
import dev.stepwise.engine.vae.VaeConfig;
import org.junit.jupiter.api.Test;

/** The preview benchmark's pieces at toy sizes: shapes, configs and sane timings, not speed. */
class PreviewBenchmarkTest {
  @Test
  void medianOfOddAndEvenCounts() {
    assertEquals(2, Timing.median(new double[] {3, 1, 2}));
    assertEquals(2.5, Timing.median(new double[] {4, 1, 3, 2}));
    assertTrue(Double.isNaN(Timing.median(new double[0])));
  }

  @Test
  void fixedExcludesWarmupsAndCalibratedAveragesShortCalls() {
    int[] calls = {0};
    Timing.Figure f = Timing.fixed(() -> calls[0]++, 1, 2);
    assertEquals(3, calls[0]);
    assertEquals(2, f.samples());
    assertEquals(1, f.warmups());
    Timing.Figure c = Timing.calibrated(() -> Math.sqrt(calls[0]++), 3, 1);
    assertTrue(c.callsPerSample() > 1 && c.ms() >= 0 && Double.isFinite(c.ms()), c.toString());
    assertTrue(c.describe().startsWith("median of 3 x "), c.describe());
    assertTrue(c.min() <= c.ms() && c.ms() <= c.max(), c.toString());
  }

  @Test
  void poolingAveragesTwoByTwoAndKeepsOddEdges() {
    float[] v = {1, 2, 3, 4, 5, 6}; // [1, 1, 2, 3]
    Latents p = new Latents(v, 1, 1, 2, 3).pooled2x2();
    assertEquals(1, p.height());
    assertEquals(2, p.width());
    assertArrayEquals(new float[] {(1 + 2 + 4 + 5) / 4f, (3 + 6) / 2f}, p.data());
  }

  @Test
  void sd15VaeConfigIsRunwaymlsAutoencoder() {
    VaeConfig c = PreviewBenchmark.sd15VaeConfig();
    assertArrayEquals(new int[] {128, 256, 512, 512}, c.blockOutChannels());
    assertEquals(2, c.layersPerBlock());
    assertEquals(32, c.normNumGroups());
    assertEquals(4, c.latentChannels());
    assertEquals(8, c.downscale());
    assertEquals(0.18215, c.scalingFactor());
  }

  @Test
  void sd15PreviewFiguresAtAToySize() {
    PreviewBenchmark.TinyCosts tiny = PreviewBenchmark.sd15Tiny(Device.cpu(), 8, 1);
    assertEquals(1_222_531, tiny.parameters(), "TAESD's decoder");
    assertTrue(tiny.full().ms() > 0 && tiny.half().ms() > 0, tiny.toString());
    assertTrue(PreviewBenchmark.sd15Cheap(8, 1).ms() > 0);
    PreviewBenchmark.VaeCosts vae =
        PreviewBenchmark.vae(PreviewBenchmark.sd15VaeConfig(), Device.cpu(), 2, 0, 1);
    assertEquals(49_490_199, vae.decoderParameters(), "SD 1.5's decoder with post_quant_conv");
    assertTrue(vae.decode().ms() > 0, vae.toString());
    if (vae.rssBefore() > 0) {
      assertTrue(vae.rssPeak() >= vae.rssBefore(), vae.toString());
    }
  }
}
