package dev.stepwise.cli;

import dev.stepwise.Stepwise;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of {@code java -jar stepwise.jar}. */
@Command(
    name = "stepwise",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    subcommands = {GenerateCommand.class, BenchCommand.class, LibraryCommand.class},
    description = {
      "Stepwise: a latent-diffusion image studio.",
      "Without a command the studio window opens; the commands below run headless."
    })
public final class Main implements Runnable {

  public static void main(String[] args) {
    Logging.toFile();
    Stepwise.configureOffline();
    NativeStderr.redirect(Logging.logFile());
    System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
  }

  /** Runs the command line and returns its exit code (0 ok, 1 failed, 2 bad usage). */
  public static int run(String[] args, PrintWriter out, PrintWriter err) {
    CommandLine cl = new CommandLine(new Main());
    cl.setOut(out);
    cl.setErr(err);
    cl.setParameterExceptionHandler(
        (ex, a) -> {
          String cmd = ex.getCommandLine().getCommandSpec().qualifiedName();
          err.println(cmd + ": " + oneLine(ex.getMessage()) + " (see " + cmd + " --help)");
          err.flush();
          return 2;
        });
    cl.setExecutionExceptionHandler(
        (ex, c, parsed) -> {
          if (ex instanceof dev.stepwise.engine.EngineException
              || ex instanceof dev.stepwise.metadata.MetadataException) {
            Logging.log().info("refused: {}", ex.getMessage());
          } else {
            Logging.log().error("command failed", ex);
          }
          err.println("stepwise: " + oneLine(CliErrors.message(ex)));
          err.flush();
          return 1;
        });
    return cl.execute(args);
  }

  static String oneLine(String s) {
    return s == null ? "" : s.replaceAll("\\s*[\\r\\n]+\\s*", " ").trim();
  }

  /** Without a subcommand: opens the studio window (JavaFX), returning when it closes. */
  @Override
  public void run() {
    try {
      dev.stepwise.app.StudioLauncher.launch(new String[0]);
    } catch (UnsupportedOperationException | IllegalStateException | LinkageError e) {
      Logging.log().error("the studio could not open", e);
      throw new dev.stepwise.engine.EngineException(
          "the studio window could not open (no display?); run a command such as"
              + " 'stepwise generate' instead (see stepwise --help).", e);
    }
  }

  /** Prints the build's version. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"Stepwise " + Stepwise.version()};
    }
  }
}
