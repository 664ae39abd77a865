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
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import javafx.application.Platform;
import javafx.geometry.Bounds;
import javafx.scene.Node;
import javafx.scene.Parent;
import javafx.scene.control.TabPane;
import javafx.scene.text.Text;
import javafx.stage.Stage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.ExtendWith;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.util.WaitForAsyncUtils;

/**
 * The whole studio on Monocle with the tiny pack, as the application builds it (timeline, explain
 * view, a gallery over a temporary library), 1200x780. TestFX finds {@code @Start} only in the test
 * class, which calls {@link #open}.
 */
@ExtendWith(ApplicationExtension.class)
public abstract class StudioHarness {
  protected static final long LIMIT_S = 120;
  private static final Executor IO =
      Executors.newSingleThreadExecutor(
          r -> {
            Thread t = new Thread(r, "harness-io");
            t.setDaemon(true);
            return t;
          });
  private static SamplingService service;
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

  /** The settings the window opens with. */
  protected GenerationSettings settings() {
    return new GenerationSettings(
        "a red heart", "", 5, 4, "0", false, Sampler.DDIM, false, 0, 0, 1, "");
  }

  /** Puts what a test needs into the library folder before the studio opens it. */
  protected void fillLibrary(Path dir) {}

  /** Opens the studio in {@code s}: each test class calls it from its own {@code @Start}. */
  protected void open(Stage s) throws Exception {
    stage = s;
    libraryDir = Files.createTempDirectory("stepwise-harness");
    fillLibrary(libraryDir);
    vm = new StudioViewModel(Platform::runLater, IO, new Random(1));
    vm.apply(settings(), List.of(new ModelChoice("tiny-sd (built-in)", TestPacks.tinySd(), true)));
    vm.attach(service);
    window = new StudioWindow(vm, Theme.LIGHT);
    window.setPopupErrors(false);
    Path lib = libraryDir;
    parts = new StudioParts(vm, window, () -> Library.open(lib));
    s.setScene(window.createScene(1200, 780));
    s.show();
  }

  @AfterEach
  void closeParts() throws Exception {
    onFx(parts::close);
    try (var files = Files.walk(libraryDir)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    }
  }

  protected static <T> T fx(Callable<T> c) throws Exception {
    return WaitForAsyncUtils.asyncFx(c).get(LIMIT_S, TimeUnit.SECONDS);
  }

  protected static void onFx(Runnable r) throws Exception {
    fx(Executors.callable(r));
  }

  /** Waits until {@code c} holds on the FX thread; a time-out says what the status line says. */
  protected void waitFor(Callable<Boolean> c) throws Exception {
    try {
      WaitForAsyncUtils.waitFor(LIMIT_S, TimeUnit.SECONDS, () -> fx(c));
    } catch (java.util.concurrent.TimeoutException e) {
      throw new AssertionError(
          fx(() -> vm.status().errorProperty().get() + " / " + vm.status().statusProperty().get()),
          e);
    }
  }

  protected void modelRead() throws Exception {
    waitFor(() -> vm.model().factsProperty().get() != null);
  }

  /** Generates with the controls as they are; waits for {@code results} images, saved. */
  protected void generateAndWait(int results) throws Exception {
    onFx(vm::generate);
    waitFor(() -> vm.jobs().results().size() == results && vm.jobs().queue().isEmpty());
    parts.savesDone().get(LIMIT_S, TimeUnit.SECONDS);
  }

  /** Resizes the window to {@code w x h} and brings the tabs {@code tabIds} to the front. */
  protected void show(double w, double h, String... tabIds) throws Exception {
    onFx(
        () -> {
          stage.setWidth(w);
          stage.setHeight(h);
          for (Node n : stage.getScene().getRoot().lookupAll(".tab-pane")) {
            TabPane tabs = (TabPane) n;
            tabs.getTabs().stream()
                .filter(t -> java.util.Arrays.asList(tabIds).contains(t.getId()))
                .forEach(t -> tabs.getSelectionModel().select(t));
          }
        });
    WaitForAsyncUtils.waitForFxEvents();
    Thread.sleep(150); // a few pulses: the tab's content is laid out
    WaitForAsyncUtils.waitForFxEvents();
  }

  /**
   * What keeps the node {@code id} from being used (on the FX thread): missing (in a ">>" menu),
   * hidden, outside the window or (across; also down when {@code down}) a container around it, or a
   * label the skin shortened with "...". Null when none.
   */
  protected String layoutProblem(String id, boolean down) {
    Node n = stage.getScene().getRoot().lookup(id);
    if (n == null) {
      return id + " is not in the window";
    }
    Bounds b = n.localToScene(n.getLayoutBounds());
    for (Node p = n; p != null; p = p.getParent()) {
      Bounds pb =
          p == n
              ? stage.getScene().getRoot().getLayoutBounds()
              : p.localToScene(p.getLayoutBounds());
      if (!p.isVisible()) {
        return id + " is hidden";
      }
      if (b.getMinX() < pb.getMinX() - 0.5
          || b.getMaxX() > pb.getMaxX() + 0.5
          || down && (b.getMinY() < pb.getMinY() - 0.5 || b.getMaxY() > pb.getMaxY() + 0.5)) {
        return id
            + " at "
            + b
            + " is cut off by "
            + (p == n ? "the window" : p.getClass().getName());
      }
    }
    String text = n instanceof javafx.scene.control.Labeled l ? l.getText() : null;
    Parent cell =
        n instanceof javafx.scene.control.ComboBoxBase<?> ? (Parent) n.lookup(".list-cell") : null;
    if (cell instanceof javafx.scene.control.Labeled l) {
      text = l.getText();
      n = cell;
    }
    String shown = n instanceof Parent p ? shownText(p) : null;
    return text == null || text.isEmpty() || text.equals(shown)
        ? null
        : id + " shows \"" + shown + "\"";
  }

  /** The text the skin of {@code l} draws: its LabeledText (not an icon's glyph), searched down. */
  private static String shownText(Parent l) {
    for (Node c : l.getChildrenUnmodifiable()) {
      if (c instanceof Text t && c.getClass().getSimpleName().equals("LabeledText")) {
        return t.getText();
      }
    }
    for (Node c : l.getChildrenUnmodifiable()) {
      String s = c instanceof Parent p ? shownText(p) : null;
      if (s != null) {
        return s;
      }
    }
    return null;
  }
}
