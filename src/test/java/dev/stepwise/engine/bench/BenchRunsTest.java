package dev.stepwise.engine.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Issue 22: what {@code bench --progress} hears from the timing loops, on a fake clock. */
class BenchRunsTest {
  private final List<String> heard = new ArrayList<>();
  private long now;

  private final BenchRuns.Listener listener =
      new BenchRuns.Listener() {
        @Override
        public void run(
            String figure, int run, int warmups, int runs, boolean finished, long ms, long eta) {
          String what = finished ? " end " : " start ";
          heard.add(figure + what + run + "/" + warmups + "+" + runs + ": " + ms + " " + eta);
        }

        @Override
        public void figure(String figure, int warmups, int runs, int done, long ms) {
          heard.add(figure + " done " + done + "/" + warmups + "+" + runs + " " + ms);
        }
      };

  @AfterEach
  void reset() {
    BenchRuns.listen(null);
    BenchRuns.clock = System::nanoTime;
  }

  @Test
  void fixedReportsEachRunOutsideTheTimedPartWithTheTimeLeftFromTimedRuns() {
    BenchRuns.clock = () -> now;
    BenchRuns.listen(listener);
    BenchRuns.figure("conv");
    int[] call = {0};
    // a warm-up of 1000 ms, then timed runs of 100, 200 and 300 ms
    Runnable run = () -> now += ++call[0] == 1 ? 1_000_000_000L : (call[0] - 1) * 100_000_000L;
    Timing.Figure f = Timing.fixed(run, 1, 3, () -> now);
    assertEquals(200, f.ms(), 1e-9);
    assertEquals(
        List.of(
            "conv start 1/1+3: 0 -1",
            "conv end 1/1+3: 1000 3000", // no timed run yet: 3 left at the warm-up's 1000 ms
            "conv start 2/1+3: 1000 3000",
            "conv end 2/1+3: 1100 200", // 2 left at the timed runs' mean, 100 ms
            "conv start 3/1+3: 1100 200",
            "conv end 3/1+3: 1300 150", // 1 left at 150 ms
            "conv start 4/1+3: 1300 150",
            "conv end 4/1+3: 1600 0",
            "conv done 4/1+3 1600"),
        heard);
  }

  @Test
  void aLoopInsideAnotherIsSilentAndPartsNameTheFigure() {
    BenchRuns.clock = () -> now;
    BenchRuns.listen(listener);
    BenchRuns.figure("layers");
    try (BenchRuns.Loop outer = BenchRuns.loop(0, 2)) {
      for (int i = 0; i < 2; i++) {
        outer.start();
        Timing.calibrated(() -> now += 1_000_000L, 3, 5, () -> now);
        outer.end();
      }
    }
    assertEquals(5, heard.size(), "2 starts, 2 ends and the end of the outer loop only: " + heard);
    assertEquals("layers done 2/0+2 " + now / 1_000_000, heard.get(4));
    heard.clear();
    BenchRuns.part("tiny");
    Timing.calibrated(() -> now += 1_000_000L, 2, 5, () -> now);
    assertEquals(4 * 2 + 1, heard.size(), "2 warm-ups and 2 samples: " + heard);
    assertEquals("layers, tiny start 1/2+2: 0 -1", heard.get(0));
    assertTrue(heard.get(7).startsWith("layers, tiny end 4/2+2: "), heard.get(7));
    assertTrue(heard.get(8).startsWith("layers, tiny done 4/2+2 "), heard.get(8));
    BenchRuns.figure("next");
    heard.clear();
    BenchRuns.listen(null);
    Timing.fixed(() -> now++, 1, 2, () -> now);
    assertEquals(List.of(), heard, "no listener, nothing reported");
  }
}
