package dev.stepwise.app.gallery;

import dev.stepwise.gallery.Library;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import javafx.animation.AnimationTimer;
import javafx.application.Platform;
import javafx.scene.Scene;
import javafx.scene.control.skin.VirtualFlow;
import javafx.stage.Stage;

/**
 * Measures how smoothly the gallery grid scrolls through a large library: frames per second and
 * frame intervals while scrolling steadily, then while jumping to a random place every frame.
 *
 * <p>Usage: {@code java -cp ... dev.stepwise.app.gallery.GalleryScrollBenchmark FOLDER [SECONDS]};
 * fill the folder first with {@code dev.stepwise.gallery.bench.LibraryBenchmark}. Run it on a
 * display (Xvfb works) or headless under Monocle ({@code -Dglass.platform=Monocle
 * -Dmonocle.platform=Headless -Dprism.order=sw}, Monocle on the class path); add {@code
 * -Djavafx.animation.fullspeed=true} to lift the 60 Hz pulse cap and see the headroom.
 */
public final class GalleryScrollBenchmark {
  private GalleryScrollBenchmark() {}

  /** Runs both phases and prints one line each. */
  public static void main(String[] args) throws Exception {
    Path folder = Path.of(args[0]);
    double seconds = args.length > 1 ? Double.parseDouble(args[1]) : 5;
    Library lib = Library.open(folder);
    CountDownLatch done = new CountDownLatch(1);
    Platform.startup(
        () -> {
          GalleryViewModel vm = new GalleryViewModel(lib);
          GalleryPane pane = new GalleryPane(vm);
          Stage stage = new Stage();
          stage.setScene(new Scene(pane, 1280, 800));
          stage.show();
          int expected = lib.count();
          vm.images()
              .addListener(
                  (javafx.collections.ListChangeListener<Object>)
                      c -> {
                        if (vm.images().size() == expected) {
                          Platform.runLater(
                              () ->
                                  phase(
                                      pane,
                                      "idle, no scrolling",
                                      seconds,
                                      Mode.IDLE,
                                      () ->
                                          phase(
                                              pane,
                                              "steady scroll, 120 px a frame, thumbnails cold",
                                              seconds,
                                              Mode.STEADY,
                                              () ->
                                                  phase(
                                                      pane,
                                                      "the same scroll again, thumbnails cached",
                                                      seconds,
                                                      Mode.STEADY,
                                                      () ->
                                                          phase(
                                                              pane,
                                                              "random jump every frame",
                                                              seconds,
                                                              Mode.JUMP,
                                                              () -> {
                                                                vm.close();
                                                                done.countDown();
                                                              })))));
                        }
                      });
        });
    done.await();
    lib.close();
    Platform.exit();
  }

  private enum Mode {
    IDLE,
    STEADY,
    JUMP
  }

  private static void phase(
      GalleryPane pane, String name, double seconds, Mode mode, Runnable next) {
    VirtualFlow<?> flow = (VirtualFlow<?>) pane.grid().lookup(".virtual-flow");
    if (mode == Mode.STEADY) {
      flow.scrollTo(0);
    }
    int rows = flow.getCellCount();
    Random rnd = new Random(7);
    long[] stamps = new long[100_000];
    new AnimationTimer() {
      int frames;
      long start = -1;

      @Override
      public void handle(long now) {
        if (start < 0) {
          start = now;
        }
        stamps[frames++] = now;
        if (mode == Mode.JUMP) {
          flow.scrollTo(rnd.nextInt(rows));
        } else if (mode == Mode.STEADY) {
          flow.scrollPixels(120);
        }
        if (now - start >= seconds * 1e9 || frames == stamps.length) {
          stop();
          report(name, Arrays.copyOf(stamps, frames), rows);
          next.run();
        }
      }
    }.start();
  }

  private static void report(String name, long[] stamps, int rows) {
    int n = stamps.length - 1;
    double[] ms = new double[n];
    for (int i = 0; i < n; i++) {
      ms[i] = (stamps[i + 1] - stamps[i]) / 1e6;
    }
    Arrays.sort(ms);
    double total = (stamps[n] - stamps[0]) / 1e9;
    System.out.printf(
        Locale.ROOT,
        "grid %s (%d rows): %.1f fps, frame interval median %.1f ms,"
            + " p95 %.1f ms, max %.1f ms%n",
        name,
        rows,
        n / total,
        ms[n / 2],
        ms[n * 95 / 100],
        ms[n - 1]);
  }
}
