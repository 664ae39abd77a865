package dev.stepwise.app;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stepwise.app.gallery.GalleryViewModel;
import dev.stepwise.app.studio.GenerationSettings;
import dev.stepwise.app.studio.ModelChoice;
import dev.stepwise.engine.TestPacks;
import dev.stepwise.engine.explain.SamplerPlan;
import dev.stepwise.gallery.Library;
import dev.stepwise.gallery.Recipe;
import dev.stepwise.metadata.PngImage;
import dev.stepwise.recipe.Sampler;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javafx.scene.Node;
import javafx.scene.control.CheckBox;
import javafx.scene.control.ComboBox;
import javafx.scene.control.Label;
import javafx.scene.control.MenuButton;
import javafx.scene.control.MenuItem;
import javafx.scene.control.TextField;
import javafx.scene.input.KeyCode;
import javafx.stage.Stage;
import org.junit.jupiter.api.Test;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

/**
 * What a new user tripped on (issue 16, items 3, 4, 6, 7 and 8), in the whole studio; each test
 * fails on the studio before the fix. The library holds one flat orange image from before.
 */
class StudioWorkflowTest extends StudioHarness {
  private static final byte[] ORANGE = new byte[32 * 32 * 3];

  static {
    for (int p = 0; p < ORANGE.length; p += 3) {
      ORANGE[p] = (byte) 240;
      ORANGE[p + 1] = (byte) 130;
    }
  }

  @Start
  void start(Stage s) throws Exception {
    open(s);
  }

  @Override
  protected GenerationSettings settings() { // a first start's empty, unlocked seed field
    return new GenerationSettings(
        "a red heart", "", 5, 4, "", false, Sampler.DDIM, false, 0, 0, 1, "");
  }

  @Override
  protected void fillLibrary(Path dir) {
    try (Library lib = Library.open(dir)) {
      lib.save(
          32,
          32,
          ORANGE,
          new Recipe(
              "an orange",
              "",
              "tiny-sd",
              "",
              "ddim",
              false,
              4,
              5,
              0,
              7,
              32,
              32,
              10,
              "Stepwise",
              Instant.now(),
              Map.of()));
    }
  }

  private GalleryViewModel gallery(int images) throws Exception {
    waitFor(
        () ->
            parts.galleryProperty().get() != null
                && parts.galleryProperty().get().images().size() == images);
    return fx(() -> parts.galleryProperty().get());
  }

  private static double y(Node n) throws Exception {
    return fx(() -> n.localToScene(n.getLayoutBounds()).getMinY());
  }

  @Test
  void karrasIsOfferedOnlyWithTheSamplersThatTakeIt(FxRobot robot) throws Exception {
    modelRead();
    CheckBox karras = robot.lookup("#karras").queryAs(CheckBox.class);
    for (Sampler s : Sampler.values()) {
      onFx(() -> vm.controls().samplerProperty().set(s));
      assertEquals(!s.takesKarras(), karras.isDisabled(), s.cliName());
    }
    onFx(() -> vm.controls().samplerProperty().set(Sampler.EULER));
    robot.clickOn("#karras");
    assertTrue(fx(() -> vm.controls().karrasProperty().get()));
    onFx(() -> vm.controls().samplerProperty().set(Sampler.DDIM));
    assertFalse(fx(karras::isSelected), "DDIM clears it");
    assertTrue(karras.getTooltip().getText().startsWith("DDIM has its own noise levels"));
    GenerationSettings old =
        new GenerationSettings("a", "", 5, 4, "", false, Sampler.DDPM, true, 32, 32, 1, "");
    onFx(() -> vm.apply(old, List.of(new ModelChoice("tiny-sd", TestPacks.tinySd(), true))));
    assertFalse(fx(() -> vm.controls().karrasProperty().get()), "remembered DDPM + Karras");
    assertEquals(
        "Karras sigmas work with Euler, Euler a and DPM++ 2M, not with DDPM.", old.problem(8));
  }

  @Test
  void aFailedJobLeavesThePreviousImageAlone(FxRobot robot) throws Exception {
    modelRead();
    generateAndWait(1);
    byte[] last = fx(() -> parts.timeline().frameAt(3).image().rgb());
    SamplerPlan plan = fx(() -> parts.explain().planProperty().get());
    int[] canvas = fx(() -> vm.live().frameProperty().get().argb());
    onFx(
        () -> { // a separate VAE that is not there: the job fails once it has started
          vm.controls().vaeProperty().set(libraryDir.resolve("gone.safetensors").toString());
          vm.controls().stepsProperty().set(7);
        });
    onFx(vm::generate);
    waitFor(() -> vm.jobs().queue().isEmpty() && !vm.status().errorProperty().get().isEmpty());
    assertTrue(fx(() -> vm.status().statusProperty().get()).matches("Job #\\d+ failed\\."));
    assertEquals("Failed", robot.lookup("#stepLabel").queryAs(Label.class).getText());
    assertEquals(4, fx(() -> parts.timeline().frames().size()), "the timeline stays");
    assertArrayEquals(last, fx(() -> parts.timeline().frameAt(3).image().rgb()));
    assertSame(plan, fx(() -> parts.explain().planProperty().get()), "the explain view stays");
    assertArrayEquals(canvas, fx(() -> vm.live().frameProperty().get().argb()));
    assertEquals(1, fx(() -> vm.jobs().results().size()));
    onFx(() -> vm.controls().vaeProperty().set(""));
    generateAndWait(2);
    assertEquals(7, fx(() -> parts.timeline().frames().size()), "the next job follows as before");
  }

