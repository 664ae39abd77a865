package dev.stepwise.engine;

/** A flag a running job checks between steps; set from any thread. */
public final class CancellationToken {
  private volatile boolean cancelled;

  /** Asks the job to stop at its next check (within one network evaluation). */
  public void cancel() {
    cancelled = true;
  }

  /** Throws {@link CancelledException} if cancellation was asked. */
  public void check() {
    if (cancelled) {
      throw new CancelledException();
    }
  }

  /** Thrown inside the engine to unwind a cancelled job; never reaches the user. */
  public static final class CancelledException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    CancelledException() {
      super("cancelled", null, false, false);
    }
  }
}
