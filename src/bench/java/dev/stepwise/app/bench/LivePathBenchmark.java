package dev.stepwise.app.bench;

import dev.stepwise.Stepwise;
import dev.stepwise.app.settings.Theme;
import dev.stepwise.app.studio.GenerationSettings;
import dev.stepwise.app.studio.ModelCatalog;
import dev.stepwise.app.studio.StudioListener;
import dev.stepwise.app.studio.StudioViewModel;
import dev.stepwise.app.studio.StudioWindow;
import dev.stepwise.app.studio.UiCost;
import dev.stepwise.engine.ModelLocator;
import dev.stepwise.engine.RgbImage;
import dev.stepwise.engine.service.SamplingService;
import dev.stepwise.recipe.Sampler;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import javafx.application.Platform;
import javafx.scene.Scene;
import javafx.scene.control.ToggleButton;
import javafx.stage.Stage;

/**
 * Measures the studio's live path during a real run: the FX thread's cost per delivered preview,
 * whether every step's preview reached the UI, and how long a click waits while the engine
 * computes. Needs a display (Xvfb works): see docs/studio.md for the command.
 *
 * <p>Arguments: {@code [--model DIR] [--steps N] [--size PX]}.
 */
public final class LivePathBenchmark {
  private LivePathBenchmark() {}

