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
