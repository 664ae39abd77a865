package dev.stepwise.app;

import javafx.application.Application;

/**
 * Starts the studio from a class that does not extend {@link Application}, so the program runs with
 * JavaFX on the class path ({@code java -jar stepwise.jar}).
 */
public final class StudioLauncher {
  private StudioLauncher() {}

  /** Opens the studio window and returns when it is closed. */
  public static void launch(String[] args) {
    Application.launch(StudioApp.class, args);
  }
}
