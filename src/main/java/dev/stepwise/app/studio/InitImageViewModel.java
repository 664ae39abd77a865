package dev.stepwise.app.studio;

import dev.stepwise.engine.EngineException;
import dev.stepwise.engine.ImageInput;
import dev.stepwise.engine.RgbImage;
import dev.stepwise.engine.image.ImageFiles;
import dev.stepwise.recipe.ImageSettings;
import dev.stepwise.recipe.MaskedContent;
import dev.stepwise.recipe.Outpaint;
import dev.stepwise.recipe.RecipeException;
import dev.stepwise.recipe.ResizeMode;
import java.nio.file.Path;
import javafx.beans.property.BooleanProperty;
import javafx.beans.property.DoubleProperty;
import javafx.beans.property.IntegerProperty;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.ReadOnlyIntegerProperty;
import javafx.beans.property.ReadOnlyIntegerWrapper;
import javafx.beans.property.ReadOnlyObjectProperty;
import javafx.beans.property.ReadOnlyObjectWrapper;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.ReadOnlyStringWrapper;
import javafx.beans.property.SimpleDoubleProperty;
import javafx.beans.property.SimpleIntegerProperty;
import javafx.beans.property.SimpleObjectProperty;

/**
 * The picture a run starts from (img2img) and its choices: denoising strength, resize mode, the
 * inpainting mask painted over it with its blur and masked content, and outpainting's borders.
 * {@link #input()} turns them into the engine's {@link ImageInput}, checked by {@link
 * ImageSettings} and {@link ImageInput} as the CLI's {@code --init-image} options are; pictures are
 * read with the CLI's reader ({@link ImageFiles}). Used on the UI thread.
 */
public final class InitImageViewModel {
  private final ReadOnlyObjectWrapper<RgbImage> image = new ReadOnlyObjectWrapper<>();
  private final ReadOnlyStringWrapper source = new ReadOnlyStringWrapper("");
  private final DoubleProperty strength = new SimpleDoubleProperty(ImageSettings.DEFAULT_STRENGTH);
  private final ObjectProperty<ResizeMode> resize = new SimpleObjectProperty<>(ResizeMode.FILL);
  private final IntegerProperty maskBlur = new SimpleIntegerProperty(0);
  private final ObjectProperty<MaskedContent> maskedContent =
      new SimpleObjectProperty<>(MaskedContent.KEEP);
  private final IntegerProperty[] outpaint = {
    new SimpleIntegerProperty(), new SimpleIntegerProperty(),
    new SimpleIntegerProperty(), new SimpleIntegerProperty()
  };
  private final Brush brush = new Brush();
  private final ReadOnlyIntegerWrapper maskVersion = new ReadOnlyIntegerWrapper();
  private MaskModel mask;
  private SketchModel sketch;
  private boolean applying;

  /**
   * A fresh area: no picture, the default strength; growing the canvas from none switches "keep" to
   * "fill", the CLI's default for outpainting.
   */
  public InitImageViewModel() {
    for (IntegerProperty side : outpaint) {
      side.addListener(
          (o, a, b) -> {
            if (!applying
                && maskedContent.get() == MaskedContent.KEEP
                && outpaintSum() == b.intValue() - a.intValue()
                && b.intValue() > a.intValue()) {
              maskedContent.set(MaskedContent.FILL);
            }
          });
    }
  }

  private int outpaintSum() {
    int sum = 0;
    for (IntegerProperty side : outpaint) {
      sum += side.get();
    }
    return sum;
  }

  /**
   * Reads {@code file} (PNG or JPEG; transparency flattened onto white) as the init image.
   *
   * @return null when it was read, else one sentence saying why not (missing, damaged, too big)
   */
  public String load(Path file) {
    try {
      set(ImageFiles.read(file, "init image").flattened(), String.valueOf(file.getFileName()));
      return null;
    } catch (EngineException e) {
      return e.getMessage();
    }
  }

  /** Starts from {@code img} ({@code from} says where it came from); the mask starts empty. */
  public void set(RgbImage img, String from) {
    mask = new MaskModel(img.width(), img.height());
    sketch = new SketchModel(img);
    source.set(from == null ? "" : from);
    image.set(img);
    changed();
  }

  /** Back to text to image: no init image, no mask. */
  public void clear() {
    mask = null;
    sketch = null;
    image.set(null);
    source.set("");
    changed();
  }

  /**
   * Replaces the mask with {@code picture}'s (white repaints; above 128 counts as white).
   *
   * @return null when taken, else one sentence (no init image, or a mask of another size: {@link
   *     #resizeMask} takes that one)
   */
  public String setMask(RgbImage picture) {
    RgbImage img = image.get();
    if (img == null) {
      return "Load an init image before its mask.";
    }
    if (picture.width() != img.width() || picture.height() != img.height()) {
      return "The mask is "
          + picture.width()
          + "x"
          + picture.height()
          + " but the init image is "
          + img.width()
          + "x"
          + img.height()
          + "; give a mask of the init image's size.";
    }
    mask = MaskModel.of(picture);
    changed();
    return null;
  }

  /** Takes {@code picture} as the mask, resized smoothly to the init image's size (undoes none). */
  public void resizeMask(RgbImage picture) {
    RgbImage img = image.get();
    if (img != null) {
      mask = MaskModel.resized(picture, img.width(), img.height());
      changed();
    }
  }

