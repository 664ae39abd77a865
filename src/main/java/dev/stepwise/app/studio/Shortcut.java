package dev.stepwise.app.studio;

import javafx.scene.input.KeyCombination;

/**
 * One keyboard shortcut: the keys, what it does in words (for the help dialog) and the action.
 *
 * @param keys the key combination
 * @param description what it does, for the help dialog
 * @param action what runs; returns true when the key was used (false lets the key through)
 */
public record Shortcut(KeyCombination keys, String description, Action action) {

  /** A shortcut's action. */
  @FunctionalInterface
  public interface Action {
    /** Runs the action; returns false when it did not apply and the key should go on. */
    boolean run();
  }
}
