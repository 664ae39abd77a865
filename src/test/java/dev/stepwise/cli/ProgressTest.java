package dev.stepwise.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.stepwise.engine.EngineException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The progress reporter's four modes, on a clock the test moves. */
class ProgressTest {
  private final StringWriter text = new StringWriter();
  private long now;

  private Progress progress(Progress.Mode mode) {
    return new Progress(new PrintWriter(text, true), mode, () -> now);
  }

  @Test
  void jsonWritesOneObjectPerStepAndPerFile() {
    Progress p = progress(Progress.Mode.JSON);
    p.step(1, 2, 1, 3, 120, 900);
    p.step(1, 2, 2, 3, 220, 700);
    p.file(1, 2, 3, "/tmp/a-0.png", 42, 64, 32, 350);
    List<String> lines = text.toString().lines().toList();
    assertEquals(3, lines.size(), text.toString());
    JsonObject first = JsonParser.parseString(lines.get(0)).getAsJsonObject();
    assertEquals(
        "{\"event\":\"step\",\"image\":1,\"images\":2,\"step\":1,\"steps\":3,\"elapsed_ms\":120,"
            + "\"eta_ms\":900}",
        first.toString());
    JsonObject file = JsonParser.parseString(lines.get(2)).getAsJsonObject();
    assertEquals("file", file.get("event").getAsString());
    assertEquals("/tmp/a-0.png", file.get("file").getAsString());
    assertEquals(42, file.get("seed").getAsLong());
    assertEquals(64, file.get("width").getAsInt());
    assertEquals(32, file.get("height").getAsInt());
    assertEquals(350, file.get("duration_ms").getAsLong());
  }

  @Test
  void theBarIsRedrawnInPlaceWithTheSmoothedRateAndTheEta() {
    Progress p = progress(Progress.Mode.BAR);
    p.step(1, 2, 1, 4, 0, 8000);
    assertEquals(
        "\rimage 1/2 [######------------------] step 1/4  ETA 0:08\033[K", text.toString());
    text.getBuffer().setLength(0);
    now += 500_000_000L; // 0.5 s a step: 2 steps a second
    p.step(1, 2, 2, 4, 500, 3000);
    assertEquals(
        "\rimage 1/2 [############------------] step 2/4  2.00 steps/s  ETA 0:03\033[K",
        text.toString());
    text.getBuffer().setLength(0);
    now += 3_000_000_000L; // a 3 s step: 0.3 * 3 + 0.7 * 0.5 = 1.25 s a step, written 1.3
    p.step(1, 2, 3, 4, 3500, 2500);
    assertTrue(text.toString().contains("step 3/4  1.3 s/step  ETA 0:03"), text.toString());
    text.getBuffer().setLength(0);
    p.end();
    assertEquals("\r\033[K", text.toString(), "end erases the bar's line");
    text.getBuffer().setLength(0);
    p.end();
    assertEquals("", text.toString(), "once");
  }

  @Test
  void plainWritesOneLinePerImageAndNothingPerStep() {
    Progress p = progress(Progress.Mode.PLAIN);
    p.step(1, 2, 1, 4, 100, 3900);
    p.step(1, 2, 4, 4, 2000, 2000);
    assertEquals("", text.toString());
    p.file(1, 2, 4, "/tmp/a-0.png", 1, 8, 8, 2000);
    p.file(2, 2, 4, "/tmp/a-1.png", 2, 8, 8, 8000);
    assertEquals(
        List.of(
            "image 1 of 2: 4 steps in 2.0 s (2.00 steps/s), about 0:02 left",
            "image 2 of 2: 4 steps in 8.0 s (2.0 s/step)"),
        text.toString().lines().toList());
  }

  @Test
  void countsArePlainAtEachTenthAndTheBarIsThrottled() {
    Progress plain = progress(Progress.Mode.PLAIN);
    for (int done = 0; done <= 20; done++) {
      plain.count("files", done, 20, done * 100L);
    }
    List<String> lines = text.toString().lines().toList();
    assertEquals(10, lines.size(), text.toString());
    assertEquals("2 of 20 files (10%) in 0.2 s", lines.get(0));
    assertEquals("20 of 20 files (100%) in 2.0 s", lines.get(9));
    text.getBuffer().setLength(0);
    Progress bar = progress(Progress.Mode.BAR);
    for (int done = 0; done <= 1000; done++) {
      bar.count("files", done, 1000, done);
      now += 1_000_000L; // a file a millisecond: 1 s in all
    }
    long redraws = text.toString().chars().filter(c -> c == '\r').count();
    assertTrue(redraws >= 10 && redraws <= 12, redraws + " redraws for 1 s");
    assertTrue(text.toString().endsWith("1000/1000 files  1000 files/s  ETA 0:00\033[K"));
  }

  @Test
  void noneWritesNothing() {
    Progress p = progress(Progress.Mode.NONE);
    p.step(1, 1, 1, 1, 1, 1);
    p.file(1, 1, 1, "/tmp/x.png", 1, 1, 1, 1);
    p.count("files", 1, 1, 1);
    p.end();
    assertEquals("", text.toString());
  }

  @Test
  void ratesAndClocksAreWrittenAsTqdmWritesThem() {
    assertEquals("2.50 steps/s", Progress.rate(0.4, "step"));
    assertEquals("1.00 steps/s", Progress.rate(1.0, "step"));
    assertEquals("3.2 s/step", Progress.rate(3.2, "step"));
    assertEquals("", Progress.rate(Double.NaN, "step"));
    assertEquals("0:00", Progress.clock(0));
    assertEquals("1:01", Progress.clock(61_000));
    assertEquals("1:00:00", Progress.clock(3_600_000));
    assertEquals("[------------------------]", Progress.bar(0, 5));
    assertEquals("[########################]", Progress.bar(5, 5));
  }

  @Test
  void aBadModeIsOneSentenceNamingIt() {
    EngineException e = assertThrows(EngineException.class, () -> Progress.choose("fancy"));
    assertEquals("--progress must be bar, plain, json or none, got \"fancy\".", e.getMessage());
    assertEquals(Progress.Mode.JSON, Progress.choose("JSON"));
  }
}
