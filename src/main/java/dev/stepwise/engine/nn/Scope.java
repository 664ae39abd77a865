package dev.stepwise.engine.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.IdentityHashMap;
import java.util.Map;

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

  /** Frees every intermediate and gives the inputs back to their managers. */
  @Override
  public void close() {
    manager.close();
  }
}
