package dev.stepwise.cli;

import dev.stepwise.engine.EngineException;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/** Turns an exception into the one sentence a user sees. */
final class CliErrors {
  private CliErrors() {}

  static String message(Throwable t) {
    Throwable e = t;
    while ((e instanceof CompletionException || e instanceof ExecutionException) && e.getCause() != null) {
      e = e.getCause();
    }
    if (e instanceof EngineException || e instanceof dev.stepwise.metadata.MetadataException) {
      return e.getMessage();
    }
    if (e instanceof NoSuchFileException n) {
      return "no such file or folder: " + n.getFile() + ".";
    }
    if (e instanceof AccessDeniedException a) {
      return "permission denied: " + a.getFile() + ".";
    }
    if (e instanceof IOException) {
      return "could not read or write a file: " + e.getMessage() + ".";
    }
    if (e instanceof OutOfMemoryError) {
      return "ran out of memory; choose a smaller size or batch.";
    }
    return "failed because of an internal error (" + e.getClass().getSimpleName()
        + "); the log at " + Logging.logFile() + " has the details.";
  }
}
