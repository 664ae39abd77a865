package dev.stepwise.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonParser;
import dev.stepwise.engine.PreviewMethod;
import dev.stepwise.engine.TestPacks;
import dev.stepwise.serve.ApiServer;
import dev.stepwise.serve.ServeConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Issue 15: {@code stepwise backends} and {@code generate --backend NAME}, loopback. */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class BackendsCliTest {
  @TempDir Path dir;

  @BeforeEach
  void config() {
    System.setProperty("stepwise.config.dir", dir.resolve("config").toString());
  }

  @AfterEach
  void clear() {
    System.clearProperty("stepwise.config.dir");
  }

  @Test
  void addListTestGenerateByNameAndRemove() throws Exception {
    ServeConfig c =
        new ServeConfig(
            ServeConfig.LOOPBACK,
            0,
            "artist",
            "s3cret",
            dir.resolve("models"),
            TestPacks.tinySd().toAbsolutePath(),
            null,
            PreviewMethod.AUTO,
            null);
    try (ApiServer server = ApiServer.start(c)) {
      int port = server.address().getPort();
      CliTest.Run empty = CliTest.cli("backends", "list");
      assertEquals(0, empty.code(), empty.err());
      assertTrue(empty.out().startsWith("No backends in "), empty.out());

      CliTest.Run add =
          CliTest.cli("backends", "add", "gpu", "http://artist:s3cret@127.0.0.1:" + port);
      assertEquals(0, add.code(), add.err());
      assertEquals(
          "Added gpu (http://127.0.0.1:"
              + port
              + ") in "
              + dir.resolve("config/backends.json")
              + ".",
          add.out().strip());
      assertEquals(
          0, CliTest.cli("backends", "add", "off", "http://127.0.0.1:1", "--disabled").code());
      CliTest.Run list = CliTest.cli("backends", "list");
      assertEquals(
          "gpu  enabled  a1111   http://127.0.0.1:"
              + port
              + "\n"
              + "off  disabled a1111   http://127.0.0.1:1\n",
          list.out().replace("\r", ""));
      assertFalse(list.out().contains("s3cret"), list.out());

      CliTest.Run test = CliTest.cli("backends", "test", "gpu");
      assertEquals(0, test.code(), test.err());
      assertEquals("gpu is up with 1 model:\n  tiny-sd\n", test.out().replace("\r", ""));
      CliTest.Run down = CliTest.cli("backends", "test", "off");
      assertEquals(1, down.code(), down.out());
      assertTrue(
          down.err().startsWith("stepwise: The server http://127.0.0.1:1 could not be reached"),
          down.err());

      Path out = dir.resolve("named.png");
      String args = "generate --backend GPU --prompt a --steps 2 --width 32 --height 32 --json";
      CliTest.Run g = CliTest.cli((args + " --progress none --out " + out).split(" "));
      assertEquals(0, g.code(), g.err());
      assertEquals(
          "gpu",
          JsonParser.parseString(g.out().strip()).getAsJsonObject().get("backend").getAsString(),
          "the job ran on the backend named gpu");
      assertTrue(Files.isRegularFile(out));

      CliTest.Run unknown = CliTest.cli("generate", "--backend", "nope", "--prompt", "a");
      assertEquals(2, unknown.code(), unknown.err());
      assertEquals(
          "stepwise: No backend is named 'nope'; the configured backends are gpu, off (give a name"
              + " or a URL such as http://host:7860).",
          unknown.err().strip());
    }
    CliTest.Run twice = CliTest.cli("backends", "add", "gpu", "http://127.0.0.1:2");
    assertEquals(2, twice.code(), twice.err());
    assertTrue(
        twice.err().contains("A backend is already named gpu; remove it first"), twice.err());
    CliTest.Run replaced = CliTest.cli("backends", "add", "gpu", "http://127.0.0.1:2", "--replace");
    assertEquals(0, replaced.code(), replaced.err());
    CliTest.Run badName = CliTest.cli("backends", "add", "a/b", "http://127.0.0.1:2");
    assertEquals(2, badName.code(), badName.err());
    assertTrue(badName.err().contains("The backend name 'a/b' is not allowed"), badName.err());
    CliTest.Run badUrl = CliTest.cli("backends", "add", "x", "http://u:hidden@h:1/path");
    assertEquals(2, badUrl.code(), badUrl.err());
    assertFalse(badUrl.err().contains("hidden"), badUrl.err());

    CliTest.Run rm = CliTest.cli("backends", "remove", "gpu");
    assertEquals(0, rm.code(), rm.err());
    assertEquals("Removed gpu.", rm.out().strip());
    CliTest.Run again = CliTest.cli("backends", "remove", "gpu");
    assertEquals(2, again.code(), again.err());
    assertTrue(again.err().contains("the configured backends are off"), again.err());
    CliTest.Run missingArg = CliTest.cli("backends", "add", "only-name");
    assertEquals(2, missingArg.code(), missingArg.err());

    Files.writeString(dir.resolve("config/backends.json"), "{\"backends\": [");
    CliTest.Run broken = CliTest.cli("backends", "list");
    assertEquals(1, broken.code(), broken.err());
    assertEquals(
        "stepwise: The backends file "
            + dir.resolve("config/backends.json")
            + " is not valid JSON (it may be truncated); fix or remove it.",
        broken.err().strip());
  }
}