  @Test
  void controlsStayPutWhenTheUnknownWordWarningComesAndGoes(FxRobot robot) throws Exception {
    modelRead();
    Label warning = robot.lookup("#unknownWords").queryAs(Label.class);
    Node negative = robot.lookup("#negativePrompt").query();
    double before = y(negative);
    robot.clickOn("#prompt").press(KeyCode.CONTROL, KeyCode.A).release(KeyCode.A, KeyCode.CONTROL);
    robot.write("a red zebra with a blue giraffe and an orange platypus");
    waitFor(warning::isVisible);
    WaitForAsyncUtils.waitForFxEvents();
    assertEquals(before, y(negative), "the negative prompt stays where it was");
    assertTrue(fx(() -> warning.getTooltip().getText()).contains("platypus"));
    onFx(() -> vm.controls().promptProperty().set("a red heart"));
    waitFor(() -> !warning.isVisible());
    assertEquals(before, y(negative));
  }

  @Test
  void theSeedFieldSaysRandomUntilGenerateShowsTheDrawnSeed(FxRobot robot) throws Exception {
    modelRead();
    TextField seed = robot.lookup("#seed").queryAs(TextField.class);
    assertEquals("", fx(seed::getText), "not 0: Generate does not use 0");
    assertEquals("random", seed.getPromptText());
    generateAndWait(1);
    assertEquals(Long.toString(fx(() -> vm.jobs().results().get(0).seed())), fx(seed::getText));
    onFx(() -> vm.seeds().seedTextProperty().set(""));
    onFx(() -> vm.seeds().seedLockedProperty().set(true)); // locks a seed drawn now
    assertTrue(fx(seed::getText).matches("\\d+"));
  }

  @Test
  void theResultsStripShowsTheNewestImage() throws Exception {
    modelRead();
    onFx(
        () -> {
          vm.controls().batchProperty().set(14);
          vm.controls().stepsProperty().set(1);
        });
    generateAndWait(14);
    WaitForAsyncUtils.waitForFxEvents();
    var strip = window.resultsStrip();
    assertEquals(fx(strip::getHmax), fx(strip::getHvalue), "scrolled to the end");
    Node last = fx(() -> strip.lookupAll(".result-cell").stream().reduce((a, b) -> b).get());
    assertTrue(
        fx(
            () ->
                last.localToScene(last.getLayoutBounds()).getMaxX()
                    <= strip.localToScene(strip.getLayoutBounds()).getMaxX() + 0.5));
  }

  @Test
  void aNewImageClearsTheOldExportSentenceAndOneToOneCentres(FxRobot robot) throws Exception {
    modelRead();
    generateAndWait(1);
    fx(() -> parts.timeline().exportGif(libraryDir.resolve("s.gif")))
        .get(LIMIT_S, TimeUnit.SECONDS);
    assertEquals("Saved 4 frames as s.gif.", fx(() -> parts.timeline().statusProperty().get()));
    var canvas = window.canvas().canvas();
    onFx(() -> window.canvas().zoomToFit(false));
    WaitForAsyncUtils.waitForFxEvents();
    Node view = canvas.view();
    double[] c =
        fx(
            () ->
                new double[] {
                  view.localToScene(view.getLayoutBounds()).getCenterX(),
                      canvas.localToScene(canvas.getLayoutBounds()).getCenterX(),
                  view.localToScene(view.getLayoutBounds()).getCenterY(),
                      canvas.localToScene(canvas.getLayoutBounds()).getCenterY()
                });
    assertEquals(c[1], c[0], 1.5, "1:1 centres the 32x32 picture");
    assertEquals(c[3], c[2], 1.5);
    onFx(() -> vm.controls().stepsProperty().set(60));
    onFx(vm::generate);
    waitFor(() -> parts.timeline().totalStepsProperty().get() == 60);
    assertEquals("", fx(() -> parts.timeline().statusProperty().get()));
    waitFor(() -> vm.jobs().queue().isEmpty());
  }

