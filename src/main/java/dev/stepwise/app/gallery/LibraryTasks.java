package dev.stepwise.app.gallery;

import dev.stepwise.metadata.MetadataException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Where the gallery's library work runs: it owns the background executor (two daemon threads of its
 * own unless one is given), publishes results through the JavaFX executor, and turns every failure
 * into one sentence for the gallery's message line.
 */
final class LibraryTasks implements AutoCloseable {
  private final Executor background;
  private final Executor fx;
  private final ExecutorService ownPool;
  private final Consumer<String> failures;

  /**
   * @param background where library work runs, or null for two daemon threads of its own
   * @param fx where results and failures are published: the JavaFX thread
   * @param failures receives each failure as one sentence, on {@code fx}
   */
  LibraryTasks(Executor background, Executor fx, Consumer<String> failures) {
    this.ownPool =
        background == null
            ? Executors.newFixedThreadPool(
                2,
                r -> {
                  Thread t = new Thread(r, "gallery");
                  t.setDaemon(true);
                  return t;
                })
            : null;
    this.background = background == null ? ownPool : background;
    this.fx = fx;
    this.failures = failures;
  }

  /**
   * Runs {@code work} in the background, then hands its result to {@code then} on the JavaFX
   * thread; a failure goes to the failure sentences instead.
   */
  <T> void run(Supplier<T> work, Consumer<T> then) {
    background.execute(
        () -> {
          T result;
          try {
            result = work.get();
          } catch (MetadataException e) {
            fx.execute(() -> failures.accept(e.getMessage()));
            return;
          } catch (RuntimeException e) {
            fx.execute(
                () ->
                    failures.accept(
                        "The library action failed ("
                            + e.getClass().getSimpleName()
                            + "); see the log."));
            return;
          }
          fx.execute(() -> then.accept(result));
        });
  }

  /**
   * Computes {@code work} in the background and completes with its value on that thread (or
   * exceptionally); completes with null at once when closed.
   */
  <T> CompletableFuture<T> supply(Supplier<T> work) {
    try {
      return CompletableFuture.supplyAsync(work, background);
    } catch (RejectedExecutionException e) {
      return CompletableFuture.completedFuture(null); // closed: nothing more to load
    }
  }

  /** Stops the own background threads, if any. */
  @Override
  public void close() {
    if (ownPool != null) {
      ownPool.shutdownNow();
    }
  }
}
