package dev.stepwise.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import dev.stepwise.engine.TestPacks;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code bench --remote} (issue 15): against an in-process serve of the tiny pack it reports the
 * client's time, the server's own, the overhead and the preview latency; the overhead is the
 * difference of the two, and each figure a positive number. Timings are not checked against
 * targets.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class RemoteBenchTest {
  @Test
  void theRemoteFiguresArePrintedAndInTheJson() {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code =
        Main.run(
            new String[] {
              "bench",
              "--remote",
              "--json",
              "--model",
              TestPacks.tinySd().toString(),
              "--remote-jobs",
              "2",
              "--steps",
              "12",
              "--size",
              "32",
              "--progress",
              "none"
            },
            new PrintWriter(out, true),
            new PrintWriter(err, true));
    System.out.println(err); // the figures, for the build log
    assertEquals(0, code, err.toString());
    JsonObject o = BenchJsonTest.onlyObject(out.toString());
    double client = BenchJsonTest.figure(o, "remote_client_ms", 2);
    double server = BenchJsonTest.figure(o, "remote_server_ms", 2);
    assertTrue(server < client, "the server's own time is within the client's");
    BenchJsonTest.number(o, "remote_overhead_ms");
    assertEquals(12, BenchJsonTest.number(o, "remote_steps"));
    assertTrue(err.toString().contains("overhead = client - server"), err.toString());
  }

  @Test
  void optionsThatDoNotGoTogetherAreRefused() {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code =
        Main.run(
            new String[] {"bench", "--backend", "http://127.0.0.1:7860"},
            new PrintWriter(out, true),
            new PrintWriter(err, true));
    assertEquals(2, code);
    assertEquals(
        "stepwise: --backend http://127.0.0.1:7860 applies to --remote runs only; add --remote.",
        err.toString().strip());
  }
}
