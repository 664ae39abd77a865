package dev.stepwise.cli;

/**
 * The exit codes every command documents in its {@code --help} (picocli's {@code exitCodeList}) and
 * the headings of the help's closing sections, in one place.
 */
final class ExitCodes {
  private ExitCodes() {}

  static final String HEADING = "%nExit codes:%n";
  static final String OK = "  0:Success.";
  static final String FAILED =
      "  1:Failure, or a value refused; one line on stderr says why (the log has details).";
  static final String USAGE =
      "  2:Bad usage: an unknown or missing option, or a value of the" + " wrong kind.";
  static final String INTERRUPTED =
      "130:Interrupted by Ctrl+C (SIGINT); images already finished are kept.";

  /** The heading of the examples that end each command's help. */
  static final String EXAMPLES = "%nExamples:%n";
}
