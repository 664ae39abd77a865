package dev.stepwise.app.studio;

import dev.stepwise.engine.service.PackFacts;
import java.util.ArrayList;
import java.util.List;

/**
 * An image size the studio offers for the chosen model: its own square, and for SDXL the aspect
 * buckets it was trained on around one megapixel (the Stability AI SDXL report's table, the sizes
 * A1111 and ComfyUI users pick): 1024 x 1024, 896 x 1152, 1152 x 896, 832 x 1216, 1216 x 832.
 *
 * @param width the width in pixels
 * @param height the height in pixels
 * @param label what the menu shows, e.g. "1024 × 1024 (the model's own)"
 */
public record SizePreset(int width, int height, String label) {
  /** SDXL's presets at its own size of 1024, width then height. */
  static final int[][] SDXL = {{1024, 1024}, {896, 1152}, {1152, 896}, {832, 1216}, {1216, 832}};

  /**
   * The presets for {@code f}: its own square first; for an SDXL model the five SDXL sizes, scaled
   * by its own size over 1024 (exact for SDXL base) and rounded to its size step.
   */
  static List<SizePreset> of(PackFacts f) {
    int own = f.nativeSize();
    List<SizePreset> out = new ArrayList<>();
    out.add(new SizePreset(own, own, own + " × " + own + " (the model's own)"));
    if (!f.sdxl()) {
      return out;
    }
    for (int[] s : SDXL) {
      int w = scaled(s[0], own, f.sizeStep());
      int h = scaled(s[1], own, f.sizeStep());
      if (out.stream().noneMatch(p -> p.width() == w && p.height() == h)) {
        out.add(new SizePreset(w, h, w + " × " + h));
      }
    }
    return out;
  }

  private static int scaled(int side, int own, int step) {
    long pixels = Math.round((double) side * own / 1024 / step) * step;
    return (int) Math.max(step, pixels);
  }

  @Override
  public String toString() {
    return label;
  }
}
