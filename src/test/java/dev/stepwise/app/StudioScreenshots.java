package dev.stepwise.app;

import dev.stepwise.app.explain.ExplainPane;
import dev.stepwise.app.explain.ExplainViewModel;
import dev.stepwise.app.settings.Theme;
import dev.stepwise.app.studio.GenerationSettings;
import dev.stepwise.app.studio.ModelCatalog;
import dev.stepwise.app.studio.StudioViewModel;
import dev.stepwise.app.studio.StudioWindow;
import dev.stepwise.engine.service.SamplingService;
import dev.stepwise.gallery.Library;
import dev.stepwise.metadata.PngImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import javafx.application.Platform;
import javafx.scene.Scene;
import javafx.scene.image.PixelReader;
import javafx.scene.image.WritableImage;
import javafx.stage.Stage;

/**
 * Takes the README's step sequence: the studio window with the built-in model, one run, then the
 * timeline scrubbed to steps 1, 5, 10 and 20, each shown on the live canvas, snapshotted as the
 * window draws it. Not a test; run by hand under a display (assets/README.md has the command):
 *
 * <pre>
 * xvfb-run -s "-screen 0 1400x900x24" java -Dprism.order=sw \
 *     -cp "target/test-classes:target/classes:target/lib/*" \
 *     dev.stepwise.app.StudioScreenshots OUT_DIR
 * </pre>
 *
 * Writes {@code OUT_DIR/window-stepNN.png} (the whole window) for each step, {@code
 * OUT_DIR/explain-view.png} (docs/explain-view.png: the explain view for that run) and {@code
 * OUT_DIR/lightbox.png} (assets/lightbox.png: the finished image in the lightbox at 800x520). With
 * a second argument {@code inpaint} it writes {@code OUT_DIR/window-inpaint.png} instead (see
 * {@link #inpaint}).
 */
public final class StudioScreenshots {
  private static final int[] STEPS = {1, 5, 10, 20};

  private StudioScreenshots() {}

  public static void main(String[] args) throws Exception {
    Path out = Path.of(args.length > 0 ? args[0] : "target/screenshots");
    Files.createDirectories(out);
    Path library = Files.createTempDirectory("stepwise-screenshots");
    CountDownLatch up = new CountDownLatch(1);
    Platform.startup(up::countDown);
    up.await();
    ExecutorService io = Executors.newSingleThreadExecutor();
    ModelCatalog catalog = ModelCatalog.standard();
    SamplingService service = new SamplingService(catalog.builtIn());
    CompletableFuture<Object[]> shown = new CompletableFuture<>();
    Platform.runLater(
        () -> {
          StudioViewModel vm = new StudioViewModel(Platform::runLater, io, new Random(1));
          GenerationSettings d = GenerationSettings.defaults();
          vm.apply(d, catalog.list());
          vm.controls().promptProperty().set("grinning cat, twemoji style");
          vm.seeds().seedTextProperty().set("42");
          vm.seeds().seedLockedProperty().set(true);
          vm.controls().stepsProperty().set(20);
          StudioWindow window = new StudioWindow(vm, Theme.LIGHT);
          StudioParts parts = new StudioParts(vm, window, () -> Library.open(library));
          Stage stage = new Stage();
          stage.setScene(window.createScene(1200, 780));
          stage.setTitle("Stepwise");
          stage.show();
          vm.attach(service);
          shown.complete(new Object[] {vm, window, parts, stage});
        });
    Object[] o = shown.get(60, TimeUnit.SECONDS);
    StudioViewModel vm = (StudioViewModel) o[0];
    StudioParts parts = (StudioParts) o[2];
    Stage stage = (Stage) o[3];
    runAndWait(vm, parts, 1);
    if (args.length > 1 && "inpaint".equals(args[1])) {
      inpaint(vm, parts, stage, out);
    } else if (args.length > 1 && "sketch".equals(args[1])) {
      sketch(vm, parts, stage, out);
    } else {
      steps(parts, stage, out);
      explainView(vm, out);
      lightbox(parts, out);
    }
    service.close();
    io.shutdownNow();
    Platform.exit();
    System.exit(0);
  }