  @Test
  void aResultTheSearchHidesClearsTheFiltersAndSaysSo(FxRobot robot) throws Exception {
    modelRead();
    generateAndWait(1);
    GalleryViewModel g = gallery(2);
    long id = fx(() -> g.images().get(0).id());
    @SuppressWarnings("unchecked")
    ComboBox<String> album = robot.lookup("#gallery-filter").queryAs(ComboBox.class);
    onFx(
        () -> {
          g.filters().search().set("zebra");
          album.setValue("holiday");
        });
    waitFor(() -> g.images().isEmpty());
    robot.clickOn(".result-cell");
    waitFor(() -> g.focused().get() != null);
    assertTrue(fx(() -> g.images().stream().anyMatch(i -> i.id() == id)), "the grid shows it");
    assertEquals(id, fx(() -> g.focused().get().id()));
    assertEquals("All images", fx(album::getValue));
    long seed = fx(() -> vm.jobs().results().get(0).seed());
    assertEquals(
        "The gallery's search and filters were cleared to show the image with seed " + seed + ".",
        fx(() -> vm.status().statusProperty().get()));
  }

  @Test
  void reuseAndOpenedParametersTakeTheOldPictureOffTheCanvas(FxRobot robot) throws Exception {
    modelRead();
    generateAndWait(1);
    GalleryViewModel g = gallery(2);
    onFx(
        () -> {
          g.select(g.images().get(0), false);
          g.reuse(false);
        });
    assertNull(fx(() -> window.canvas().canvas().view().getImage()), "Reuse empties the canvas");
    assertTrue(robot.lookup("#canvasEmpty").query().isVisible());
    generateAndWait(2);
    Path png = libraryDir.resolve("other.png");
    PngImage.write(png, 2, 2, new byte[12], Map.of("parameters", "a moon\nSteps: 3, Seed: 9"));
    parts.openParameters(png).get(LIMIT_S, TimeUnit.SECONDS);
    assertNull(fx(() -> window.canvas().canvas().view().getImage()), "so do opened parameters");
  }

  @Test
  void theExplorerStartsFromTheUsersPictureAndKeepsAnOpenedOne() throws Exception {
    var explain = parts.explain();
    waitFor(() -> explain.offeredImageProperty().get() != null);
    assertArrayEquals(
        ORANGE, fx(() -> explain.sourceImageProperty().get().rgb()), "the library's newest");
    modelRead();
    generateAndWait(1);
    assertSame(
        fx(() -> vm.jobs().results().get(0).image()),
        fx(() -> explain.sourceImageProperty().get()));
    Path own = libraryDir.resolve("own.png");
    PngImage.write(own, 4, 4, new byte[48], Map.of());
    onFx(() -> explain.loadImage(own));
    waitFor(() -> explain.sourceImageProperty().get().width() == 4);
    generateAndWait(2);
    assertEquals(4, fx(() -> explain.sourceImageProperty().get().width()), "the opened one stays");
    onFx(
        () ->
            ((javafx.scene.control.Button) window.explainSlot().lookup("#explain-last-image"))
                .fire());
    assertSame(
        fx(() -> vm.jobs().results().get(1).image()),
        fx(() -> explain.sourceImageProperty().get()));
  }

  @Test
  void theSizePresetsMenuOffersTheModelsOwnSizeAndSetsIt(FxRobot robot) throws Exception {
    modelRead();
    MenuButton presets = robot.lookup("#sizePresets").queryAs(MenuButton.class);
    assertEquals(
        List.of("32 × 32 (the model's own)"),
        fx(() -> presets.getItems().stream().map(MenuItem::getText).toList()));
    onFx(() -> vm.controls().widthProperty().set(64));
    onFx(() -> presets.getItems().get(0).fire());
    assertEquals(32, fx(() -> vm.controls().widthProperty().get()));
  }

  @Test
  void aSizeAboveTheModelsOwnIsWarnedAboutAndStillRuns(FxRobot robot) throws Exception {
    modelRead();
    Label sign = robot.lookup("#sizeWarning").queryAs(Label.class);
    Node height = robot.lookup("#height").query();
    assertFalse(fx(sign::isVisible), "32x32 is the tiny pack's own size");
    double x = fx(() -> height.localToScene(height.getLayoutBounds()).getMinX());
    onFx(() -> vm.controls().widthProperty().set(64));
    String said =
        "The model was trained at 32x32 pixels; at 64x32 it often repeats or fuses the subject.";
    assertEquals(said, fx(() -> sign.isVisible() ? sign.getTooltip().getText() : ""));
    assertEquals(x, fx(() -> height.localToScene(height.getLayoutBounds()).getMinX()), "no shift");
    generateAndWait(1);
    assertTrue(fx(() -> vm.status().statusProperty().get()).endsWith(said));
    onFx(() -> vm.controls().widthProperty().set(24));
    assertFalse(fx(sign::isVisible));
  }
}
