package dev.stepwise.engine.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * A short-lived sub-manager that collects the intermediates of one block and frees them on close.
 *
 * <p>DJL attaches a result to the manager of its first operand ({@code a.add(b)} lands in {@code
 * a.getManager()}), not to the innermost open scope. So the block's inputs are temporarily attached
 * to the scope (DJL gives them back to their own manager when the scope closes), every op puts an
 * activation first, and {@link #keep} moves the block's result out to the caller's manager.
 */
public final class Scope implements AutoCloseable {
  private final NDManager parent;
  private final NDManager manager;

  private Scope(NDManager parent) {
    this.parent = parent;
    this.manager = parent.newSubManager();
  }

  /**
   * Opens a scope under the manager of {@code inputs[0]} and temporarily attaches every distinct
   * non-null input to it; results kept with {@link #keep} go to that manager.
   */
  public static Scope open(NDArray... inputs) {
    Scope scope = new Scope(inputs[0].getManager());
    Map<NDArray, Boolean> seen = new IdentityHashMap<>();
    for (NDArray input : inputs) {
      if (input != null && seen.put(input, Boolean.TRUE) == null) {
        input.tempAttach(scope.manager);
      }
    }
    return scope;
  }

  /** The scope's own manager, for arrays created from scratch inside the block. */
  public NDManager manager() {
    return manager;
  }

  /** Moves {@code result} to the caller's manager so it survives {@link #close()}. */
  public NDArray keep(NDArray result) {
    result.attach(parent);
    return result;
  }

  /**
   * One link of a chain of layers whose intermediates are freed as it goes: applies {@code layer}
   * to {@code x} in a scope of its own (only its result survives, in the manager of {@code x}),
   * then closes {@code x}, which the caller must not use again. A layer that returns {@code x}
   * itself (an identity) leaves it open. Without this, a network's whole forward pass stays alive
   * until its outer scope closes: the built-in pack's 1024x1024 decode went past 8 GB
   * (docs/engine.md, "Memory").
   */
  public static NDArray chain(NDArray x, UnaryOperator<NDArray> layer) {
    NDArray y;
    try (Scope scope = Scope.open(x)) {
      y = scope.keep(layer.apply(x));
    }
    if (y != x) {
      x.close();
    }
    return y;
  }

  /** Frees every intermediate and gives the inputs back to their managers. */
  @Override
  public void close() {
    manager.close();
  }
}
