package dev.stepwise.app;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.javafx.scene.input.DragboardHelper;
import com.sun.javafx.tk.TKClipboard;
import com.sun.javafx.tk.Toolkit;
import dev.stepwise.app.gallery.GalleryPane;
import dev.stepwise.app.gallery.GalleryViewModel;
import dev.stepwise.app.studio.LiveFrame;
import dev.stepwise.app.timeline.TimelineViewModel;
import dev.stepwise.engine.explain.SamplerPlan;
import dev.stepwise.gallery.LibraryImage;
import dev.stepwise.gallery.Recipe;
import dev.stepwise.metadata.PngImage;
import dev.stepwise.recipe.Sampler;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javafx.event.Event;
import javafx.scene.control.Button;
import javafx.scene.input.ClipboardContent;
import javafx.scene.input.DragEvent;
import javafx.scene.input.Dragboard;
import javafx.scene.input.KeyCode;
import javafx.scene.input.TransferMode;
import javafx.stage.Stage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kordamp.ikonli.javafx.FontIcon;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.Start;

/**
 * The studio's parts wired together on Monocle with the tiny pack: the timeline and the explain
 * view follow a run, the image lands in a temporary library and its gallery, "Reuse" and opened PNG
 * parameters fill the controls.
 */
class StudioPartsTest extends StudioHarness {
  @TempDir Path files;

  @Start
  void start(Stage stage) throws Exception {
    open(stage);
    // The canvas's image at the output size: crisp pixels would hold an enlarged copy.
    window.canvas().canvas().pixelsProperty().set(false);
  }

  private GalleryViewModel gallery() throws Exception {
    waitFor(() -> parts.galleryProperty().get() != null);
    return fx(() -> parts.galleryProperty().get());
  }

  @Test
  void aRunFillsTheTimelineAndExplainViewAndLandsInTheLibraryAndGallery() throws Exception {
    waitFor(() -> vm.model().factsProperty().get() != null);
    GalleryViewModel gallery = gallery();
    assertTrue(fx(() -> window.gallerySlot().getChildren().get(0) instanceof GalleryPane));
    fx(vm::generate);
    waitFor(() -> vm.jobs().results().size() == 1);
    parts.savesDone().get(LIMIT_S, TimeUnit.SECONDS);

    assertEquals(4, fx(() -> parts.timeline().frames().size()), "one frame per step");
    assertEquals(
        32, fx(() -> parts.timeline().frameAt(3).image().width()), "the full decode is last");
    byte[] saved = fx(() -> vm.jobs().results().get(0).image().rgb());
    for (int step = 0; step < 4; step++) {
      int s = step;
      assertEquals(32, fx(() -> parts.timeline().frameAt(s).image().width()), "decoded pictures");
    }
    assertArrayEquals(
        saved,
        fx(() -> parts.timeline().frameAt(3).image().rgb()),
        "the timeline ends on the saved image");
    Path frameDir = Files.createDirectory(files.resolve("frames"));
    List<Path> exported =
        fx(() -> parts.timeline().exportPngFrames(frameDir, 32, true))
            .get(LIMIT_S, TimeUnit.SECONDS);
    assertEquals(4, exported.size());
    java.awt.image.BufferedImage last = javax.imageio.ImageIO.read(exported.get(3).toFile());
    for (int y = 0; y < 32; y++) {
      for (int x = 0; x < 32; x++) {
        int p = (y * 32 + x) * 3;
        int rgb = (saved[p] & 0xff) << 16 | (saved[p + 1] & 0xff) << 8 | (saved[p + 2] & 0xff);
        assertEquals(rgb, last.getRGB(x, y) & 0xffffff, "the last exported frame is the image");
      }
    }
    assertTrue(fx(() -> parts.timeline().smoothProperty().get()), "exports scale smoothly");
    SamplerPlan plan = fx(() -> parts.explain().planProperty().get());
    assertNotNull(plan, "the explain view got setModel on job start");
    assertEquals(Sampler.DDIM, plan.kind());
    assertEquals(4, plan.steps());
    assertEquals(3, fx(() -> parts.explain().currentStepProperty().get()));

    waitFor(() -> gallery.images().size() == 1);
    LibraryImage img = fx(() -> gallery.images().get(0));
    assertEquals("a red heart", img.recipe().prompt());
    assertEquals(fx(() -> vm.seeds().lastSeed()), img.recipe().seed());
    assertEquals("tiny-sd", img.recipe().modelName());
    assertEquals("ddim", img.recipe().sampler());
    assertEquals(4, img.recipe().steps());
    assertTrue(img.file().startsWith(libraryDir), img.file().toString());
    try (Stream<Path> pngs = Files.list(libraryDir)) {
      assertEquals(1, pngs.filter(p -> p.toString().endsWith(".png")).count());
    }

    // The session strip is backed by the library: a click shows that image in the gallery.
    fx(
        () -> {
          window.resultsStrip().lookup(".result-cell").getOnMouseClicked().handle(null);
          return null;
        });
    assertTrue(fx(window::galleryShown));
    assertEquals(img.id(), fx(() -> gallery.focused().get().id()));
  }

