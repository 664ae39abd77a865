package dev.stepwise.app;

import dev.stepwise.app.settings.Theme;
import dev.stepwise.app.studio.GenerationSettings;
import dev.stepwise.app.studio.ModelChoice;
import dev.stepwise.app.studio.StudioViewModel;
import dev.stepwise.app.studio.StudioWindow;
import dev.stepwise.engine.TestPacks;
import dev.stepwise.engine.service.SamplingService;
import dev.stepwise.gallery.Library;
import dev.stepwise.recipe.Sampler;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import javafx.application.Platform;
import javafx.scene.Node;
import javafx.scene.Parent;
import javafx.scene.text.Text;
import javafx.stage.Stage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.ExtendWith;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.util.WaitForAsyncUtils;

/**
 * The whole studio on Monocle with the tiny pack, as the application builds it: the window with its
 * timeline, explain view and a gallery over a temporary library, in a stage of {@link #width()} x
 * {@link #height()}. A test class extends it and opens it from its {@code @Start} method.
 */
@ExtendWith(ApplicationExtension.class)
public abstract class StudioHarness {
  protected static final long LIMIT_S = 120;
  private static SamplingService service;
  private static final ExecutorService IO =
      Executors.newSingleThreadExecutor(
          r -> {
            Thread t = new Thread(r, "harness-io");
            t.setDaemon(true);
            return t;
          });

  protected StudioViewModel vm;
  protected StudioWindow window;
  protected StudioParts parts;
  protected Stage stage;
  protected Path libraryDir;

  @BeforeAll
  static void engine() {
    service = new SamplingService(TestPacks.tinySd());
  }

  @AfterAll
  static void stopEngine() {
    service.close();
  }

  /** The stage's width: the studio's default unless a test says otherwise. */
  protected double width() {
    return 1200;
  }

  /** The stage's height. */
  protected double height() {
    return 780;
  }

  /** The settings the window opens with. */
  protected GenerationSettings settings() {
    return new GenerationSettings(
        "a red heart", "", 5, 4, "0", false, Sampler.DDIM, false, 0, 0, 1, "");
  }

  /**
   * Builds the studio in {@code stage}; each test class calls it from its own {@code @Start} method
   * (TestFX looks for that method in the test class only).
   */
  protected void open(Stage stage) throws Exception {
    this.stage = stage;
    libraryDir = Files.createTempDirectory("stepwise-harness");
    fillLibrary(libraryDir);
    vm = new StudioViewModel(Platform::runLater, IO, new Random(1));
    vm.apply(settings(), List.of(new ModelChoice("tiny-sd (built-in)", TestPacks.tinySd(), true)));
    vm.attach(service);
    window = new StudioWindow(vm, Theme.LIGHT);
    window.setPopupErrors(false);
    Path lib = libraryDir;
    parts = new StudioParts(vm, window, () -> Library.open(lib));
    stage.setScene(window.createScene(width(), height()));
    stage.show();
  }

  /** Puts what a test needs into the library folder before the studio opens it. */
  protected void fillLibrary(Path dir) throws Exception {}

  /**
   * The text the skin of {@code l} draws: its label, shortened with "..." when it does not fit (the
   * skin's LabeledText, not an icon's glyph; a menu button draws it in an inner label).
   */
  protected static String shownText(Parent l) {
    for (Node c : l.getChildrenUnmodifiable()) {
      if (c instanceof Text t && c.getClass().getSimpleName().equals("LabeledText")) {
        return t.getText();
      }
    }
    for (Node c : l.getChildrenUnmodifiable()) {
      if (c instanceof Parent p) {
        String s = shownText(p);
        if (s != null) {
          return s;
        }
      }
    }
    return null;
  }

  @AfterEach
  void closeParts() throws Exception {
    fx(
        () -> {
          parts.close();
          return null;
        });
  }

  /** Runs {@code c} on the FX thread and returns its value. */
  protected static <T> T fx(Callable<T> c) throws Exception {
    return WaitForAsyncUtils.asyncFx(c).get(LIMIT_S, TimeUnit.SECONDS);
  }

  /** Runs {@code r} on the FX thread. */
  protected static void onFx(Runnable r) throws Exception {
    fx(
        () -> {
          r.run();
          return null;
        });
  }

  /** Waits until {@code c} holds on the FX thread; on time-out says what the studio shows. */
  protected void waitFor(Callable<Boolean> c) throws Exception {
    try {
      WaitForAsyncUtils.waitFor(LIMIT_S, TimeUnit.SECONDS, () -> fx(c));
    } catch (java.util.concurrent.TimeoutException e) {
      throw new AssertionError(
          "timed out; error="
              + fx(() -> vm.status().errorProperty().get())
              + " status="
              + fx(() -> vm.status().statusProperty().get()),
          e);
    }
  }

  /** Waits until the model is read. */
  protected void modelRead() throws Exception {
    waitFor(() -> vm.model().factsProperty().get() != null);
  }

  /** Generates with the controls as they are and waits for {@code results} finished images. */
  protected void generateAndWait(int results) throws Exception {
    onFx(vm::generate);
    waitFor(() -> vm.jobs().results().size() == results && vm.jobs().queue().isEmpty());
    parts.savesDone().get(LIMIT_S, TimeUnit.SECONDS);
  }
}
