package dev.stepwise.cli;

import dev.stepwise.Stepwise;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of {@code java -jar stepwise.jar}. */
@Command(
    name = "stepwise",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description = "Stepwise: latent-diffusion image studio (headless commands).")
public final class Main implements Runnable {

  public static void main(String[] args) {
    Stepwise.configureOffline();
    int code = new CommandLine(new Main()).execute(args);
    System.exit(code);
  }

  @Override
  public void run() {
    new CommandLine(this).usage(System.out);
  }

  /** Prints the build's version. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"Stepwise " + Stepwise.version()};
    }
  }
}