  @Test
  void scrubbingTheTimelineShowsThatStepOnTheCanvasWhileMoreStepsArrive() throws Exception {
    waitFor(() -> vm.model().factsProperty().get() != null);
    TimelineViewModel timeline = parts.timeline();
    fx(
        () -> {
          vm.controls().stepsProperty().set(200);
          return vm.generate();
        });
    waitFor(() -> timeline.frames().size() >= 4);
    int[] chosen =
        fx(
            () -> {
              timeline.selectedStepProperty().set(1);
              return LiveFrame.of(timeline.selectedFrameProperty().get().image()).argb();
            });
    assertEquals(32 * 32, chosen.length, "a decoded picture at the output size");
    assertArrayEquals(
        chosen, fx(() -> vm.live().frameProperty().get().argb()), "the canvas shows it");
    assertTrue(fx(() -> vm.live().showsChosenStep()));
    int seen = fx(() -> timeline.frames().size());
    waitFor(() -> timeline.frames().size() >= seen + 3);
    assertArrayEquals(
        chosen, fx(() -> vm.live().frameProperty().get().argb()), "later steps do not replace it");
    assertEquals(1, fx(() -> timeline.selectedStepProperty().get()));
    int[] drawn =
        fx(
            () -> {
              javafx.scene.image.Image img = window.canvas().canvas().view().getImage();
              int[] px = new int[32 * 32];
              img.getPixelReader()
                  .getPixels(
                      0, 0, 32, 32, javafx.scene.image.PixelFormat.getIntArgbInstance(), px, 0, 32);
              return px;
            });
    assertArrayEquals(chosen, drawn, "the canvas draws the chosen step");
    boolean[] live =
        fx(
            () -> {
              int[] newest =
                  LiveFrame.of(timeline.frames().get(timeline.frames().size() - 1).image()).argb();
              boolean differs = !java.util.Arrays.equals(newest, chosen);
              timeline.selectNewest(); // back to the newest step: the canvas is live again
              return new boolean[] {differs, vm.live().showsChosenStep()};
            });
    assertTrue(live[0], "the chosen step is not the newest picture");
    assertFalse(live[1]);
    int now = fx(() -> timeline.frames().size());
    waitFor(() -> timeline.frames().size() >= now + 2);
    assertTrue(
        fx(
            () ->
                java.util.Arrays.equals(
                    LiveFrame.of(timeline.frames().get(timeline.frames().size() - 1).image())
                        .argb(),
                    vm.live().frameProperty().get().argb())),
        "the canvas follows the run again");
    // Pinned again, then a new job: the canvas follows the new run.
    fx(
        () -> {
          timeline.selectedStepProperty().set(0);
          return null;
        });
    assertTrue(fx(() -> vm.live().showsChosenStep()));
    fx(() -> vm.jobs().cancelRunning());
    waitFor(() -> vm.jobs().queue().isEmpty());
    fx(
        () -> {
          vm.controls().stepsProperty().set(2);
          return vm.generate();
        });
    waitFor(() -> vm.jobs().results().size() == 1);
    parts.savesDone().get(LIMIT_S, TimeUnit.SECONDS);
    assertFalse(fx(() -> vm.live().showsChosenStep()));
    assertArrayEquals(
        fx(() -> LiveFrame.of(vm.jobs().results().get(0).image()).argb()),
        fx(() -> vm.live().frameProperty().get().argb()),
        "the new job's finished image is on the canvas");
  }

