package dev.stepwise.engine.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

/** The bench's statistics on a fake clock (no real time is asserted) and its memory peaks. */
class TimingTest {
  private long now;
  private int calls;

  /** A call advancing the fake clock by 1 s on its first {@code cold} calls, then by {@code ms}. */
  private Runnable call(int cold, double... ms) {
    return () -> {
      now += (long) (1e6 * (calls < cold ? 1000 : ms[(calls - cold) % ms.length]));
      calls++;
    };
  }

  @Test
  void aFigureIsTheMedianWithMinAndMax() {
    Timing.Figure f = Timing.Figure.of(new double[] {5, 1, 4, 2, 3}, 1, 1);
    assertEquals(3, f.ms());
    assertEquals(1, f.min());
    assertEquals(5, f.max());
    assertEquals(2.5, Timing.Figure.of(new double[] {4, 1, 3, 2}, 1, 0).ms());
    assertEquals(
        "median of 3 images, min 250, max 254, 1 warm-up image excluded",
        Timing.Figure.of(new double[] {254, 250, 252}, 1, 1).describe("image"));
  }

  @Test
  void warmupsAreLeftOutOfTheFigure() {
    Timing.Figure f = Timing.fixed(call(2, 10, 30, 20), 2, 3, () -> now);
    assertEquals(5, calls);
    assertEquals(20, f.ms(), 1e-9);
    assertEquals(10, f.min(), 1e-9);
    assertEquals(30, f.max(), 1e-9, "the 1-second warm-ups are not samples");
    now = 0;
    calls = 0;
    // A cold first call, then 2 ms calls: the second warm-up sizes 20 ms samples of 10 calls.
    Timing.Figure c = Timing.calibrated(call(1, 2), 3, 20, () -> now);
    assertEquals(10, c.callsPerSample());
    assertEquals(2 + 3 * 10, calls);
    assertEquals(2, c.max(), 1e-9);
    assertTrue(c.describe().startsWith("median of 3 x 10 calls"), c.describe());
  }

  @Test
  void aPeakIsItsFiguresOwn() {
    long big = 400L << 20;
    long first;
    try (Memory.PeakSampler p = Memory.PeakSampler.start()) {
      long before = Memory.rssBytes();
      try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
        assertEquals(1f, m.ones(new Shape(big / 4)).get(big / 4 - 1).getFloat()); // pages written
      }
      first = p.peak();
      if (before < 0) {
        return; // no /proc
      }
      assertTrue(first >= before + big * 3 / 4, first + " vs " + before);
    }
    Memory.trim();
    try (Memory.PeakSampler p = Memory.PeakSampler.start()) {
      assertTrue(p.sampled() || p.peak() < first - big / 2, p.peak() + " vs " + first);
    }
    assertTrue(Memory.processPeak() >= first);
  }
}
