package dev.stepwise.app.explain;

import dev.stepwise.engine.EngineException;
import dev.stepwise.engine.RgbImage;
import dev.stepwise.engine.explain.SamplerPlan;
import dev.stepwise.engine.explain.ScheduleCurves;
import dev.stepwise.engine.sampling.SchedulerConfig;
import dev.stepwise.engine.sampling.StrengthSchedule;
import dev.stepwise.recipe.RecipeException;
import dev.stepwise.recipe.Sampler;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import javafx.application.Platform;
import javafx.beans.property.BooleanProperty;
import javafx.beans.property.IntegerProperty;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.ReadOnlyBooleanProperty;
import javafx.beans.property.ReadOnlyDoubleProperty;
import javafx.beans.property.ReadOnlyDoubleWrapper;
import javafx.beans.property.ReadOnlyIntegerProperty;
import javafx.beans.property.ReadOnlyIntegerWrapper;
import javafx.beans.property.ReadOnlyLongProperty;
import javafx.beans.property.ReadOnlyObjectProperty;
import javafx.beans.property.ReadOnlyObjectWrapper;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.ReadOnlyStringWrapper;

/**
 * The explain view's state: it owns the schedule curves and sampler plan of the current model and
 * settings, the current step and the sampler's update in words, and composes the forward-process
 * explorer ({@link ForwardExplorer}), whose properties it exposes.
 *
 * <p>Used on the FX thread. Pixel-space noising is cheap and runs on the calling thread; every
 * autoencoder call (loading the pack, encoding, decoding) runs on one background thread that owns
 * the model (see {@link LatentWorker}), and results come back through the UI executor. The model is
 * loaded only once latent mode is switched on, and closed when the pack changes or in {@link
 * #close()}.
 */
public final class ExplainViewModel implements AutoCloseable {
  /** Longer side of the pixel-space explorer image. */
  public static final int PIXEL_SIZE = 256;

  /** Timesteps of the pixel-space strip, as in the figures of Ho et al. 2020. */
  public static final List<Integer> STRIP_TIMESTEPS = List.of(0, 100, 250, 400, 600, 800, 999);

  private final ReadOnlyObjectWrapper<ScheduleCurves> curves = new ReadOnlyObjectWrapper<>();
  private final ReadOnlyObjectWrapper<SamplerPlan> plan = new ReadOnlyObjectWrapper<>();
  private final ReadOnlyObjectWrapper<SamplerExplanation> explanation =
      new ReadOnlyObjectWrapper<>();
  private final ReadOnlyIntegerWrapper currentStep = new ReadOnlyIntegerWrapper(-1);
  private final ReadOnlyDoubleWrapper currentTimestep = new ReadOnlyDoubleWrapper(Double.NaN);
  private final ReadOnlyDoubleWrapper strengthTimestep = new ReadOnlyDoubleWrapper(Double.NaN);
  private double strength = Double.NaN;
  private final ReadOnlyStringWrapper stepNumbers = new ReadOnlyStringWrapper("");
  private final ReadOnlyStringWrapper message = new ReadOnlyStringWrapper("");

  private final ExecutorService ownBackground;
  private final ForwardExplorer explorer;

  /** Creates a view model with its own model thread that reports through the FX thread. */
  public ExplainViewModel() {
    this(null, Platform::runLater);
  }

  /**
   * Creates a view model whose autoencoder work runs on {@code background} (null: a daemon thread
   * of its own) and whose results are applied through {@code ui}.
   */
  public ExplainViewModel(Executor background, Executor ui) {
    if (background == null) {
      ownBackground =
          Executors.newSingleThreadExecutor(
              r -> {
                Thread t = new Thread(r, "stepwise-explain");
                t.setDaemon(true);
                return t;
              });
      background = ownBackground;
    } else {
      ownBackground = null;
    }
    applySchedule(SchedulerConfig.stableDiffusion(), Sampler.DDIM, false, 20);
    explorer = new ForwardExplorer(background, ui, curves.getReadOnlyProperty(), message::set);
  }

  /**
   * Switches to another model or sampler setting: recomputes the curves and the sampler's
   * timesteps, and, when {@code packDir} changes, closes the loaded autoencoder (the new one loads
   * when latent mode next needs it). A bad sampler name or step count is reported in {@link
   * #messageProperty()} and leaves the previous plan.
   *
   * @param config the pack's scheduler config; null uses Stable Diffusion's
   * @param samplerName a name {@link Sampler#parse} accepts ("ddim", "Euler a", ...)
   */
  public void setModel(
      Path packDir, SchedulerConfig config, String samplerName, boolean karras, int steps) {
    explorer.setPack(packDir);
    try {
      applySchedule(
          config == null ? SchedulerConfig.stableDiffusion() : config,
          Sampler.parse(samplerName),
          karras,
          steps);
      message.set("");
    } catch (EngineException | RecipeException e) {
      message.set(e.getMessage());
    }
    explorer.scheduleChanged();
  }

  private void applySchedule(SchedulerConfig config, Sampler kind, boolean karras, int steps) {
    SamplerPlan p = SamplerPlan.of(config, kind, karras, steps);
    curves.set(ScheduleCurves.of(config));
    plan.set(p);
    explanation.set(SamplerExplanation.of(kind, p.karras()));
    setCurrentStep(currentStep.get());
    setStrength(strength);
  }

  /**
   * Marks where an img2img run at denoising {@code strength} starts on the schedule: the timestep
   * of the first step that runs ({@link StrengthSchedule#img2img}, diffusers' rule for DDPM and
   * DDIM, A1111's for the k-samplers); NaN, or strength 0 (no step runs), clears the mark.
   */
  public void setStrength(double strength) {
    this.strength = strength;
    SamplerPlan p = plan.get();
    if (!(strength > 0 && strength <= 1)) {
      strengthTimestep.set(Double.NaN);
      return;
    }
    StrengthSchedule s = StrengthSchedule.img2img(p.kind(), p.steps(), strength);
    strengthTimestep.set(p.timestep(s.start()));
  }

