package dev.stepwise.app.studio;

import dev.stepwise.engine.GenerationRequest;
import dev.stepwise.gallery.Recipe;
import dev.stepwise.recipe.HiresSettings;
import dev.stepwise.recipe.HiresUpscaler;
import javafx.beans.property.BooleanProperty;
import javafx.beans.property.DoubleProperty;
import javafx.beans.property.IntegerProperty;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.beans.property.SimpleDoubleProperty;
import javafx.beans.property.SimpleIntegerProperty;
import javafx.beans.property.SimpleObjectProperty;

/**
 * The studio's "Hires fix" (AUTOMATIC1111's "Hires. fix", {@link HiresSettings}): make the image at
 * the chosen size, enlarge it, redraw it with img2img. Text to image only; the engine checks the
 * values and its sentences reach the error line. UI thread only.
 */
public final class HiresViewModel {
  /** Whether Generate runs the second pass. */
  final BooleanProperty enabled = new SimpleBooleanProperty(false);

  /** The enlargement, 1 to 4 (A1111's default 2). */
  final DoubleProperty scale = new SimpleDoubleProperty(2);

  /** The second pass's steps; 0 for as many as the first. */
  final IntegerProperty steps = new SimpleIntegerProperty(0);

  /** The second pass's denoising strength. */
  final DoubleProperty strength = new SimpleDoubleProperty(HiresSettings.DEFAULT_STRENGTH);

  /** How the first pass is enlarged. */
  final ObjectProperty<HiresUpscaler> upscaler = new SimpleObjectProperty<>(HiresUpscaler.LATENT);

  /** Whether Generate runs the second pass. */
  public BooleanProperty enabledProperty() {
    return enabled;
  }

  /** The enlargement, 1 to 4. */
  public DoubleProperty scaleProperty() {
    return scale;
  }

  /** The second pass's strength. */
  public DoubleProperty strengthProperty() {
    return strength;
  }

  /** The hires fix Generate asks for, or null when it is off. */
  HiresSettings settings() {
    return enabled.get()
        ? new HiresSettings(scale.get(), steps.get(), strength.get(), upscaler.get())
        : null;
  }

  /**
   * {@code r} with the hires fix when it is on; with an init image the fix is refused in one
   * sentence (A1111 offers it for text to image only).
   */
  GenerationRequest applyTo(GenerationRequest r, boolean fromPicture) {
    HiresSettings h = settings();
    if (h == null) {
      return r;
    }
    if (fromPicture) {
      throw new dev.stepwise.engine.EngineException(
          "The hires fix is for text to image; turn it off or remove the init image.");
    }
    return r.toBuilder().hires(h).build();
  }

  /** Reuse: the recipe's hires fix, or off when it has none. */
  void apply(Recipe recipe) {
    HiresSettings h = recipe.hires();
    enabled.set(h != null);
    if (h != null) {
      scale.set(h.scale());
      steps.set(h.steps());
      strength.set(h.strength());
      upscaler.set(h.upscaler());
    }
  }
}