  @Test
  void reuseFromTheGalleryFillsTheControlsAndShowsTheCanvas(FxRobot robot) throws Exception {
    GalleryViewModel gallery = gallery();
    Recipe recipe =
        new Recipe(
            "a blue cat\nsitting",
            "dog",
            "tiny-sd",
            "abc",
            "euler_a",
            false,
            9,
            7.5,
            0,
            4242,
            32,
            32,
            100,
            "Stepwise test",
            Instant.now(),
            Map.of());
    gallery.library().save(32, 32, new byte[32 * 32 * 3], recipe);
    fx(
        () -> {
          gallery.refresh();
          return null;
        });
    waitFor(() -> gallery.images().size() == 1);
    robot.clickOn("#prompt");
    robot.press(KeyCode.CONTROL, KeyCode.G).release(KeyCode.G, KeyCode.CONTROL);
    assertTrue(fx(window::galleryShown), "Ctrl+G shows the gallery");
    fx(
        () -> {
          vm.seeds().seedTextProperty().set("17");
          vm.seeds().seedLockedProperty().set(false);
          gallery.select(gallery.images().get(0), false);
          gallery.reuse(false);
          return null;
        });
    assertEquals("a blue cat\nsitting", fx(() -> vm.controls().promptProperty().get()));
    assertEquals("dog", fx(() -> vm.controls().negativePromptProperty().get()));
    assertEquals(Sampler.EULER_A, fx(() -> vm.controls().samplerProperty().get()));
    assertEquals(9, fx(() -> vm.controls().stepsProperty().get()));
    assertEquals(7.5, fx(() -> vm.controls().guidanceProperty().get()));
    assertEquals("17", fx(() -> vm.seeds().seedTextProperty().get()), "without the seed it stays");
    assertFalse(fx(window::galleryShown), "the generate view is in front");

    fx(
        () -> {
          gallery.reuse(true);
          return null;
        });
    assertEquals("4242", fx(() -> vm.seeds().seedTextProperty().get()));
    assertTrue(
        fx(() -> vm.seeds().seedLockedProperty().get()), "Generate reuses the recipe's seed");
  }

  @Test
  void openingAnA1111PngFillsTheControlsWithANoticeForTheMappedSampler(FxRobot robot)
      throws Exception {
    Button open = robot.lookup("#openParameters").queryAs(Button.class);
    assertTrue(open.getGraphic() instanceof FontIcon, "the action has an Ikonli icon");
    assertTrue(
        fx(() -> window.shortcuts().stream().anyMatch(k -> k.description().contains("parameters"))),
        "the action has a shortcut in the help");
    Path png = files.resolve("other-tool.png");
    Map<String, String> text = new LinkedHashMap<>();
    text.put(
        "parameters",
        "a castle\non a hill\nNegative prompt: fog\nSteps: 12, Sampler: DPM++ 2M SDE,"
            + " Schedule type: Karras, CFG scale: 6, Seed: 99, Size: 32x32, Model: tiny-sd");
    PngImage.write(png, 2, 2, new byte[12], text);
    parts.openParameters(png).get(LIMIT_S, TimeUnit.SECONDS);
    assertEquals("a castle\non a hill", fx(() -> vm.controls().promptProperty().get()));
    assertEquals("fog", fx(() -> vm.controls().negativePromptProperty().get()));
    assertEquals(12, fx(() -> vm.controls().stepsProperty().get()));
    assertEquals(6.0, fx(() -> vm.controls().guidanceProperty().get()));
    assertEquals("99", fx(() -> vm.seeds().seedTextProperty().get()));
    assertEquals(Sampler.DPMPP_2M, fx(() -> vm.controls().samplerProperty().get()));
    assertTrue(fx(() -> vm.controls().karrasProperty().get()));
    String status = fx(() -> vm.status().statusProperty().get());
    assertTrue(status.contains("DPM++ 2M SDE") && status.contains("nearest"), status);
    assertEquals("", fx(() -> vm.status().errorProperty().get()));
  }

