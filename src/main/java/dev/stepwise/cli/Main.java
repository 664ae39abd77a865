package dev.stepwise.cli;

import dev.stepwise.Stepwise;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The command line: {@code generate}, {@code bench}, {@code library}, {@code models} and {@code
 * info}, headless. Without a command it runs the studio opener it was given ({@link
 * dev.stepwise.Main} passes the JavaFX studio; the CLI itself never depends on the studio's
 * packages).
 */
@Command(
    name = "stepwise",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    subcommands = {
      GenerateCommand.class,
      BenchCommand.class,
      LibraryCommand.class,
      ModelsCommand.class,
      InfoCommand.class,
      UpscaleCommand.class,
      ServeCommand.class,
      BackendsCommand.class,
      CompletionCommand.class,
      ManPages.class
    },
    description = {
      "Stepwise: a latent-diffusion image studio.",
      "Without a command the studio window opens; the commands below run headless."
    },
    footer = {
      "  stepwise                                   # opens the studio window",
      "  stepwise generate --prompt \"a red heart emoji\" --out heart.png",
      "  stepwise generate --help                   # every option of a command"
    })
public final class Main implements Runnable {
  private final Runnable openStudio;

  private Main(Runnable openStudio) {
    this.openStudio = openStudio;
  }

  /**
   * Runs the program as {@code java -jar stepwise.jar} does: logs to the log file, keeps DJL
   * offline, and returns the exit code.
   *
   * @param openStudio opens the studio window and returns when it closes (run without a command)
   */
  public static int start(String[] args, Runnable openStudio) {
    Logging.toFile();
    Stepwise.configureOffline();
    Progress.stderrTerminal(NativeStderr.isTerminal(2)); // asked before fd 2 becomes the log
    NativeStderr.redirect(Logging.logFile());
    return run(
        args, new PrintWriter(System.out, true), new PrintWriter(System.err, true), openStudio);
  }

  /** Runs the command line with no studio to open; returns its exit code (see commandLine). */
  public static int run(String[] args, PrintWriter out, PrintWriter err) {
    return run(
        args,
        out,
        err,
        () -> {
          throw new UnsupportedOperationException("This program has no studio window.");
        });
  }

  /** Runs the command line and returns its exit code (see commandLine). */
  public static int run(String[] args, PrintWriter out, PrintWriter err, Runnable openStudio) {
    String undecoded = undecodedArgument(args, System.getProperty("sun.jnu.encoding", "UTF-8"));
    if (undecoded != null) {
      Logging.log().info("refused: {}", undecoded);
      err.println("stepwise: " + oneLine(undecoded));
      err.flush();
      return 2;
    }
    CommandLine cl = commandLine(openStudio);
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
          if (CliErrors.isRefusal(ex)) {
            Logging.log().info("refused: {}", ex.getMessage());
          } else {
            Logging.log().error("command failed", ex);
          }
          err.println("stepwise: " + oneLine(CliErrors.message(ex)));
          err.flush();
          return CliErrors.exitCode(ex);
        });
    return cl.execute(args);
  }

  /**
   * The command model: what runs, and what --help, the completion script and man pages show. Every
   * help ends with the exit codes (0 ok, 1 failed, 2 bad usage, 130 interrupted) and examples.
   */
  static CommandLine commandLine(Runnable openStudio) {
    CommandLine cl = new CommandLine(new Main(openStudio));
    document(cl.getCommandSpec());
    return cl;
  }

  private static void document(CommandLine.Model.CommandSpec c) {
    java.util.Map<String, String> codes = new java.util.LinkedHashMap<>();
    codes.put("  0", "Success.");
    codes.put("  1", "Failure; one line on stderr says why.");
    codes.put("  2", "Bad usage: an unknown or missing option, or a value that is not allowed.");
    if (c.parent() == null || c.name().equals("generate")) {
      codes.put("130", "Interrupted by Ctrl+C; the images already finished are kept.");
    }
    c.usageMessage().exitCodeListHeading("%nExit codes:%n").exitCodeList(codes);
    if (c.usageMessage().footer().length > 0) {
      c.usageMessage().footerHeading("%nExamples:%n");
    }
    c.subcommands().values().forEach(s -> document(s.getCommandSpec()));
  }

  /**
   * The sentence refusing the first argument that the JVM could not decode, or null when every
   * argument is whole text. Java decodes the command line with the locale's encoding ({@code
   * sun.jnu.encoding}, fixed at start-up: {@code -Dsun.jnu.encoding} does not change it on JDK 17);
   * with no UTF-8 locale (LANG unset) that is ASCII, and every other byte becomes U+FFFD. Such an
   * argument would be generated from and recorded as mojibake (issue 20, item 15), so it is
   * refused.
   */
  static String undecodedArgument(String[] args, String encoding) {
    for (String a : args == null ? new String[0] : args) {
      if (a == null || a.indexOf('\uFFFD') < 0) {
        continue;
      }
      String shown = a.length() > 60 ? a.substring(0, 57) + "..." : a;
      boolean utf8 = "UTF-8".equalsIgnoreCase(encoding) || "UTF8".equalsIgnoreCase(encoding);
      return utf8
          ? "The argument '"
              + shown
              + "' is not valid UTF-8 text (U+FFFD marks the bytes that are not); give it as UTF-8."
          : "The argument '"
              + shown
              + "' holds characters that the current locale ("
              + encoding
              + ") cannot decode; set a UTF-8 locale, for example LANG=C.UTF-8, and run the command"
              + " again.";
    }
    return null;
  }

  static String oneLine(String s) {
    return s == null ? "" : printable(s.replaceAll("\\s*[\\r\\n]+\\s*", " ").trim());
  }

  /**
   * {@code s} safe to print on a terminal: control characters (C0 but tab, DEL, C1) and the Unicode
   * line separators become visible escapes such as {@code \x1b}, so a prompt or a file name cannot
   * move the cursor, set the window title or split a record (issue 20, item 11).
   */
  static String printable(String s) {
    if (s == null) {
      return "";
    }
    StringBuilder b = null;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      boolean control =
          (c < 0x20 && c != '\t') || (c >= 0x7f && c <= 0x9f) || c == '\u2028' || c == '\u2029';
      if (control && b == null) {
        b = new StringBuilder(s.length() + 8).append(s, 0, i);
      }
      if (b != null) {
        if (control) {
          b.append(
              c <= 0xff
                  ? String.format(java.util.Locale.ROOT, "\\x%02x", (int) c)
                  : String.format(java.util.Locale.ROOT, "\\u%04x", (int) c));
        } else {
          b.append(c);
        }
      }
    }
    return b == null ? s : b.toString();
  }

  /** Without a subcommand: opens the studio window (JavaFX), returning when it closes. */
  @Override
  public void run() {
    try {
      openStudio.run();
    } catch (UnsupportedOperationException | IllegalStateException | LinkageError e) {
      Logging.log().error("the studio could not open", e);
      throw new dev.stepwise.engine.EngineException(
          "the studio window could not open (no display?); run a command such as"
              + " 'stepwise generate' instead (see stepwise --help).",
          e);
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