  /**
   * Reads {@code file} as the mask, as the CLI's {@code --mask} reads it (its alpha when it has
   * one, else its luminance; above 128 repaints).
   *
   * @return null when taken, else one sentence (unreadable, no init image, another size)
   */
  public String loadMask(Path file) {
    try {
      return setMask(readMask(file));
    } catch (EngineException e) {
      return e.getMessage();
    }
  }

  /** Reads {@code file} as a mask picture, as {@link #loadMask} does, without taking it. */
  public static RgbImage readMask(Path file) {
    return ImageFiles.read(file, "mask").maskGrey();
  }

  /** The painted mask, or null without an init image. */
  public MaskModel mask() {
    return mask;
  }

  /** The picture with its sketch painted on, or null without an init image. */
  public SketchModel sketch() {
    return sketch;
  }

  /** Starts a brush stroke at (x, y) in init-image pixels: one dab on the mask or the sketch. */
  public void beginStroke(double x, double y) {
    if (mask != null) {
      brush.begin(mask, sketch, x, y);
      changed();
    }
  }

  /** Continues the stroke to (x, y): paints the segment from the last point. */
  public void continueStroke(double x, double y) {
    if (mask != null) {
      brush.extend(mask, sketch, x, y);
      changed();
    }
  }

  /** Keeps everything again (Undo brings the mask back). */
  public void clearMask() {
    if (mask != null) {
      mask.clear();
      changed();
    }
  }

  /** Repaints what was kept and keeps what was repainted. */
  public void invertMask() {
    if (mask != null) {
      mask.invert();
      changed();
    }
  }

  /** Goes back one edit of what the brush paints (mask or sketch); false when there is none. */
  public boolean undo() {
    boolean undone = mask != null && brush.undo(mask, sketch);
    if (undone) {
      changed();
    }
    return undone;
  }

  /** Goes back one mask edit; false when there is none. */
  public boolean undoMask() {
    boolean undone = mask != null && mask.undo();
    if (undone) {
      changed();
    }
    return undone;
  }

  private void changed() {
    maskVersion.set(maskVersion.get() + 1);
  }

  /** Whether the painted mask repaints some pixels (then the run inpaints). */
  public boolean masked() {
    return mask != null && !mask.isEmpty();
  }

  /**
   * The choices as the engine takes them.
   *
   * @throws RecipeException with one sentence for a value outside the limits
   */
  public ImageSettings settings() {
    Outpaint borders =
        new Outpaint(outpaint[0].get(), outpaint[1].get(), outpaint[2].get(), outpaint[3].get());
    return new ImageSettings(
        strength.get(), resize.get(), maskBlur.get(), maskedContent.get(), borders);
  }

  /**
   * What the run starts from, or null for text to image: the init image with its sketch, the mask
   * (none when nothing is painted) and {@link #settings()}.
   *
   * @throws RecipeException or {@link EngineException} with one sentence for a refused value
   */
  public ImageInput input() {
    RgbImage img = image.get();
    if (img == null) {
      return null;
    }
    return new ImageInput(sketch.image(), masked() ? mask.toRgb() : null, settings());
  }

  /** Takes over the choices of a recipe ({@code Denoising strength} and the rest). */
  public void apply(ImageSettings s) {
    strength.set(s.strength());
    resize.set(s.resize());
    maskBlur.set(s.maskBlur());
    Outpaint o = s.outpaint();
    int[] sides = o == null ? new int[4] : new int[] {o.left(), o.top(), o.right(), o.bottom()};
    applying = true;
    try {
      for (int k = 0; k < 4; k++) {
        outpaint[k].set(sides[k]);
      }
    } finally {
      applying = false;
    }
    maskedContent.set(s.maskedContent());
  }

  /** The init image, or null for text to image. */
  public ReadOnlyObjectProperty<RgbImage> imageProperty() {
    return image.getReadOnlyProperty();
  }

  /** Where the init image came from: a file name, "result seed 42", "clipboard". */
  public ReadOnlyStringProperty sourceProperty() {
    return source.getReadOnlyProperty();
  }

  /** AUTOMATIC1111's "Denoising strength", 0 to 1. */
  public DoubleProperty strengthProperty() {
    return strength;
  }

  /** How an init image of another shape becomes the image size. */
  public ObjectProperty<ResizeMode> resizeProperty() {
    return resize;
  }

  /** The mask's blur in pixels, 0 to {@link ImageSettings#MAX_MASK_BLUR}. */
  public IntegerProperty maskBlurProperty() {
    return maskBlur;
  }

  /** What the masked area starts from. */
  public ObjectProperty<MaskedContent> maskedContentProperty() {
    return maskedContent;
  }

  /** Outpainting's border on one side: 0 left, 1 top, 2 right, 3 bottom, in pixels. */
  public IntegerProperty outpaintProperty(int side) {
    return outpaint[side];
  }

  /** The brush: size, soft edge, eraser, sketch colour. */
  public Brush brush() {
    return brush;
  }

  /** The brush diameter in init-image pixels. */
  public IntegerProperty brushSizeProperty() {
    return brush.sizeProperty();
  }

  /** Whether the brush erases the mask instead of painting it. */
  public BooleanProperty erasingProperty() {
    return brush.erasingProperty();
  }

  /** Counts changes of the image or mask: the view redraws when it moves. */
  public ReadOnlyIntegerProperty maskVersionProperty() {
    return maskVersion.getReadOnlyProperty();
  }
}
