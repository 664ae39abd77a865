package dev.stepwise.recipe;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * SDXL's size micro-conditioning (Podell et al. 2023, "SDXL", section 2.2; diffusers
 * StableDiffusionXLPipeline's {@code original_size}, {@code crops_coords_top_left} and {@code
 * target_size}): the UNet is told what size the training picture had, where it was cropped and what
 * size was asked for. A side of 0 means the image's own size, diffusers' default for both sizes;
 * the crop defaults to (0, 0), as in diffusers.
 *
 * <p>The PNG parameters carry Stepwise's own keys, each written only when it differs from its
 * default ({@link #parameters}): {@code Original size: 1024x768} and {@code Target size: 896x640}
 * (width x height, as A1111's {@code Size}) and {@code Crop top-left: 16,8} (left, top in pixels).
 * A1111 keeps the crop in its settings and writes none of these; ComfyUI keeps them as
 * CLIPTextEncodeSDXL's width, height, crop_w, crop_h, target_width and target_height.
 *
 * @param originalWidth the original width in pixels, 0 for the image's, else 1 to {@link #MAX}
 * @param originalHeight the original height, likewise
 * @param cropLeft the crop's left edge in pixels, 0 to {@link #MAX}
 * @param cropTop the crop's top edge in pixels, 0 to {@link #MAX}
 * @param targetWidth the target width in pixels, 0 for the image's, else 1 to {@link #MAX}
 * @param targetHeight the target height, likewise
 */
public record SizeConditioning(
    int originalWidth,
    int originalHeight,
    int cropLeft,
    int cropTop,
    int targetWidth,
    int targetHeight) {

  /** The largest value any of the six may take. */
  public static final int MAX = 16384;

  /** The image's own size for both sizes and a crop of (0, 0): diffusers' defaults. */
  public static final SizeConditioning DEFAULT = new SizeConditioning(0, 0, 0, 0, 0, 0);

  /** Stepwise's PNG key for the original size, {@code WxH}. */
  public static final String ORIGINAL_SIZE = "Original size";

  /** Stepwise's PNG key for the crop's top-left corner, {@code left,top}. */
  public static final String CROP_TOP_LEFT = "Crop top-left";

  /** Stepwise's PNG key for the target size, {@code WxH}. */
  public static final String TARGET_SIZE = "Target size";

  /** Checks every value. */
  public SizeConditioning {
    String problem = sizeProblem("Original size", originalWidth, originalHeight);
    if (problem.isEmpty()) {
      problem = sizeProblem("Target size", targetWidth, targetHeight);
    }
    if (problem.isEmpty() && (outside(cropLeft, 0) || outside(cropTop, 0))) {
      problem =
          "The crop's top-left corner must be 0 to "
              + MAX
              + ", got "
              + cropLeft
              + ","
              + cropTop
              + ".";
    }
    if (!problem.isEmpty()) {
      throw new RecipeException(problem);
    }
  }

  private static boolean outside(int v, int min) {
    return v < min || v > MAX;
  }

  private static String sizeProblem(String what, int w, int h) {
    if ((w == 0) != (h == 0) || outside(w, 0) || outside(h, 0)) {
      return what + " must be two sides of 1 to " + MAX + " pixels, got " + w + "x" + h + ".";
    }
    return "";
  }

  /**
   * The six time ids for a {@code width} x {@code height} image in diffusers' _get_add_time_ids
   * order: original (height, width), crop (top, left), target (height, width).
   */
  public int[] timeIds(int width, int height) {
    return new int[] {
      originalHeight == 0 ? height : originalHeight,
      originalWidth == 0 ? width : originalWidth,
      cropTop,
      cropLeft,
      targetHeight == 0 ? height : targetHeight,
      targetWidth == 0 ? width : targetWidth
    };
  }

  /** Whether a {@code width} x {@code height} image gets diffusers' default time ids. */
  public boolean isDefaultFor(int width, int height) {
    return parameters(width, height).isEmpty();
  }

  /** The PNG keys of a {@code width} x {@code height} image, each only when not its default. */
  public Map<String, String> parameters(int width, int height) {
    int[] ids = timeIds(width, height);
    Map<String, String> out = new LinkedHashMap<>();
    if (ids[0] != height || ids[1] != width) {
      out.put(ORIGINAL_SIZE, ids[1] + "x" + ids[0]);
    }
    if (ids[2] != 0 || ids[3] != 0) {
      out.put(CROP_TOP_LEFT, ids[3] + "," + ids[2]);
    }
    if (ids[4] != height || ids[5] != width) {
      out.put(TARGET_SIZE, ids[5] + "x" + ids[4]);
    }
    return out;
  }

  /**
   * The conditioning recorded in {@code extras} ({@link #parameters}' keys); a key that is missing
   * or cannot be read keeps its default.
   */
  public static SizeConditioning read(Map<String, String> extras) {
    int[] original = readPair(extras.get(ORIGINAL_SIZE), "x", 1);
    int[] crop = readPair(extras.get(CROP_TOP_LEFT), ",", 0);
    int[] target = readPair(extras.get(TARGET_SIZE), "x", 1);
    return new SizeConditioning(
        original == null ? 0 : original[0],
        original == null ? 0 : original[1],
        crop == null ? 0 : crop[0],
        crop == null ? 0 : crop[1],
        target == null ? 0 : target[0],
        target == null ? 0 : target[1]);
  }

  /**
   * Two whole numbers of {@code min} to {@link #MAX} joined by {@code sep} ({@code "1024x768"},
   * {@code "16,8"}), or null when {@code text} is null or not that.
   */
  public static int[] readPair(String text, String sep, int min) {
    if (text == null) {
      return null;
    }
    String[] parts =
        text.strip().toLowerCase(Locale.ROOT).split(java.util.regex.Pattern.quote(sep));
    if (parts.length != 2) {
      return null;
    }
    try {
      int a = Integer.parseInt(parts[0].strip());
      int b = Integer.parseInt(parts[1].strip());
      return outside(a, min) || outside(b, min) ? null : new int[] {a, b};
    } catch (NumberFormatException e) {
      return null;
    }
  }
}