  private static void runAndWait(StudioViewModel vm, StudioParts parts, int results)
      throws Exception {
    onFx(vm::generate);
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
    while (onFx(() -> vm.jobs().results().size() < results || !vm.jobs().queue().isEmpty())) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            "the run did not finish: " + onFx(() -> vm.status().statusProperty().get()));
      }
      Thread.sleep(200);
    }
    parts.savesDone().get(60, TimeUnit.SECONDS);
  }

  /**
   * {@code window-inpaint.png} (with the argument {@code inpaint}): the cat sent to img2img, a mask
   * painted over its mouth, inpainted as "cat with tears of joy" at strength 1 (DDIM, 20 steps,
   * seed 42), the init image area and the result on the canvas.
   */
  private static void inpaint(StudioViewModel vm, StudioParts parts, Stage stage, Path out)
      throws Exception {
    onFx(
        () -> {
          var first = vm.jobs().results().get(0);
          vm.useInitImage(first.image(), "result seed " + first.seed());
          var init = vm.initImage();
          int w = first.image().width();
          int h = first.image().height();
          init.strengthProperty().set(1.0);
          init.brushSizeProperty().set(w / 5);
          init.beginStroke(w * 0.28, h * 0.42);
          init.continueStroke(w * 0.72, h * 0.42);
          vm.controls().promptProperty().set("cat with tears of joy, twemoji style");
          return null;
        });
    runAndWait(vm, parts, 2);
    Thread.sleep(500);
    write(onFx(() -> stage.getScene().snapshot(null)), out, "window-inpaint.png");
  }

  /**
   * {@code window-sketch.png} (with the argument {@code sketch}): a white 128 px picture sent to
   * img2img, a yellow face with two eyes and a mouth sketched on it with the colour brush, finished
   * as "grinning face, twemoji style" at strength 0.8 (DDIM, 20 steps, seed 42): the sketch in the
   * init image area and the result on the canvas.
   */
  private static void sketch(StudioViewModel vm, StudioParts parts, Stage stage, Path out)
      throws Exception {
    onFx(
        () -> {
          byte[] white = new byte[128 * 128 * 3];
          java.util.Arrays.fill(white, (byte) 255);
          vm.useInitImage(new dev.stepwise.engine.RgbImage(128, 128, white), "blank");
          var init = vm.initImage();
          init.strengthProperty().set(0.8);
          var brush = init.brush();
          brush.sketchingProperty().set(true);
          brush.colorProperty().set(0xF5C33B); // the face: rows of a wide brush
          brush.sizeProperty().set(24);
          for (int y = 24; y <= 104; y += 10) {
            double half = Math.sqrt(Math.max(0, 44 * 44 - (y - 64) * (y - 64)));
            init.beginStroke(64 - half, y);
            init.continueStroke(64 + half, y);
          }
          brush.colorProperty().set(0x3A2A1E); // eyes and mouth
          brush.sizeProperty().set(10);
          for (double x : new double[] {48, 80}) {
            init.beginStroke(x, 48);
            init.continueStroke(x, 58);
          }
          init.beginStroke(44, 78);
          init.continueStroke(64, 90);
          init.continueStroke(84, 78);
          vm.controls().promptProperty().set("grinning face, twemoji style");
          return null;
        });
    runAndWait(vm, parts, 2);
    Thread.sleep(500);
    write(onFx(() -> stage.getScene().snapshot(null)), out, "window-sketch.png");
  }

  private static void steps(StudioParts parts, Stage stage, Path out) throws Exception {
    onFx(
        () -> { // the Timeline tab under the canvas, so the chosen step shows in the filmstrip too
          for (javafx.scene.Node n : stage.getScene().getRoot().lookupAll(".tab-pane")) {
            javafx.scene.control.TabPane tabs = (javafx.scene.control.TabPane) n;
            tabs.getTabs().stream()
                .filter(t -> "timelineTab".equals(t.getId()))
                .findFirst()
                .ifPresent(t -> tabs.getSelectionModel().select(t));
          }
          return null;
        });
    Thread.sleep(500);
    for (int step : STEPS) {
      onFx(
          () -> {
            parts.timeline().selectedStepProperty().set(step - 1);
            return null;
          });
      Thread.sleep(400); // a few pulses: the canvas draws the pinned frame
      write(
          onFx(() -> stage.getScene().snapshot(null)),
          out,
          String.format("window-step%02d.png", step));
    }
  }

  /** assets/lightbox.png: the finished image in the lightbox at 800x520. */
  private static void lightbox(StudioParts parts, Path out) throws Exception {
    Stage box =
        onFx(
            () -> {
              parts.viewResult(0);
              Stage s = parts.lightbox().stage();
              s.setWidth(800);
              s.setHeight(520);
              return s;
            });
    Thread.sleep(600);
    write(onFx(() -> box.getScene().snapshot(null)), out, "lightbox.png");
  }

  /**
   * docs/explain-view.png: the explain view alone at 900x790 for the run just made (DDIM, 20 steps,
   * step 7 current), the forward-process explorer on the finished cat at t = 300, latent space on.
   */
  private static void explainView(StudioViewModel vm, Path out) throws Exception {
    ExplainViewModel explain = new ExplainViewModel();
    Stage stage =
        onFx(
            () -> {
              var facts = vm.model().factsProperty().get();
              explain.setModel(facts.folder(), facts.scheduler(), "ddim", false, 20);
              explain.setCurrentStep(6);
              explain.offerImage(vm.jobs().results().get(0).image());
              explain.explorerTimestepProperty().set(300);
              explain.latentEnabledProperty().set(true);
              Stage s = new Stage();
              s.setScene(new Scene(new ExplainPane(explain), 900, 790));
              s.getScene().getStylesheets().setAll(Theme.LIGHT.stylesheet());
              s.show();
              return s;
            });
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
    while (onFx(() -> explain.latentDecodedProperty().get() == null)) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            "the latent explorer did not finish: " + onFx(explain.latentStatusProperty()::get));
      }
      Thread.sleep(200);
    }
    Thread.sleep(400);
    write(onFx(() -> stage.getScene().snapshot(null)), out, "explain-view.png");
    onFx(
        () -> {
          stage.close();
          explain.close();
          return null;
        });
  }

  /** Writes {@code shot} as an RGB PNG {@code out/name}. */
  private static void write(WritableImage shot, Path out, String name) {
    int w = (int) shot.getWidth();
    int h = (int) shot.getHeight();
    PixelReader r = shot.getPixelReader();
    byte[] rgb = new byte[w * h * 3]; // [h, w, 3]
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        int argb = r.getArgb(x, y);
        int i = (y * w + x) * 3;
        rgb[i] = (byte) (argb >> 16);
        rgb[i + 1] = (byte) (argb >> 8);
        rgb[i + 2] = (byte) argb;
      }
    }
    Path file = out.resolve(name);
    PngImage.write(file, w, h, rgb, Map.of());
    System.out.println("wrote " + file);
  }

  private static <T> T onFx(java.util.concurrent.Callable<T> work) throws Exception {
    CompletableFuture<T> f = new CompletableFuture<>();
    Platform.runLater(
        () -> {
          try {
            f.complete(work.call());
          } catch (Exception e) {
            f.completeExceptionally(e);
          }
        });
    return f.get(60, TimeUnit.SECONDS);
  }
}
