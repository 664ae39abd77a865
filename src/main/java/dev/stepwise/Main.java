package dev.stepwise;

import dev.stepwise.app.StudioLauncher;

/**
 * Entry point of {@code java -jar stepwise.jar}: the command line ({@code dev.stepwise.cli}), which
 * opens the studio ({@code dev.stepwise.app}) when no command is given. Only this class knows both.
 */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    System.exit(dev.stepwise.cli.Main.start(args, () -> StudioLauncher.launch(new String[0])));
  }
}
