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
    try {
      Application.launch(StudioApp.class, args);
    } catch (RuntimeException | LinkageError e) {
      LOG.error("the studio could not open", e);
      throw new EngineException(StudioFailure.sentence(e, System.getenv()), e);
    }
  }
}
