package dev.stepwise.app.studio;

import dev.stepwise.engine.GenerationRequest;
import dev.stepwise.gallery.Recipe;
import dev.stepwise.recipe.SizeConditioning;
import javafx.beans.property.BooleanProperty;
import javafx.beans.property.IntegerProperty;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.beans.property.SimpleIntegerProperty;

/**
 * The studio's SDXL size conditioning ({@link SizeConditioning}: diffusers' original_size,
 * crops_coords_top_left and target_size), shown for SDXL models only. A size of 0 means the image's
 * own size. Off, or on a model that is not SDXL, Generate sends diffusers' defaults. UI thread
 * only.
 */
public final class SdxlSizesViewModel {
  /** Whether Generate sends the values below. */
  final BooleanProperty enabled = new SimpleBooleanProperty(false);

  final IntegerProperty originalWidth = new SimpleIntegerProperty(0);
  final IntegerProperty originalHeight = new SimpleIntegerProperty(0);
  final IntegerProperty cropLeft = new SimpleIntegerProperty(0);
  final IntegerProperty cropTop = new SimpleIntegerProperty(0);
  final IntegerProperty targetWidth = new SimpleIntegerProperty(0);
  final IntegerProperty targetHeight = new SimpleIntegerProperty(0);

  /** Whether Generate sends the chosen sizes. */
  public BooleanProperty enabledProperty() {
    return enabled;
  }

  /** The chosen conditioning, or {@link SizeConditioning#DEFAULT} while off. */
  SizeConditioning settings() {
    if (!enabled.get()) {
      return SizeConditioning.DEFAULT;
    }
    return new SizeConditioning(
        originalWidth.get(),
        originalHeight.get(),
        cropLeft.get(),
        cropTop.get(),
        targetWidth.get(),
        targetHeight.get());
  }

  /**
   * {@code r} with the chosen sizes when on and the model is SDXL ({@code sdxl}); a bad value (one
   * side 0, the other not) is refused by {@link SizeConditioning} in one sentence.
   */
  GenerationRequest applyTo(GenerationRequest r, boolean sdxl) {
    SizeConditioning s = settings();
    return !sdxl || s.equals(SizeConditioning.DEFAULT) ? r : r.toBuilder().sizes(s).build();
  }

  /** Reuse: the recipe's sizes (on when it records any), or off. */
  void apply(Recipe recipe) {
    SizeConditioning s = recipe.sizeConditioning();
    enabled.set(!s.equals(SizeConditioning.DEFAULT));
    originalWidth.set(s.originalWidth());
    originalHeight.set(s.originalHeight());
    cropLeft.set(s.cropLeft());
    cropTop.set(s.cropTop());
    targetWidth.set(s.targetWidth());
    targetHeight.set(s.targetHeight());
  }
}
