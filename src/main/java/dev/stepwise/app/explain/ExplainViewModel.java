package dev.stepwise.app.explain;

import dev.stepwise.app.timeline.FrameScaler;
import dev.stepwise.engine.EngineException;
import dev.stepwise.engine.RgbImage;
import dev.stepwise.engine.explain.ForwardProcess;
import dev.stepwise.engine.explain.SamplerPlan;
import dev.stepwise.engine.explain.ScheduleCurves;
import dev.stepwise.recipe.Sampler;
import dev.stepwise.engine.sampling.SchedulerConfig;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import javafx.application.Platform;
import javafx.beans.property.BooleanProperty;
import javafx.beans.property.IntegerProperty;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.ReadOnlyBooleanProperty;
import javafx.beans.property.ReadOnlyBooleanWrapper;
import javafx.beans.property.ReadOnlyDoubleProperty;
import javafx.beans.property.ReadOnlyDoubleWrapper;
import javafx.beans.property.ReadOnlyIntegerProperty;
import javafx.beans.property.ReadOnlyIntegerWrapper;
import javafx.beans.property.ReadOnlyLongProperty;
import javafx.beans.property.ReadOnlyLongWrapper;
import javafx.beans.property.ReadOnlyObjectProperty;
import javafx.beans.property.ReadOnlyObjectWrapper;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.ReadOnlyStringWrapper;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.beans.property.SimpleIntegerProperty;
import javafx.beans.property.SimpleObjectProperty;

