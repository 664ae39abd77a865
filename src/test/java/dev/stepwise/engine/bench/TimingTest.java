package dev.stepwise.engine.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

/**
 * The bench's statistics on a fake clock (no real timing is asserted): the median, fastest and
 * slowest of the timed samples, with the warm-up calls left out; and the per-figure memory peak.
 */
class TimingTest {
  /**
   * A call that advances a fake nanosecond clock: by 1 s on each of its first {@code slow} calls
   * (the cold ones), then by the given milliseconds in turn.
   */
  private static final class FakeCall implements Runnable {
    long now;
    int calls;
    private final int slow;
    private final double[] ms;

    FakeCall(int slow, double... ms) {
      this.slow = slow;
      this.ms = ms;
    }

    @Override
    public void run() {
      now += calls < slow ? 1_000_000_000L : (long) (ms[(calls - slow) % ms.length] * 1e6);
      calls++;
    }
  }

  @Test
  void figureIsMedianWithMinAndMax() {
    Timing.Figure f = Timing.Figure.of(new double[] {5, 1, 4, 2, 3}, 1, 1);
    assertEquals(3, f.ms());
    assertEquals(1, f.min());
    assertEquals(5, f.max());
    assertEquals(5, f.samples());
    Timing.Figure even = Timing.Figure.of(new double[] {4, 1, 3, 2}, 1, 0);
    assertEquals(2.5, even.ms());
    assertTrue(even.describe().startsWith("median of 4, min 1.00, max 4.00, 0 warm-ups"));
    assertEquals(
        "median of 1, 2 warm-ups excluded", Timing.Figure.of(new double[] {7}, 1, 2).describe());
    assertEquals(
        "median of 3 images, min 250, max 254, 1 warm-up image excluded",
        Timing.Figure.of(new double[] {254, 250, 252}, 1, 1).describe("image"));
  }

  @Test
  void fixedLeavesTheWarmupsOutOfEveryFigure() {
    FakeCall call = new FakeCall(2, 10, 30, 20);
    Timing.Figure f = Timing.fixed(call, 2, 3, () -> call.now);
    assertEquals(5, call.calls);
    assertEquals(20, f.ms(), 1e-9);
    assertEquals(10, f.min(), 1e-9);
    assertEquals(30, f.max(), 1e-9, "the two 1-second warm-ups are not samples");
    assertEquals(2, f.warmups());
    assertTrue(f.describe().contains("2 warm-ups excluded"), f.describe());
  }

  @Test
  void calibratedAveragesShortCallsAfterTwoWarmups() {
    // Cold first call (1 s), then 2 ms calls: the second warm-up sizes samples of 20 ms = 10 calls.
    FakeCall call = new FakeCall(1, 2);
    Timing.Figure f = Timing.calibrated(call, 3, 20, () -> call.now);
    assertEquals(10, f.callsPerSample());
    assertEquals(2 + 3 * 10, call.calls);
    assertEquals(2, f.ms(), 1e-9);
    assertEquals(2, f.max(), 1e-9, "the cold call is a warm-up");
    assertTrue(f.describe().startsWith("median of 3 x 10 calls"), f.describe());
  }

  @Test
  void aWindowSeesItsOwnPeakAndNotAnEarlierOne() {
    long big = 400L << 20;
    long firstPeak;
    try (Memory.Window w = Memory.Window.open()) {
      long before = Memory.rssBytes();
      try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
        NDArray a = m.ones(new Shape(big / 4)); // [n] floats, every page written
        assertEquals(1f, a.get(big / 4 - 1).getFloat());
      }
      firstPeak = w.peak();
      if (before < 0) {
        return; // no /proc: nothing to read
      }
      assertTrue(firstPeak >= before + big * 3 / 4, firstPeak + " vs " + before);
    }
    Memory.trim();
    try (Memory.Window w = Memory.Window.open()) {
      if (!w.sampled()) { // VmHWM was reset: the 400 MB array is not this window's
        assertTrue(w.peak() < firstPeak - big / 2, w.peak() + " vs " + firstPeak);
      }
    }
    assertTrue(Memory.processPeak() >= firstPeak);
  }

  @Test
  void aNestedWindowDoesNotHideTheOuterPeak() {
    long big = 300L << 20;
    try (Memory.Window outer = Memory.Window.open()) {
      long before = Memory.rssBytes();
      try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
        NDArray a = m.ones(new Shape(big / 4)); // [n]
        assertEquals(1f, a.get(0).getFloat());
      }
      Memory.trim();
      try (Memory.Window inner = Memory.Window.open()) {
        assertTrue(inner.peak() > 0 || before < 0);
      }
      if (before > 0) {
        assertTrue(outer.peak() >= before + big * 3 / 4, outer.peak() + " vs " + before);
      }
    }
  }
}
