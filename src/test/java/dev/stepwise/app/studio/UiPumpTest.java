package dev.stepwise.app.studio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class UiPumpTest {

  @Test
  void oneTaskInFlightEveryEventInOrderAndTheLastOneDrawn() throws Exception {
    UiQueue ui = new UiQueue();
    List<Integer> seen = new ArrayList<>();
    List<Integer> drawn = new ArrayList<>();
    UiPump pump = new UiPump(ui, () -> drawn.add(seen.isEmpty() ? -1 : seen.get(seen.size() - 1)));
    int n = 5_000;
    Thread producer =
        new Thread(
            () -> {
              for (int i = 0; i < n; i++) {
                int step = i;
                pump.post(() -> seen.add(step));
              }
            });
    producer.start();
    ui.runUntil(() -> !producer.isAlive() && seen.size() == n, Duration.ofSeconds(30));
    ui.runUntil(() -> true, Duration.ofSeconds(1));
    for (int i = 0; i < n; i++) {
      assertEquals(i, seen.get(i));
    }
    assertTrue(ui.maxPending() <= 1, "at most one drain pending, saw " + ui.maxPending());
    assertEquals(n - 1, drawn.get(drawn.size() - 1), "the final step is drawn");
    assertTrue(drawn.size() <= n);
    assertEquals(drawn.size(), pump.cost().drains());
  }

  @Test
  void wordBeforeTheCaretIsWhatCompletionCompletes() {
    assertEquals("hea", PromptCompletion.wordBeforeCaret("a red hea", 9));
    assertEquals("re", PromptCompletion.wordBeforeCaret("a red hea", 4));
    assertEquals("", PromptCompletion.wordBeforeCaret("a red ", 6));
    assertEquals("", PromptCompletion.wordBeforeCaret(null, 3));
  }

  @Test
  void framesArePackedOpaqueArgb() {
    LiveFrame f =
        LiveFrame.of(
            new dev.stepwise.engine.RgbImage(
                2, 1, new byte[] {(byte) 255, 0, 10, 1, 2, (byte) 200}));
    assertEquals(0xffff000a, f.argb()[0]);
    assertEquals(0xff0102c8, f.argb()[1]);
  }
}
