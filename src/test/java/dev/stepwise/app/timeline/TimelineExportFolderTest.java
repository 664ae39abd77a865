package dev.stepwise.app.timeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.stepwise.engine.RgbImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javafx.scene.Scene;
import javafx.stage.Stage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

/**
 * Exports are offered in the XDG pictures folder and written with a new file's usual permissions
 * (rw-r--r-- under umask 022), never owner-only (issue 16, item 5).
 */
@ExtendWith(ApplicationExtension.class)
class TimelineExportFolderTest {
  @TempDir static Path home;
  private final TimelineViewModel vm = new TimelineViewModel();
  private TimelinePane pane;

  @Start
  void start(Stage stage) throws Exception {
    Files.createDirectories(home.resolve("Bilder"));
    Path config = Files.createDirectories(home.resolve(".config"));
    Files.writeString(
        config.resolve("user-dirs.dirs"), "# xdg\nXDG_PICTURES_DIR=\"$HOME/Bilder\"\n");
    vm.reset(3);
    for (int i = 0; i < 3; i++) {
      vm.addFrame(i, new RgbImage(8, 8, new byte[192]));
    }
    pane = new TimelinePane(vm, () -> PicturesFolder.find(Map.of(), home.toString(), config));
    stage.setScene(new Scene(pane, 800, 300));
    stage.show();
  }

  @Test
  void exportsGoToThePicturesFolderWithTheUsualPermissions() throws Exception {
    Path pictures = home.resolve("Bilder");
    assertEquals(pictures, WaitForAsyncUtils.asyncFx(pane::exportFolder).get());
    Path gif = pictures.resolve("steps.gif");
    WaitForAsyncUtils.asyncFx(() -> vm.exportGif(gif)).get().get(60, TimeUnit.SECONDS);
    Path frames = Files.createDirectories(pictures.resolve("frames"));
    var pngs =
        WaitForAsyncUtils.asyncFx(() -> vm.exportPngFrames(frames)).get().get(60, TimeUnit.SECONDS);
    var usual = Files.getPosixFilePermissions(Files.createFile(pictures.resolve("plain.txt")));
    assertEquals(usual, Files.getPosixFilePermissions(gif));
    assertEquals(usual, Files.getPosixFilePermissions(pngs.get(2)));
  }

  @Test
  void thePicturesFolderIsUserDirsThenTheEnvironmentThenPicturesThenHome(@TempDir Path h)
      throws Exception {
    Path config = Files.createDirectories(h.resolve("cfg"));
    assertEquals(h, PicturesFolder.find(Map.of(), h.toString(), config));
    Path std = Files.createDirectories(h.resolve("Pictures"));
    assertEquals(std, PicturesFolder.find(Map.of(), h.toString(), config));
    Path env = Files.createDirectories(h.resolve("Fotos"));
    Map<String, String> vars = Map.of("XDG_PICTURES_DIR", env.toString());
    assertEquals(env, PicturesFolder.find(vars, h.toString(), config));
    Path abs = Files.createDirectories(h.resolve("abs"));
    Files.writeString(config.resolve("user-dirs.dirs"), "XDG_PICTURES_DIR=\"" + abs + "\"\n");
    assertEquals(abs, PicturesFolder.find(vars, h.toString(), config));
    Files.writeString(config.resolve("user-dirs.dirs"), "XDG_PICTURES_DIR=\"$HOME/gone\"\n");
    assertEquals(std, PicturesFolder.find(Map.of(), h.toString(), config), "missing: skipped");
    assertNull(PicturesFolder.parse("\"relative/pics\"", h.toString()));
  }
}
