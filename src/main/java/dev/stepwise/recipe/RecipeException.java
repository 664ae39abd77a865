package dev.stepwise.recipe;

/**
 * A recipe value outside what Stepwise allows. The message is one sentence for the user that names
 * the bad value and what is allowed; the CLI prints it and exits non-zero, the studio shows it.
 */
public class RecipeException extends RuntimeException {
  public RecipeException(String message) {
    super(message);
  }
}