  public static void main(String[] args) throws Exception {
    Stepwise.configureOffline();
    Path model = ModelLocator.builtIn();
    int steps = 20;
    int size = 0;
    for (int i = 0; i + 1 < args.length; i += 2) {
      switch (args[i]) {
        case "--model" -> model = Path.of(args[i + 1]);
        case "--steps" -> steps = Integer.parseInt(args[i + 1]);
        case "--size" -> size = Integer.parseInt(args[i + 1]);
        default -> throw new IllegalArgumentException("Unknown option " + args[i] + ".");
      }
    }
    SamplingService service = new SamplingService(model);
    CountDownLatch up = new CountDownLatch(1);
    Platform.startup(up::countDown);
    up.await();
    StudioViewModel vm =
        new StudioViewModel(Platform::runLater, Executors.newSingleThreadExecutor(), new Random(1));
    AtomicInteger previews = new AtomicInteger();
    CountDownLatch done = new CountDownLatch(1);
    StudioWindow[] window = new StudioWindow[1];
    Path pack = model;
    int s = steps;
    int side = size;
    Platform.runLater(
        () -> {
          vm.apply(
              new GenerationSettings(
                  "grinning cat, twemoji style",
                  "",
                  5,
                  s,
                  "1",
                  true,
                  Sampler.DDIM,
                  false,
                  side,
                  side,
                  1,
                  ""),
              List.of(ModelCatalog.choice(pack)));
          vm.attach(service);
          vm.addStudioListener(
              new StudioListener() {
                @Override
                public void stepPreview(int imageIndex, int step, RgbImage x0) {
                  previews.incrementAndGet();
                }
              });
          vm.jobs()
              .results()
              .addListener((javafx.collections.ListChangeListener<Object>) c -> done.countDown());
          window[0] = new StudioWindow(vm, Theme.LIGHT);
          Stage stage = new Stage();
          Scene scene = window[0].createScene(1100, 720);
          stage.setScene(scene);
          stage.show();
        });
    while (!onFx(() -> vm.model().factsProperty().get() != null)) {
      Thread.sleep(50);
    }
    // Warm-up job: loads the model and fits preview factors.
    onFx(vm::generate);
    done.await(10, TimeUnit.MINUTES);
    CountDownLatch done2 = new CountDownLatch(1);
    onFx(
        () -> {
          vm.jobs()
              .results()
              .addListener((javafx.collections.ListChangeListener<Object>) c -> done2.countDown());
          return null;
        });
    UiCost before = onFx(vm::uiCost);
    long framesBefore = onFx(() -> vm.live().framesDrawn());
    long drawsBefore = onFx(() -> window[0].canvas().canvas().framesShown());
    long drawNanosBefore = onFx(() -> window[0].canvas().canvas().drawNanos());
    previews.set(0);
    long t0 = System.nanoTime();
    onFx(vm::generate);
    // Clicks while the engine computes: toggle the canvas source and time the handler and the
    // next pulse after it.
    List<Double> handled = new ArrayList<>();
    List<Double> painted = new ArrayList<>();
    ToggleButton xt = onFx(() -> (ToggleButton) window[0].root().lookup("#showXt"));
    ToggleButton x0 = onFx(() -> (ToggleButton) window[0].root().lookup("#showX0"));
    int k = 0;
    while (done2.getCount() > 0) {
      Thread.sleep(150);
      ToggleButton target = (k++ % 2 == 0) ? xt : x0;
      AtomicLong tHandled = new AtomicLong();
      CountDownLatch pulse = new CountDownLatch(1);
      long click = System.nanoTime();
      Platform.runLater(
          () -> {
            target.fire();
            tHandled.set(System.nanoTime());
            Scene sc = target.getScene();
            Runnable[] once = new Runnable[1];
            once[0] =
                () -> {
                  pulse.countDown();
                  sc.removePostLayoutPulseListener(once[0]);
                };
            sc.addPostLayoutPulseListener(once[0]);
            Platform.requestNextPulse();
          });
      pulse.await(5, TimeUnit.SECONDS);
      long end = System.nanoTime();
      handled.add((tHandled.get() - click) / 1e6);
      painted.add((end - click) / 1e6);
    }
    double wall = (System.nanoTime() - t0) / 1e9;
    UiCost after = onFx(vm::uiCost);
    long frames = onFx(() -> vm.live().framesDrawn()) - framesBefore;
    long draws = onFx(() -> window[0].canvas().canvas().framesShown()) - drawsBefore;
    double drawMs =
        (onFx(() -> window[0].canvas().canvas().drawNanos()) - drawNanosBefore)
            / 1e6
            / Math.max(1, draws);
    double maxDrawMs = onFx(() -> window[0].canvas().canvas().maxDrawNanos()) / 1e6;
    long drains = after.drains() - before.drains();
    double meanMs = (after.totalNanos() - before.totalNanos()) / 1e6 / Math.max(1, drains);
    double cpuMs = (after.cpuNanos() - before.cpuNanos()) / 1e6 / Math.max(1, drains);
    System.out.printf(
        Locale.ROOT, "model %s, %d steps, run %.1f s (%.2f it/s)%n", pack, s, wall, s / wall);
    System.out.printf(
        Locale.ROOT,
        "FX thread per delivery (pump drain incl. canvas draw): wall mean"
            + " %.3f ms, median %.3f ms, max %.3f ms (all time); CPU mean %.3f ms; %d drains%n",
        meanMs,
        after.medianNanos() / 1e6,
        after.maxNanos() / 1e6,
        cpuMs,
        drains);
    System.out.printf(
        Locale.ROOT,
        "canvas draw (copy + updateBuffer): mean %.4f ms, max %.4f ms"
            + " over %d draws (step frames and source switches)%n",
        drawMs,
        maxDrawMs,
        draws);
    System.out.printf(
        Locale.ROOT,
        "step previews delivered to hooks: %d of %d; step frames drawn by" + " the pump: %d%n",
        previews.get(),
        s,
        frames);
    System.out.printf(
        Locale.ROOT,
        "click to handler: median %.2f ms, max %.2f ms; click to next"
            + " pulse: median %.2f ms, max %.2f ms (%d clicks)%n",
        median(handled),
        max(handled),
        median(painted),
        max(painted),
        handled.size());
    service.close();
    Platform.exit();
    System.exit(0);
  }

  private static double median(List<Double> v) {
    if (v.isEmpty()) {
      return Double.NaN;
    }
    List<Double> c = new ArrayList<>(v);
    Collections.sort(c);
    return c.get(c.size() / 2);
  }

  private static double max(List<Double> v) {
    return v.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
  }

  private static <T> T onFx(java.util.concurrent.Callable<T> c) throws Exception {
    java.util.concurrent.FutureTask<T> t = new java.util.concurrent.FutureTask<>(c);
    Platform.runLater(t);
    return t.get(60, TimeUnit.SECONDS);
  }
}