  /** The timestep an img2img run starts at (see {@link #setStrength}), or NaN for none. */
  public ReadOnlyDoubleProperty strengthTimestepProperty() {
    return strengthTimestep.getReadOnlyProperty();
  }

  /**
   * Marks sampler step {@code step} (0-based) as current; -1 (or any negative value) clears the
   * mark, and values past the last step are clamped to it.
   */
  public void setCurrentStep(int step) {
    SamplerPlan p = plan.get();
    int s = step < 0 ? -1 : Math.min(step, p.steps() - 1);
    currentStep.set(s);
    currentTimestep.set(s < 0 ? Double.NaN : p.timestep(s));
    stepNumbers.set(SamplerExplanation.stepNumbers(p, s));
  }

  /** Draws a new noise sample for the explorer (a new fixed seed). */
  public void newNoise() {
    explorer.newNoise();
  }

  /**
   * Loads an image file for the explorer on the background thread; a file that is not a readable
   * image is reported in {@link #messageProperty()}.
   */
  public void loadImage(Path file) {
    explorer.loadImage(file);
  }

  /**
   * Offers the studio's newest picture to the explorer: it becomes x_0 unless the user opened an
   * image of their own ({@link #useOfferedImage} switches back).
   */
  public void offerImage(RgbImage image) {
    explorer.offer(image);
  }

  /** Offers the picture in {@code file} (the library's newest) unless one was offered already. */
  public void offerImageFile(Path file) {
    explorer.offerFile(file);
  }

  /** Makes the offered picture the explorer's x_0 again. */
  public void useOfferedImage() {
    explorer.useOffered();
  }

  /** The studio's newest picture as offered to the explorer, or null before any. */
  public ReadOnlyObjectProperty<RgbImage> offeredImageProperty() {
    return explorer.offeredProperty();
  }

  /** Closes the autoencoder and stops the model thread (when the view model owns it). */
  @Override
  public void close() {
    explorer.closeModel();
    if (ownBackground != null) {
      ownBackground.shutdown();
    }
  }

  /** Returns the schedule's curves. */
  public ReadOnlyObjectProperty<ScheduleCurves> curvesProperty() {
    return curves.getReadOnlyProperty();
  }

  /** Returns the current sampler's timesteps and noise levels. */
  public ReadOnlyObjectProperty<SamplerPlan> planProperty() {
    return plan.getReadOnlyProperty();
  }

  /** Returns the current sampler's update in words and formula. */
  public ReadOnlyObjectProperty<SamplerExplanation> explanationProperty() {
    return explanation.getReadOnlyProperty();
  }

  /** Returns the current step, 0-based, or -1. */
  public ReadOnlyIntegerProperty currentStepProperty() {
    return currentStep.getReadOnlyProperty();
  }

  /** Returns the model timestep of the current step, NaN when none. */
  public ReadOnlyDoubleProperty currentTimestepProperty() {
    return currentTimestep.getReadOnlyProperty();
  }

  /** Returns the current step's numbers in one line. */
  public ReadOnlyStringProperty stepNumbersProperty() {
    return stepNumbers.getReadOnlyProperty();
  }

  /** Returns the last problem with the settings or an opened image, one sentence, or empty. */
  public ReadOnlyStringProperty messageProperty() {
    return message.getReadOnlyProperty();
  }

  /** Returns the explorer's clean image x_0 (any size; a drawn sample at first). */
  public ObjectProperty<RgbImage> sourceImageProperty() {
    return explorer.sourceImageProperty();
  }

  /** Returns the explorer's training timestep t, clamped to [0, T-1]. */
  public IntegerProperty explorerTimestepProperty() {
    return explorer.timestepProperty();
  }

  /** Returns the seed of the explorer's noise eps. */
  public ReadOnlyLongProperty noiseSeedProperty() {
    return explorer.noiseSeedProperty();
  }

  /** Returns x_t in pixel space at the explorer's t. */
  public ReadOnlyObjectProperty<RgbImage> pixelNoisedProperty() {
    return explorer.pixelNoisedProperty();
  }

  /** Returns x_t in pixel space at {@link #STRIP_TIMESTEPS}. */
  public ReadOnlyObjectProperty<List<RgbImage>> pixelStripProperty() {
    return explorer.pixelStripProperty();
  }

  /** Returns the explorer's t, abar, signal and noise weights and SNR in one line. */
  public ReadOnlyStringProperty explorerCaptionProperty() {
    return explorer.captionProperty();
  }

  /** Returns whether the explorer also works in the pack's latent space. */
  public BooleanProperty latentEnabledProperty() {
    return explorer.latentEnabledProperty();
  }

  /** Returns decode(sqrt(abar) z_0 + sqrt(1 - abar) eps), z_0 = encode(x_0). */
  public ReadOnlyObjectProperty<RgbImage> latentDecodedProperty() {
    return explorer.latentDecodedProperty();
  }

  /** Returns the noisy latent itself, at latent resolution, through the preview projection. */
  public ReadOnlyObjectProperty<RgbImage> latentViewProperty() {
    return explorer.latentViewProperty();
  }

  /** Returns whether autoencoder work is pending. */
  public ReadOnlyBooleanProperty busyProperty() {
    return explorer.busyProperty();
  }

  /** Returns what the latent explorer is doing or why it failed, one sentence. */
  public ReadOnlyStringProperty latentStatusProperty() {
    return explorer.latentStatusProperty();
  }
}
