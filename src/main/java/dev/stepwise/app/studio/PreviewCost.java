package dev.stepwise.app.studio;

import dev.stepwise.engine.PreviewMethod;
import dev.stepwise.engine.StepFrames;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Says what made one job's live previews and what they cost, from the frames the engine delivers:
 * e.g. "preview: tiny decoder, 6% of each step", or for Auto without a preview decoder "preview:
 * full decode every 4 steps + cheap, 22% of each step" (the interval is the one between the last
 * two full decodes). The finished image that ends each image is not counted as a preview. Used on
 * one thread.
 */
final class PreviewCost {
  private long steps; // every step of the job so far, as the engine counts them
  private long previews; // steps whose frame was a preview (not the finished image)
  private long tiny;
  private long full;
  private long cheap;
  private long lastFull = -1;
  private long fullGap;
  private double percent;
  private boolean any;

  /**
   * Counts one step's frames (null when previews are off) and returns the text for the job so far.
   */
  String add(StepFrames f) {
    if (f == null) {
      return any ? describe() : "preview: off";
    }
    any = true;
    percent = f.costPercent();
    long index = steps++;
    if (!f.isFinalImage()) {
      previews++;
      switch (f.madeBy()) {
        case TINY -> tiny++;
        case FULL -> {
          full++;
          if (lastFull >= 0) {
            fullGap = index - lastFull;
          }
          lastFull = index;
        }
        default -> cheap++;
      }
    }
    return describe();
  }

  private String describe() {
    if (previews == 0) {
      return "preview: only the finished image";
    }
    List<String> made = new ArrayList<>();
    if (tiny > 0) {
      made.add(name(PreviewMethod.TINY));
    }
    if (full > 0) {
      if (cheap == 0) {
        made.add("full decode");
      } else if (full == 1) {
        made.add("one full decode");
      } else {
        made.add(fullGap > 1 ? "full decode every " + fullGap + " steps" : "full decodes");
      }
    }
    if (cheap > 0) {
      made.add(name(PreviewMethod.CHEAP));
    }
    return "preview: " + String.join(" + ", made) + ", " + percentText() + " of each step";
  }

  private static String name(PreviewMethod m) {
    return m.displayName().toLowerCase(Locale.ROOT);
  }

  private String percentText() {
    if (percent > 0 && percent < 1) {
      return "under 1%";
    }
    return String.format(Locale.ROOT, "%.0f%%", percent);
  }
}
