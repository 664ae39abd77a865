package dev.stepwise.recipe;

/**
 * How far the canvas grows on each side before an outpainting run, in pixels of the init image. The
 * new border is masked (repainted) and, unless another masked content is chosen, filled with the
 * blurred colours of the image's edge.
 *
 * @param left pixels added on the left, 0 to {@link #MAX}
 * @param top pixels added at the top, likewise
 * @param right pixels added on the right, likewise
 * @param bottom pixels added at the bottom, likewise
 */
public record Outpaint(int left, int top, int right, int bottom) {
  /** The most pixels one side may grow by. */
  public static final int MAX = 2048;

  /** Checks every side. */
  public Outpaint {
    for (int v : new int[] {left, top, right, bottom}) {
      if (v < 0 || v > MAX) {
        throw new RecipeException(
            "Outpainting borders must be between 0 and "
                + MAX
                + " pixels a side, got "
                + text(left, top, right, bottom)
                + ".");
      }
    }
  }

  /** Whether any side grows. */
  public boolean any() {
    return left + top + right + bottom > 0;
  }

  /** The borders as the CLI and the recipe write them: {@code left,top,right,bottom}. */
  public String text() {
    return text(left, top, right, bottom);
  }

  private static String text(int l, int t, int r, int b) {
    return l + "," + t + "," + r + "," + b;
  }

  /**
   * Reads {@code left,top,right,bottom} (four whole numbers) or one number for every side.
   *
   * @throws RecipeException with one sentence when the text is neither
   */
  public static Outpaint parse(String text) {
    String[] parts = text == null ? new String[0] : text.strip().split("\\s*,\\s*", -1);
    try {
      if (parts.length == 1) {
        int v = Integer.parseInt(parts[0]);
        return new Outpaint(v, v, v, v);
      }
      if (parts.length == 4) {
        return new Outpaint(
            Integer.parseInt(parts[0]),
            Integer.parseInt(parts[1]),
            Integer.parseInt(parts[2]),
            Integer.parseInt(parts[3]));
      }
    } catch (NumberFormatException e) {
      // falls through to the sentence below
    }
    throw new RecipeException(
        "Outpainting borders must be four whole numbers left,top,right,bottom (or one for every"
            + " side), got \""
            + text
            + "\".");
  }
}
