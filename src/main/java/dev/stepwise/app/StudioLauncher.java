package dev.stepwise.app;

import dev.stepwise.engine.EngineException;
import javafx.application.Application;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts the studio from a class that does not extend {@link Application}, so the program runs with
 * JavaFX on the class path ({@code java -jar stepwise.jar}).
 */
public final class StudioLauncher {
  private static final Logger LOG = LoggerFactory.getLogger(StudioLauncher.class);

  private StudioLauncher() {}

  /**
   * Opens the studio window and returns when it is closed.
   *
   * @throws EngineException with one sentence ({@link StudioFailure}) when the window cannot open:
   *     no display, GTK 3 missing, ...; the log has JavaFX's own error
   */
  public static void launch(String[] args) {
    quietClassPathWarning();
    try {
      Application.launch(StudioApp.class, args);
    } catch (RuntimeException | LinkageError e) {
      LOG.error("the studio could not open", e);
      throw new EngineException(StudioFailure.sentence(e, System.getenv()), e);
    }
  }

  /**
   * JavaFX warns on stderr at every start that it was loaded from the class path ("Unsupported
   * JavaFX configuration: classes were loaded from 'unnamed module'"), which is how the jar and the
   * installer run it (ControlsFX needs JavaFX's internals, which the class path opens). The warning
   * tells the user nothing they can act on, so it goes to the log once instead.
   */
  private static void quietClassPathWarning() {
    for (java.util.logging.Logger fx : FX_LOGGERS) {
      fx.setFilter(
          r -> {
            boolean classPath =
                r.getMessage() != null
                    && r.getMessage().startsWith("Unsupported JavaFX configuration");
            if (classPath) {
              LOG.info("JavaFX: {} (muted on the terminal)", r.getMessage());
            }
            return !classPath;
          });
    }
  }

  /** The loggers JavaFX's start-up may warn through; held so that their filters stay set. */
  private static final java.util.List<java.util.logging.Logger> FX_LOGGERS =
      java.util.List.of(
          java.util.logging.Logger.getLogger("javafx"),
          java.util.logging.Logger.getLogger("com.sun.javafx.application.PlatformImpl"));
}
