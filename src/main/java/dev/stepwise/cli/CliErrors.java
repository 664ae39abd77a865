package dev.stepwise.cli;

import dev.stepwise.engine.EngineException;
import dev.stepwise.metadata.MetadataException;
import dev.stepwise.recipe.RecipeException;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/** Turns an exception into the one sentence a user sees. */
final class CliErrors {
  private CliErrors() {}

  /**
   * A value given on the command line that is refused (a word not among those allowed, a number out
   * of range, a path that is not a folder): bad usage, exit code 2, as picocli's own refusals.
   */
  static final class BadValue extends EngineException {
    private static final long serialVersionUID = 1L;

    BadValue(String sentence) {
      super(sentence);
    }
  }

  /** The exit code for a failed command: 2 for a refused value, 1 for any other failure. */
  static int exitCode(Throwable t) {
    return unwrap(t) instanceof BadValue ? 2 : 1;
  }

  /**
   * Returns whether {@code t} (or what a future wrapped) is a refusal with its own sentence for the
   * user, not a failure of the program.
   */
  static boolean isRefusal(Throwable t) {
    Throwable e = unwrap(t);
    return e instanceof EngineException
        || e instanceof MetadataException
        || e instanceof RecipeException;
  }

  static String message(Throwable t) {
    Throwable e = unwrap(t);
    if (isRefusal(e)) {
      return e.getMessage();
    }
    if (e instanceof NoSuchFileException n) {
      return "No such file or folder: " + n.getFile() + ".";
    }
    if (e instanceof AccessDeniedException a) {
      return "Permission denied: " + a.getFile() + ".";
    }
    if (e instanceof IOException) {
      return "Could not read or write a file (" + reason(e) + ").";
    }
    if (e instanceof OutOfMemoryError) {
      return "There was not enough memory; choose a smaller size or batch.";
    }
    return "The command failed because of an internal error ("
        + e.getClass().getSimpleName()
        + "); the log at "
        + Logging.logFile()
        + " has the details.";
  }

  /** The cause as a fragment for parentheses: its message without a final period. */
  private static String reason(Throwable e) {
    String m = e.getMessage();
    return m == null || m.isBlank() ? e.getClass().getSimpleName() : m.replaceAll("[.\\s]+$", "");
  }

  private static Throwable unwrap(Throwable t) {
    Throwable e = t;
    while ((e instanceof CompletionException || e instanceof ExecutionException)
        && e.getCause() != null) {
      e = e.getCause();
    }
    return e;
  }
}
