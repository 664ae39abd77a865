package dev.stepwise.app;

import dev.stepwise.Stepwise;
import dev.stepwise.app.settings.SettingsStore;
import dev.stepwise.app.settings.StudioSettings;
import dev.stepwise.app.studio.BackendsViewModel;
import dev.stepwise.app.studio.GenerationSettings;
import dev.stepwise.app.studio.ModelCatalog;
import dev.stepwise.app.studio.StudioViewModel;
import dev.stepwise.app.studio.StudioWindow;
import dev.stepwise.engine.backend.BackendsConfig;
import dev.stepwise.engine.service.SamplingService;
import dev.stepwise.gallery.Library;
import java.security.SecureRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import javafx.application.Application;
import javafx.application.Platform;
import javafx.stage.Stage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The studio application: opens the window with the last settings (or a ready example on first
 * start), starts the engine off the FX thread, connects the timeline, explain view and gallery
 * ({@link StudioParts}), and saves the settings when the window closes.
 */
public final class StudioApp extends Application {
  private static final Logger LOG = LoggerFactory.getLogger(StudioApp.class);

  private final ExecutorService background =
      Executors.newSingleThreadExecutor(
          r -> {
            Thread t = new Thread(r, "stepwise-studio-io");
            t.setDaemon(true);
            return t;
          });
  private SettingsStore store;
  private StudioViewModel vm;
  private StudioWindow window;
  private StudioParts parts;
  private Stage stage;
  private volatile SamplingService service;

  @Override
  public void start(Stage primary) {
    Stepwise.configureOffline();
    stage = primary;
    store = SettingsStore.standard();
    StudioSettings settings = store.load();
    ModelCatalog catalog = ModelCatalog.forRoot(settings.generation().modelsRoot());
    vm = new StudioViewModel(Platform::runLater, background, new SecureRandom());
    vm.apply(settings.generation(), catalog.list());
    vm.keepTextEncodersProperty().set(settings.keepTextEncoders());
    vm.backends().open(BackendsConfig.standard()); // beside studio.json; a bad file: one sentence
    if (!vm.backends().errorProperty().get().isEmpty()) {
      vm.status().showError(vm.backends().errorProperty().get());
    } else if (settings.onBackends() && vm.backends().poolPossibleProperty().get()) {
      vm.backends().whereProperty().set(BackendsViewModel.Where.POOL); // as the last run left it
    }
    window = new StudioWindow(vm, settings.theme());
    window.canvas().canvas().pixelsProperty().set(settings.pixels());
    // The library (default: the XDG data folder, -Dstepwise.library=DIR moves it) opens on its
    // own thread: a large first index must not hold the window back.
    parts = new StudioParts(vm, window, Library::open);
    primary.setTitle("Stepwise " + Stepwise.version() + " — studio");
    primary.setScene(window.createScene(settings.windowWidth(), settings.windowHeight()));
    primary.setMinWidth(StudioSettings.MIN_WIDTH);
    primary.setMinHeight(StudioSettings.MIN_HEIGHT);
    primary.setMaximized(settings.maximized());
    primary.show();
    window.controls().prompt().requestFocus();
    // The engine (PyTorch) starts on its own thread: the window is usable at once.
    Thread starter =
        new Thread(
            () -> {
              try {
                SamplingService s = new SamplingService(catalog.builtIn());
                service = s;
                Platform.runLater(() -> vm.attach(s));
              } catch (RuntimeException | LinkageError e) {
                LOG.error("the engine did not start", e);
                Platform.runLater(
                    () ->
                        vm.status()
                            .showError(
                                "The engine could not start ("
                                    + e.getClass().getSimpleName()
                                    + "); the log has the details."));
              }
            },
            "stepwise-engine-start");
    starter.setDaemon(true);
    starter.start();
  }

  /** The window's content; null until {@link #start} has run. */
  public StudioWindow window() {
    return window;
  }

  /** The window's view model; null until {@link #start} has run. */
  StudioViewModel viewModel() {
    return vm;
  }

  /** The timeline, explain view and gallery connected to the window. */
  public StudioParts parts() {
    return parts;
  }

  @Override
  public void stop() {
    if (vm != null && stage != null) {
      GenerationSettings g = vm.settings();
      store.save(
          new StudioSettings(
              stage.getWidth(),
              stage.getHeight(),
              stage.isMaximized(),
              window.themeProperty().get(),
              g,
              window.canvas().canvas().pixelsProperty().get(),
              vm.backends().whereProperty().get() == BackendsViewModel.Where.POOL,
              vm.keepTextEncodersProperty().get()));
    }
    SamplingService s = service;
    if (s != null) {
      s.close();
    }
    if (vm != null) {
      vm.backends().close();
    }
    if (parts != null) {
      parts.close(); // after the engine: no image can finish once its saves are awaited
    }
    background.shutdownNow();
  }
}
