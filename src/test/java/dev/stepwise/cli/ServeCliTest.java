package dev.stepwise.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stepwise.engine.TestPacks;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 15, item 3: {@code stepwise serve}'s options, and a real process serving on loopback. */
class ServeCliTest {
  @TempDir Path dir;

  @Test
  void anAddressBeyondLoopbackWithoutCredentialsIsRefusedInOneLine() {
    CliTest.Run r = CliTest.cli("serve", "--host", "0.0.0.0", "--port", "0");
    assertEquals(2, r.code(), r.err());
    assertEquals(
        "stepwise: --host 0.0.0.0 is reachable from other machines; serving beyond loopback needs"
            + " --api-auth USER:PASS.\n",
        r.err());
    assertEquals("", r.out());
  }

  @Test
  void badCredentialsOriginsAndModelsAreRefused() {
    for (String[] args :
        List.of(
            new String[] {"serve", "--api-auth", "nopassword"},
            new String[] {"serve", "--api-auth", ":x"},
            new String[] {"serve", "--cors", "*"},
            new String[] {"serve", "--port", "70000"},
            new String[] {"serve", "--preview", "sometimes"},
            new String[] {"serve", "--models", dir.resolve("none").toString()},
            new String[] {"serve", "--models", dir.toString(), "--model", "nosuch"})) {
      CliTest.Run r = CliTest.cli(args);
      assertEquals(2, r.code(), String.join(" ", args) + ": " + r.err());
      assertTrue(r.err().startsWith("stepwise: ") && r.err().endsWith(".\n"), r.err());
      assertEquals(1, r.err().lines().count(), r.err());
    }
    assertTrue(ServeCommand.loopback("localhost"));
    assertTrue(ServeCommand.loopback("::1"));
  }

  @Test
  void aServeProcessAnswersOnLoopbackAndStopsOnCtrlC() throws Exception {
    Path models = dir.resolve("models");
    TestPacks.copyOfTinySd(Files.createDirectories(models.resolve("checkpoints/tiny")));
    List<String> args = List.of("serve", "--port", "0", "--models", "" + models, "--model", "tiny");
    ProcessBuilder pb =
        ChildJvm.isolated(
            new ProcessBuilder(ChildJvm.interruptible(args))
                .redirectError(dir.resolve("err").toFile()),
            dir.resolve("home"));
    Process p = pb.start();
    try {
      assertTimeoutPreemptively(
          Duration.ofSeconds(120),
          () -> {
            BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream()));
            String line = r.readLine();
            Matcher m = Pattern.compile("http://127\\.0\\.0\\.1:(\\d+) ").matcher("" + line);
            assertTrue(m.find(), line + " / " + Files.readString(dir.resolve("err")));
            HttpResponse<String> models2 =
                HttpClient.newHttpClient()
                    .send(
                        HttpRequest.newBuilder(
                                URI.create(
                                    "http://127.0.0.1:" + m.group(1) + "/sdapi/v1/sd-models"))
                            .build(),
                        HttpResponse.BodyHandlers.ofString());
            assertEquals(200, models2.statusCode());
            assertTrue(models2.body().contains("\"model_name\":\"tiny\""), models2.body());
            new ProcessBuilder("kill", "-INT", "" + p.pid()).start().waitFor();
            assertTrue(p.waitFor(60, TimeUnit.SECONDS));
          });
    } finally {
      p.destroyForcibly();
    }
    assertEquals(0, p.exitValue(), Files.readString(dir.resolve("err")));
  }
}