  @Test
  void aPngDroppedOnTheWindowFillsTheControls() throws Exception {
    Path png = files.resolve("dropped.png");
    PngImage.write(
        png,
        2,
        2,
        new byte[12],
        Map.of(
            "parameters",
            "a dropped moon\nSteps: 7, Sampler: Euler, CFG scale: 3, Seed: 5," + " Size: 32x32"));
    boolean[] accepted = new boolean[2];
    fx(
        () -> {
          // Robot drag gestures are flaky under Monocle, so the window's drag handlers get
          // synthetic events over a local (in-process) dragboard.
          Class.forName(Dragboard.class.getName(), true, Dragboard.class.getClassLoader());
          Dragboard db = DragboardHelper.createDragboard(dragClipboard());
          DragboardHelper.setDataAccessRestriction(db, false);
          ClipboardContent content = new ClipboardContent();
          content.putFiles(List.of(png.toFile()));
          db.setContent(content);
          DragEvent over =
              new DragEvent(
                  DragEvent.DRAG_OVER, db, 5, 5, 5, 5, TransferMode.COPY, null, null, null);
          Event.fireEvent(window.root(), over);
          accepted[0] = over.isAccepted();
          DragEvent drop =
              new DragEvent(
                  DragEvent.DRAG_DROPPED, db, 5, 5, 5, 5, TransferMode.COPY, null, null, null);
          Event.fireEvent(window.root(), drop);
          accepted[1] = drop.isDropCompleted();
          return null;
        });
    assertTrue(accepted[0], "a dragged file is accepted");
    assertTrue(accepted[1], "the drop is completed");
    waitFor(() -> vm.controls().promptProperty().get().equals("a dropped moon"));
    assertEquals(7, fx(() -> vm.controls().stepsProperty().get()));
    assertEquals(Sampler.EULER, fx(() -> vm.controls().samplerProperty().get()));
    assertEquals("5", fx(() -> vm.seeds().seedTextProperty().get()));
  }

  /** An in-process clipboard that, like a real drag source, offers COPY. */
  private static TKClipboard dragClipboard() {
    TKClipboard local = Toolkit.getToolkit().createLocalClipboard();
    return (TKClipboard)
        Proxy.newProxyInstance(
            TKClipboard.class.getClassLoader(),
            new Class<?>[] {TKClipboard.class},
            (proxy, method, args) ->
                method.getName().equals("getTransferModes")
                    ? Set.of(TransferMode.COPY)
                    : method.invoke(local, args));
  }

  /** Issue 14: the explorer shows the init image noised to where the img2img run starts. */
  @Test
  void anInitImageIsTheExplorersPictureAtTheStrengthsTimestep() throws Exception {
    byte[] rgb = new byte[32 * 32 * 3];
    java.util.Arrays.fill(rgb, (byte) 200);
    dev.stepwise.engine.RgbImage init = new dev.stepwise.engine.RgbImage(32, 32, rgb);
    fx(
        () -> {
          vm.useInitImage(init, "test");
          vm.initImage().strengthProperty().set(0.5);
          return null;
        });
    double t = fx(() -> parts.explain().strengthTimestepProperty().get());
    assertTrue(t > 0 && t < 999, "a start inside the schedule: " + t);
    assertEquals((int) Math.round(t), fx(() -> parts.explain().explorerTimestepProperty().get()));
    assertSame(init, fx(() -> parts.explain().offeredImageProperty().get()));
    fx(
        () -> {
          vm.initImage().strengthProperty().set(1.0);
          return null;
        });
    double t1 = fx(() -> parts.explain().strengthTimestepProperty().get());
    assertTrue(t1 > t, t1 + " after " + t);
    assertEquals((int) Math.round(t1), fx(() -> parts.explain().explorerTimestepProperty().get()));
  }

  @Test
  void aComfyUiPngOrANonPngGivesOneSentenceAndLeavesTheControls() throws Exception {
    Path comfy = files.resolve("comfy.png");
    PngImage.write(
        comfy, 2, 2, new byte[12], Map.of("prompt", "{\"3\": {\"inputs\": {}}}", "workflow", "{}"));
    parts.openParameters(comfy).get(LIMIT_S, TimeUnit.SECONDS);
    String error = fx(() -> vm.status().errorProperty().get());
    assertTrue(error.contains("ComfyUI"), error);
    assertOneSentence(error);
    assertEquals("a red heart", fx(() -> vm.controls().promptProperty().get()));

    Path text = Files.writeString(files.resolve("notes.png"), "not an image");
    parts.openParameters(text).get(LIMIT_S, TimeUnit.SECONDS);
    String again = fx(() -> vm.status().errorProperty().get());
    assertFalse(again.contains("ComfyUI"), again);
    assertOneSentence(again);
    assertEquals("a red heart", fx(() -> vm.controls().promptProperty().get()));
  }

  private static void assertOneSentence(String s) {
    assertTrue(s.endsWith("."), s);
    assertFalse(s.contains("\n"), s);
    assertFalse(s.contains("Exception"), s);
  }
}
