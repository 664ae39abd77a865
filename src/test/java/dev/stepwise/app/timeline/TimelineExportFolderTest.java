package dev.stepwise.app.timeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.stepwise.engine.RgbImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
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
 * The timeline's exports: offered in the user's XDG pictures folder, written with the permissions
 * any new file of the user gets (0644 under the usual umask 022), never owner-only.
 */
@ExtendWith(ApplicationExtension.class)
class TimelineExportFolderTest {
  private static Path pictures;
  private TimelineViewModel vm;
  private TimelinePane pane;

  @TempDir static Path home;

  @Start
  void start(Stage stage) throws Exception {
    pictures = Files.createDirectories(home.resolve("Bilder"));
    Path config = Files.createDirectories(home.resolve(".config"));
    Files.writeString(
        config.resolve("user-dirs.dirs"),
        "# written by xdg-user-dirs-update\nXDG_DESKTOP_DIR=\"$HOME/Desktop\"\n"
            + "XDG_PICTURES_DIR=\"$HOME/Bilder\"\n");
    vm = new TimelineViewModel();
    vm.reset(3);
    for (int i = 0; i < 3; i++) {
      vm.addFrame(i, new RgbImage(8, 8, new byte[8 * 8 * 3]));
    }
    pane = new TimelinePane(vm, () -> PicturesFolder.find(Map.of(), home.toString(), config));
    stage.setScene(new Scene(pane, 800, 300));
    stage.show();
  }

  private static <T> T fx(Callable<T> c) throws Exception {
    return WaitForAsyncUtils.asyncFx(c).get(60, TimeUnit.SECONDS);
  }

  @Test
  void exportsAreOfferedInThePicturesFolderAndWrittenWithTheUsualPermissions() throws Exception {
    assertEquals(pictures, fx(pane::exportFolder));
    Path gif = pictures.resolve("steps.gif");
    fx(() -> vm.exportGif(gif)).get(60, TimeUnit.SECONDS);
    Path out = Files.createDirectories(pictures.resolve("frames"));
    List<Path> pngs = fx(() -> vm.exportPngFrames(out)).get(60, TimeUnit.SECONDS);
    Set<PosixFilePermission> usual =
        Files.getPosixFilePermissions(Files.createFile(pictures.resolve("plain.txt")));
    assertEquals(usual, Files.getPosixFilePermissions(gif), PosixFilePermissions.toString(usual));
    for (Path p : pngs) {
      assertEquals(usual, Files.getPosixFilePermissions(p), p.toString());
    }
    if (usual.contains(PosixFilePermission.OTHERS_READ)) { // umask 022: rw-r--r--
      assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(gif)));
    }
  }

  @Test
  void thePicturesFolderFollowsUserDirsThenTheEnvironmentThenPicturesThenHome(@TempDir Path h)
      throws Exception {
    Path config = Files.createDirectories(h.resolve("cfg"));
    Map<String, String> none = Map.of();
    assertEquals(h, PicturesFolder.find(none, h.toString(), config), "nothing else: home");
    Path std = Files.createDirectories(h.resolve("Pictures"));
    assertEquals(std, PicturesFolder.find(none, h.toString(), config));
    Path env = Files.createDirectories(h.resolve("Fotos"));
    assertEquals(
        env, PicturesFolder.find(Map.of("XDG_PICTURES_DIR", env.toString()), h.toString(), config));
    Path abs = Files.createDirectories(h.resolve("abs"));
    Files.writeString(config.resolve("user-dirs.dirs"), "XDG_PICTURES_DIR=\"" + abs + "\"\n");
    assertEquals(
        abs, PicturesFolder.find(Map.of("XDG_PICTURES_DIR", env.toString()), h.toString(), config));
    Files.writeString(config.resolve("user-dirs.dirs"), "XDG_PICTURES_DIR=\"$HOME/gone\"\n");
    assertEquals(std, PicturesFolder.find(none, h.toString(), config), "a missing folder: skip");
    assertNull(PicturesFolder.parse("\"relative/pics\"", h.toString()));
    assertNull(PicturesFolder.parse("\"\"", h.toString()));
    assertEquals(h.resolve("x"), PicturesFolder.parse("$HOME/x", h.toString()));
  }
}
