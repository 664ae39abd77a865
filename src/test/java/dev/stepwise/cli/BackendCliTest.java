package dev.stepwise.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stepwise.engine.PreviewMethod;
import dev.stepwise.engine.TestPacks;
import dev.stepwise.metadata.GenerationParameters;
import dev.stepwise.metadata.InfoText;
import dev.stepwise.metadata.PngText;
import dev.stepwise.serve.ApiServer;
import dev.stepwise.serve.ServeConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Issue 15: {@code generate --backend URL} against this program's own {@code serve}, loopback. */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class BackendCliTest {
  @TempDir Path dir;

  @Test
  void generateRunsOnAServerWithItsPreviewsAsFramesAndKeepsTheRecipe() throws Exception {
    ServeConfig c =
        new ServeConfig(
            ServeConfig.LOOPBACK,
            0,
            "artist",
            "p@ss word",
            dir.resolve("models"),
            TestPacks.tinySd().toAbsolutePath(),
            null,
            PreviewMethod.AUTO,
            null);
    try (ApiServer server = ApiServer.start(c)) {
      String url = "http://artist:p%40ss%20word@127.0.0.1:" + server.address().getPort();
      Path out = dir.resolve("remote.png");
      Path frames = dir.resolve("frames");
      CliTest.Run r =
          CliTest.cli(
              "generate",
              "--backend",
              url,
              "--prompt",
              "a red heart",
              "--negative",
              "blurry",
              "--seed",
              "5",
              "--steps",
              "60",
              "--width",
              "32",
              "--height",
              "32",
              "--batch",
              "2",
              "--sampler",
              "euler_a",
              "--karras",
              "--out",
              "" + out,
              "--frames",
              "" + frames,
              "--progress",
              "none");
      assertEquals(0, r.code(), r.err());
      for (int i = 0; i < 2; i++) {
        Path file = dir.resolve("remote-" + i + ".png");
        GenerationParameters p = InfoText.parse(PngText.read(file).get("parameters"));
        assertEquals("a red heart", p.prompt());
        assertEquals("blurry", p.negativePrompt());
        assertEquals(5 + i, p.seed());
        assertEquals(60, p.steps());
        assertEquals("Euler a", p.sampler());
        assertEquals("Karras", p.scheduleType());
        assertEquals(32, p.width());
        assertEquals("tiny-sd", p.modelName());
      }
      try (var s = Files.list(frames)) {
        assertTrue(s.findAny().isPresent(), "the server's previews became frames");
      }

      String noAuth = "http://127.0.0.1:" + server.address().getPort();
      CliTest.Run refused =
          CliTest.cli("generate", "--backend", noAuth, "--prompt", "a", "--out", "" + out);
      assertEquals(1, refused.code(), refused.err());
      assertTrue(refused.err().contains("refused the credentials"), refused.err());

      CliTest.Run tooMany =
          CliTest.cli(
              "generate", "--backend", url, "--prompt", "a", "--steps", "500", "--out", "" + out);
      assertEquals(1, tooMany.code(), tooMany.err());
      assertTrue(tooMany.err().contains("HTTP 400: steps 500 is not allowed"), tooMany.err());
    }
    CliTest.Run gone =
        CliTest.cli(
            "generate",
            "--backend",
            "http://127.0.0.1:1",
            "--prompt",
            "a",
            "--out",
            "" + dir.resolve("x.png"));
    assertEquals(1, gone.code(), gone.err());
    assertTrue(gone.err().contains("could not be reached"), gone.err());
    CliTest.Run notUrl = CliTest.cli("generate", "--backend", "ftp://x", "--prompt", "a");
    assertEquals(2, notUrl.code(), notUrl.err());
  }

  @Test
  void repeatedBackendsAreAPoolThatSkipsADeadServer() throws Exception {
    ServeConfig c =
        new ServeConfig(
            ServeConfig.LOOPBACK,
            0,
            null,
            null,
            dir.resolve("models"),
            TestPacks.tinySd().toAbsolutePath(),
            null,
            PreviewMethod.AUTO,
            null);
    String dead = "http://127.0.0.1:1";
    try (ApiServer server = ApiServer.start(c)) {
      String live = "http://127.0.0.1:" + server.address().getPort();
      Path out = dir.resolve("pool.png");
      CliTest.Run r =
          CliTest.cli(
              "generate",
              "--backend",
              dead,
              "--backend",
              live,
              "--prompt",
              "a",
              "--steps",
              "2",
              "--width",
              "32",
              "--height",
              "32",
              "--out",
              "" + out,
              "--json",
              "--progress",
              "none");
      assertEquals(0, r.code(), r.err());
      var o = com.google.gson.JsonParser.parseString(r.out().strip()).getAsJsonObject();
      assertEquals(live, o.get("backend").getAsString(), r.out());
      assertTrue(Files.isRegularFile(out), "saved");

      try (ApiServer second = ApiServer.start(c)) {
        String live2 = "http://127.0.0.1:" + second.address().getPort();
        Path grid = dir.resolve("grid.png");
        CliTest.Run g =
            CliTest.cli(
                "generate",
                "--backend",
                live,
                "--backend",
                live2,
                "--prompt",
                "a",
                "--steps",
                "2",
                "--width",
                "32",
                "--height",
                "32",
                "--grid",
                "guidance=1,3,5,7",
                "--out",
                "" + grid,
                "--progress",
                "none");
        assertEquals(0, g.code(), g.err());
        for (int i = 0; i < 4; i++) {
          assertTrue(Files.isRegularFile(dir.resolve("grid-cell-" + i + ".png")), "cell " + i);
        }
        assertTrue(Files.isRegularFile(grid), "the grid's cells spread over two servers");
      }

      CliTest.Run twice =
          CliTest.cli("generate", "--backend", live, "--backend", live + "/", "--prompt", "a");
      assertEquals(2, twice.code(), twice.err());
      assertTrue(twice.err().contains("is given twice"), twice.err());
    }
    CliTest.Run none =
        CliTest.cli(
            "generate",
            "--backend",
            dead,
            "--backend",
            "http://127.0.0.1:2",
            "--prompt",
            "a",
            "--out",
            "" + dir.resolve("none.png"));
    assertEquals(1, none.code(), none.err());
    assertTrue(
        none.err()
            .contains("No backend that could run the job is up; the last problem: The server"),
        none.err());
  }
}
