package dev.stepwise.engine.pack;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.stepwise.engine.ModelPackException;
import dev.stepwise.engine.TestPacks;
import dev.stepwise.engine.weights.SafetensorsFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A weights path that is a folder, a named pipe or unreadable is named for what it is, not called
 * missing, and a pipe is never opened (that would block): issue 20, item 18.
 */
@Tag("hostile")
class NonFileRefusalsTest {
  @TempDir Path dir;

  private Path unetWeights(Path pack) throws Exception {
    Path w = pack.resolve("unet/diffusion_pytorch_model.safetensors");
    Files.delete(w);
    return w;
  }

  @Test
  void aFolderWhereTheWeightsShouldBeIsNamedSo() throws Exception {
    Path pack = TestPacks.copyOfTinySd(dir.resolve("p"));
    Files.createDirectories(unetWeights(pack));
    ModelPackException e =
        assertThrows(ModelPackException.class, () -> ModelPack.open(pack).close());
    assertTrue(e.getMessage().contains("is a folder, not a file"), e.getMessage());
  }

  @Test
  void aNamedPipeIsRefusedWithoutOpeningIt() throws Exception {
    Path pack = TestPacks.copyOfTinySd(dir.resolve("p"));
    Path w = unetWeights(pack);
    Process p = new ProcessBuilder("mkfifo", w.toString()).start();
    assumeTrue(p.waitFor() == 0, "mkfifo is available");
    assertTimeoutPreemptively(
        Duration.ofSeconds(20),
        () -> {
          ModelPackException e =
              assertThrows(ModelPackException.class, () -> ModelPack.open(pack).close());
          assertTrue(e.getMessage().contains("named pipe"), e.getMessage());
          e = assertThrows(ModelPackException.class, () -> SafetensorsFile.open(w).close());
          assertTrue(e.getMessage().contains("named pipe"), e.getMessage());
        });
  }

  @Test
  void anUnreadableFileSaysPermissionDenied() throws Exception {
    Path f = Files.writeString(dir.resolve("w.safetensors"), "x");
    f.toFile().setReadable(false, false);
    assumeTrue(!Files.isReadable(f), "not running as root (root reads anything)");
    ModelPackException e =
        assertThrows(ModelPackException.class, () -> SafetensorsFile.open(f).close());
    assertTrue(e.getMessage().contains("permission denied"), e.getMessage());
  }
}