/**
 * The explain view's state: the schedule curves and sampler plan of the current model and settings,
 * the current step, the sampler's update in words, and the forward-process explorer.
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
  private final ReadOnlyStringWrapper stepNumbers = new ReadOnlyStringWrapper("");
  private final ReadOnlyStringWrapper message = new ReadOnlyStringWrapper("");

  private final ObjectProperty<RgbImage> sourceImage = new SimpleObjectProperty<>();
  private final IntegerProperty explorerTimestep = new SimpleIntegerProperty(250);
  private final ReadOnlyLongWrapper noiseSeed = new ReadOnlyLongWrapper(42);
  private final ReadOnlyObjectWrapper<RgbImage> pixelNoised = new ReadOnlyObjectWrapper<>();
  private final ReadOnlyObjectWrapper<List<RgbImage>> pixelStrip =
      new ReadOnlyObjectWrapper<>(List.of());
  private final ReadOnlyStringWrapper explorerCaption = new ReadOnlyStringWrapper("");
  private final BooleanProperty latentEnabled = new SimpleBooleanProperty(false);
  private final ReadOnlyObjectWrapper<RgbImage> latentDecoded = new ReadOnlyObjectWrapper<>();
  private final ReadOnlyObjectWrapper<RgbImage> latentView = new ReadOnlyObjectWrapper<>();
  private final ReadOnlyBooleanWrapper busy = new ReadOnlyBooleanWrapper(false);
  private final ReadOnlyStringWrapper latentStatus =
      new ReadOnlyStringWrapper("Latent space is off; switch it on to run the autoencoder.");

  private final Executor ui;
  private final ExecutorService ownBackground;
  private final LatentWorker worker;
  private Path packDir;
  private RgbImage pixelSource; // the source scaled to PIXEL_SIZE
  private float[] pixelX0; // [3, H, W] in [-1, 1]
  private float[] pixelEps; // [3, H, W]
  private long latestRequest;

  /** Creates a view model with its own model thread that reports through the FX thread. */
  public ExplainViewModel() {
    this(null, Platform::runLater);
  }

  /**
   * Creates a view model whose autoencoder work runs on {@code background} (null: a daemon thread
   * of its own) and whose results are applied through {@code ui}.
   */
  public ExplainViewModel(Executor background, Executor ui) {
    this.ui = ui;
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
    worker = new LatentWorker(background, ui);
    applySchedule(SchedulerConfig.stableDiffusion(), Sampler.DDIM, false, 20);
    sourceImage.addListener((o, a, b) -> sourceChanged());
    explorerTimestep.addListener(
        (o, a, b) -> {
          int t = clampT(b.intValue());
          if (t != b.intValue()) {
            explorerTimestep.set(t);
            return;
          }
          refreshPixel();
          requestLatent();
        });
    latentEnabled.addListener(
        (o, a, b) -> {
          if (b) {
            requestLatent();
          } else {
            latentDecoded.set(null);
            latentView.set(null);
            latentStatus.set("Latent space is off; switch it on to run the autoencoder.");
          }
        });
    sourceImage.set(SampleImage.create(PIXEL_SIZE));
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
    if (!Objects.equals(this.packDir, packDir)) {
      this.packDir = packDir;
      worker.closeModel();
      latentDecoded.set(null);
      latentView.set(null);
    }
    try {
      applySchedule(
          config == null ? SchedulerConfig.stableDiffusion() : config,
          Sampler.parse(samplerName),
          karras,
          steps);
      message.set("");
    } catch (EngineException e) {
      message.set(e.getMessage());
    }
    explorerTimestep.set(clampT(explorerTimestep.get()));
    refreshPixel();
    refreshStrip();
    requestLatent();
  }

  private void applySchedule(SchedulerConfig config, Sampler kind, boolean karras, int steps) {
    SamplerPlan p = SamplerPlan.of(config, kind, karras, steps);
    curves.set(ScheduleCurves.of(config));
    plan.set(p);
    explanation.set(SamplerExplanation.of(kind, p.karras()));
    setCurrentStep(currentStep.get());
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
    noiseSeed.set(noiseSeed.get() + 1);
    pixelEps = null;
    refreshPixel();
    refreshStrip();
    requestLatent();
  }

  /**
   * Loads an image file for the explorer on the background thread; a file that is not a readable
   * image is reported in {@link #messageProperty()}.
   */
  public void loadImage(Path file) {
    worker.run(
        () -> ImageFiles.read(file),
        img -> {
          message.set("");
          sourceImage.set(img);
        },
        message::set);
  }

  private int clampT(int t) {
    return Math.max(0, Math.min(curves.get().size() - 1, t));
  }

  private void sourceChanged() {
    RgbImage src = sourceImage.get();
    if (src == null) {
      return;
    }
    int[] wh = FrameScaler.fitLongSide(src.width(), src.height(), PIXEL_SIZE);
    pixelSource = FrameScaler.scale(src, wh[0], wh[1], true);
    pixelX0 = ForwardProcess.toSigned(pixelSource);
    pixelEps = null;
    refreshPixel();
    refreshStrip();
    requestLatent();
  }

  private float[] eps() {
    if (pixelEps == null || pixelEps.length != pixelX0.length) {
      pixelEps = ForwardProcess.noise(noiseSeed.get(), pixelX0.length); // [3, H, W]
    }
    return pixelEps;
  }

  private void refreshPixel() {
    if (pixelX0 == null) {
      return;
    }
    int t = explorerTimestep.get();
    double abar = curves.get().alphaBar(t);
    pixelNoised.set(
        ForwardProcess.noisedRgb(pixelX0, eps(), abar, pixelSource.width(), pixelSource.height()));
    explorerCaption.set(
        String.format(
            java.util.Locale.ROOT,
            "t = %d:  ᾱ_t = %.4f,  √ᾱ_t = %.3f (signal),  √(1 − ᾱ_t) = %.3f (noise),  SNR = %.3g",
            t,
            abar,
            Math.sqrt(abar),
            Math.sqrt(1 - abar),
            abar / (1 - abar)));
  }

  private void refreshStrip() {
    if (pixelX0 == null) {
      return;
    }
    ScheduleCurves c = curves.get();
    List<RgbImage> out = new java.util.ArrayList<>();
    for (int t : STRIP_TIMESTEPS) {
      int tt = Math.min(t, c.size() - 1);
      out.add(
          ForwardProcess.noisedRgb(
              pixelX0, eps(), c.alphaBar(tt), pixelSource.width(), pixelSource.height()));
    }
    pixelStrip.set(List.copyOf(out));
  }

  private void requestLatent() {
    if (!latentEnabled.get() || sourceImage.get() == null) {
      return;
    }
    if (packDir == null) {
      latentStatus.set("No model is loaded yet; choose a model to explore its latent space.");
      return;
    }
    long id = ++latestRequest;
    LatentWorker.Request r =
        new LatentWorker.Request(
            packDir,
            sourceImage.get(),
            curves.get().alphaBar(explorerTimestep.get()),
            noiseSeed.get());
    busy.set(true);
    if (!worker.isLoaded(packDir)) {
      latentStatus.set("Loading the model's autoencoder…");
    }
    worker.submit(
        r,
        result -> {
          if (id != latestRequest) {
            return; // a newer request is on its way
          }
          busy.set(false);
          latentDecoded.set(result.decoded());
          latentView.set(result.latentView());
          latentStatus.set(result.caption());
        },
        error -> {
          if (id != latestRequest) {
            return;
          }
          busy.set(false);
          latentStatus.set(error);
        });
  }

  /** Closes the autoencoder and stops the model thread (when the view model owns it). */
  @Override
  public void close() {
    worker.closeModel();
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
    return sourceImage;
  }

  /** Returns the explorer's training timestep t, clamped to [0, T-1]. */
  public IntegerProperty explorerTimestepProperty() {
    return explorerTimestep;
  }

  /** Returns the seed of the explorer's noise eps. */
  public ReadOnlyLongProperty noiseSeedProperty() {
    return noiseSeed.getReadOnlyProperty();
  }

  /** Returns x_t in pixel space at the explorer's t. */
  public ReadOnlyObjectProperty<RgbImage> pixelNoisedProperty() {
    return pixelNoised.getReadOnlyProperty();
  }

  /** Returns x_t in pixel space at {@link #STRIP_TIMESTEPS}. */
  public ReadOnlyObjectProperty<List<RgbImage>> pixelStripProperty() {
    return pixelStrip.getReadOnlyProperty();
  }

  /** Returns the explorer's t, abar, signal and noise weights and SNR in one line. */
  public ReadOnlyStringProperty explorerCaptionProperty() {
    return explorerCaption.getReadOnlyProperty();
  }

  /** Returns whether the explorer also works in the pack's latent space. */
  public BooleanProperty latentEnabledProperty() {
    return latentEnabled;
  }

  /** Returns decode(sqrt(abar) z_0 + sqrt(1 - abar) eps), z_0 = encode(x_0). */
  public ReadOnlyObjectProperty<RgbImage> latentDecodedProperty() {
    return latentDecoded.getReadOnlyProperty();
  }

  /** Returns the noisy latent itself, at latent resolution, through the preview projection. */
  public ReadOnlyObjectProperty<RgbImage> latentViewProperty() {
    return latentView.getReadOnlyProperty();
  }

  /** Returns whether autoencoder work is pending. */
  public ReadOnlyBooleanProperty busyProperty() {
    return busy.getReadOnlyProperty();
  }

  /** Returns what the latent explorer is doing or why it failed, one sentence. */
  public ReadOnlyStringProperty latentStatusProperty() {
    return latentStatus.getReadOnlyProperty();
  }
}
