package dev.stepwise.app.timeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stepwise.engine.RgbImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The timeline's state without a toolkit: exports run on the calling thread. */
class TimelineViewModelTest {
  private final TimelineViewModel vm = new TimelineViewModel(Runnable::run, Runnable::run);

  @Test
  void framesStaySortedAndSelectionFollowsTheNewest() {
    vm.reset(5);
    assertNull(vm.selectedFrameProperty().get());
    RgbImage a = GifWriterTest.blocks(8, 8, 1);
    RgbImage b = GifWriterTest.blocks(8, 8, 2);
    RgbImage c = GifWriterTest.blocks(64, 64, 3);
    vm.addFrame(0, a);
    vm.addFrame(2, b);
    assertEquals(2, vm.selectedStepProperty().get());
    vm.selectedStepProperty().set(0); // the user scrubs back: no more following
    vm.addFrame(3, c);
    assertEquals(0, vm.selectedStepProperty().get());
    assertSame(a, vm.selectedFrameProperty().get().image());
    assertEquals(
        List.of(0, 2, 3), vm.frames().stream().map(TimelineViewModel.Frame::step).toList());
    vm.selectedStepProperty().set(1); // no frame of its own: the earlier one is shown
    assertSame(a, vm.selectedFrameProperty().get().image());
    RgbImage full = GifWriterTest.blocks(64, 64, 9);
    vm.addFrame(2, full); // a full decode replaces the preview of that step
    assertEquals(3, vm.frames().size());
    vm.selectedStepProperty().set(2);
    assertSame(full, vm.selectedFrameProperty().get().image());
  }

  @Test
  void playbackWrapsAround() {
    vm.reset(3);
    for (int i = 0; i < 3; i++) {
      vm.addFrame(i, GifWriterTest.blocks(4, 4, i));
    }
    vm.playingProperty().set(true);
    vm.advancePlayback();
    assertEquals(0, vm.selectedStepProperty().get());
    vm.advancePlayback();
    assertEquals(1, vm.selectedStepProperty().get());
    vm.addFrame(2, GifWriterTest.blocks(4, 4, 7)); // playing: no jump to the newest
    assertEquals(1, vm.selectedStepProperty().get());
    vm.reset(10);
    assertFalse(vm.playingProperty().get());
    assertTrue(vm.frames().isEmpty());
    vm.fpsProperty().set(500);
    assertEquals(TimelineViewModel.MAX_FPS, vm.fpsProperty().get());
  }

  @Test
  void exportsGifAndFramesAtTheChosenSize(@TempDir Path dir) throws Exception {
    vm.reset(4);
    vm.addFrame(0, GifWriterTest.blocks(8, 8, 1)); // a latent-size preview
    vm.addFrame(1, GifWriterTest.blocks(8, 8, 2));
    vm.addFrame(3, GifWriterTest.blocks(64, 64, 3)); // the final decode
    Path gif = dir.resolve("run.gif");
    vm.exportGif(gif, 128, false, 10).join();
    GifWriterTest.Decoded d = GifWriterTest.decode(Files.readAllBytes(gif));
    assertEquals(3, d.frames().size());
    assertEquals(128, d.frames().get(0).getWidth());
    assertEquals(List.of(10, 10, 10), d.delays());
    assertEquals(0, d.loops());
    // nearest upscaling of the 8x8 preview: each source pixel is a 16x16 block
    RgbImage first = vm.frames().get(0).image();
    assertEquals(first.rgbAt(3, 5), d.frames().get(0).getRGB(3 * 16 + 7, 5 * 16 + 9) & 0xffffff);
    assertEquals("Saved 3 frames as run.gif.", vm.statusProperty().get());

    Path frames = Files.createDirectory(dir.resolve("frames"));
    List<Path> files = vm.exportPngFrames(frames, 32, true).join();
    assertEquals(3, files.size());
    assertEquals("frame-0003.png", files.get(2).getFileName().toString());
    assertEquals(32, javax.imageio.ImageIO.read(files.get(0).toFile()).getWidth());
    assertFalse(vm.exportingProperty().get());
  }

  @Test
  void failedExportSaysOneSentence(@TempDir Path dir) {
    vm.reset(2);
    CompletionException e =
        assertThrows(CompletionException.class, () -> vm.exportGif(dir.resolve("a.gif")).join());
    assertTrue(e.getCause() instanceof ExportException);
    assertEquals("There are no frames to save yet.", vm.statusProperty().get());
    vm.addFrame(0, GifWriterTest.blocks(8, 8, 1));
    assertThrows(
        CompletionException.class, () -> vm.exportPngFrames(dir.resolve("missing")).join());
    String s = vm.statusProperty().get();
    assertTrue(s.startsWith("Cannot save the frames to") && s.endsWith("."), s);
  }
}
