package dev.stepwise.app.studio;

import dev.stepwise.engine.EngineException;
import dev.stepwise.engine.GenerationRequest;
import dev.stepwise.engine.RgbImage;
import dev.stepwise.engine.service.PackFacts;
import dev.stepwise.engine.service.SamplingService;
import dev.stepwise.recipe.RecipeException;
import dev.stepwise.recipe.Settings;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.random.RandomGenerator;
import javafx.beans.property.BooleanProperty;
import javafx.beans.property.SimpleBooleanProperty;

/**
 * The studio's state and actions, free of any control, as parts with one concern each: the
 * controls, the seed, the model, what the model says about the prompt, the jobs, the running job's
 * progress, the live canvas and the status sentences. This root connects them, turns the controls
 * into a job ({@link #generate()}) and into remembered settings, and hears the engine.
 *
 * <p>Confined to the UI thread given as an {@link Executor}; engine events arrive through one
 * coalescing pump, so the UI thread never has more than one task of ours pending and never waits
 * for the engine.
 */
public final class StudioViewModel {
  private final UiPump pump;
  private final List<StudioListener> listeners = new CopyOnWriteArrayList<>();
  private final ControlsViewModel controls = new ControlsViewModel();
  private final SdxlSizesViewModel sdxlSizes = new SdxlSizesViewModel();
  private final SeedViewModel seeds;
  private final ModelViewModel model;
  private final PromptViewModel prompts;
  private final JobsViewModel jobs;
  private final ProgressViewModel progress = new ProgressViewModel();
  private final LiveViewModel live = new LiveViewModel();
  private final StatusViewModel status = new StatusViewModel();
  private final VariationViewModel variation;
  private final CompareViewModel compare;
  private final InitImageViewModel initImage = new InitImageViewModel();
  private final HiresViewModel hires = new HiresViewModel();
  private final BackendsViewModel backends;
  private final BooleanProperty keepTextEncoders = new SimpleBooleanProperty(true);
  private SamplingService local; // the local engine, once started

  /**
   * A view-model posting to {@code ui} (the FX thread in the app), reading model packs on {@code
   * background}, drawing seeds from {@code random}.
   */
  public StudioViewModel(Executor ui, Executor background, RandomGenerator random) {
    this.pump = new UiPump(ui, live::drawLatest);
    this.seeds = new SeedViewModel(random);
    this.model = new ModelViewModel(ui, background, controls);
    this.prompts =
        new PromptViewModel(controls, model.factsProperty(), model::modelsFolder, ui, background);
    this.jobs = new JobsViewModel(pump);
    this.variation = new VariationViewModel(this, random);
    this.compare = new CompareViewModel(this);
    this.backends = new BackendsViewModel(ui, background, this::use);
    keepTextEncoders.addListener(
        (o, a, b) -> {
          if (local != null) {
            local.keepTextEncoders(b);
          }
        });
    for (int side = 0; side < 4; side++) { // outpainting grows the image: the size follows
      initImage.outpaintProperty(side).addListener((o, a, b) -> fitSizeToInitImage());
    }
  }

  /**
   * Connects the local engine once it has started (call on the UI thread); new jobs run on it
   * unless the backends' pool is chosen ({@link #backends()}).
   */
  public void attach(SamplingService s) {
    local = s;
    s.keepTextEncoders(keepTextEncoders.get());
    backends.local(s);
  }

  /**
   * Whether the local engine keeps the text encoders in memory between prompts (on by default; off
   * frees SDXL's 1.8 GB while the steps run and reads them again for the next prompt).
   */
  public BooleanProperty keepTextEncodersProperty() {
    return keepTextEncoders;
  }

  /** New jobs run on {@code s} (the local engine or a pool's service; null: none ready yet). */
  private void use(SamplingService s) {
    jobs.attach(s);
    status.device(s == null ? "starting the engine…" : s.device());
  }

  /** Adds a hook that hears of every job start, step preview and finished image (UI thread). */
  public void addStudioListener(StudioListener l) {
    listeners.add(l);
  }

  /** The controls' values as one record (what is remembered between runs). */
  public GenerationSettings settings() {
    return new GenerationSettings(
        controls.promptProperty().get(),
        controls.negativePromptProperty().get(),
        controls.guidanceProperty().get(),
        controls.stepsProperty().get(),
        seeds.seedTextProperty().get(),
        seeds.seedLockedProperty().get(),
        controls.samplerProperty().get(),
        controls.karrasProperty().get(),
        controls.widthProperty().get(),
        controls.heightProperty().get(),
        controls.batchProperty().get(),
        model.folderSetting(),
        controls.previewMethodProperty().get(),
        model.previewDecoders(),
        model.predictions(),
        model.modelsRootSetting(),
        controls.clipSkipProperty().get(),
        controls.vaeProperty().get());
  }

  /**
   * Sets the controls from {@code s} and offers {@code catalog}'s models; the model is the one
   * {@code s} names when it is listed or still a folder, else the built-in pack.
   */
  public void apply(GenerationSettings s, List<ModelChoice> catalog) {
    controls.apply(s);
    seeds.apply(s);
    model.apply(s, catalog);
  }

  /**
   * Submits a job with the current controls: it runs at once when the engine is idle, otherwise it
   * joins the queue. Returns its queue entry, or null when a control is invalid (then the status's
   * {@link StatusViewModel#errorProperty() error} holds one plain sentence).
   */
  public QueueEntry generate() {
    status.clearError();
    if (!jobs.engineStarted()) {
      status.showError("The engine is still starting; try again in a moment.");
      return null;
    }
    PackFacts f = model.factsProperty().get();
    if (f == null) {
      String m = model.modelMessageProperty().get();
      status.showError(
          m == null || m.isEmpty() || m.startsWith("Reading")
              ? "The model is still being read; try again in a moment."
              : m);
      return null;
    }
    GenerationSettings gs = settings();
    String problem = gs.problem(f.sizeStep());
    if (problem != null) {
      status.showError(problem);
      return null;
    }
    long seed = seeds.next(gs);
    GenerationRequest request;
    try {
      request = variation.applyTo(gs.toRequest(seed, f.folder()));
      boolean fromPicture = initImage.imageProperty().get() != null;
      if (fromPicture) {
        request = request.toBuilder().input(initImage.input()).build();
      }
      request = hires.applyTo(request, fromPicture);
      request = sdxlSizes.applyTo(request, f.sdxl());
    } catch (EngineException | RecipeException e) {
      status.showError(e.getMessage());
      return null;
    }
    seeds.used(seed);
    JobListener listener = new JobListener(this, request, f);
    String size = SizeAdvice.warning(gs.width(), gs.height(), f.nativeSize(), f.sdxl());
    if (size != null) {
      listener.notice(size); // a notification now, and the "Finished ..." line repeats it
    }
    return jobs.submit(request, listener);
  }

  /** The UI thread's cost of every delivery from the engine so far (drains of the pump). */
  public UiCost uiCost() {
    return pump.cost();
  }

  /** Carries engine events to the UI thread. */
  UiPump pump() {
    return pump;
  }

  /** The hooks that follow every run. */
  List<StudioListener> listeners() {
    return listeners;
  }

  /** The controls the user edits (prompt, guidance, steps, sampler, size, batch, preview). */
  public ControlsViewModel controls() {
    return controls;
  }

  /** The seed field, its lock and the last seed used. */
  public SeedViewModel seeds() {
    return seeds;
  }

  /** The models on offer, the chosen one, its facts and its preview decoder. */
  public ModelViewModel model() {
    return model;
  }

  /** Prompt ideas, completions and unknown words of the chosen model. */
  public PromptViewModel prompts() {
    return prompts;
  }

  /** The queue, the running flag and this session's finished images. */
  public JobsViewModel jobs() {
    return jobs;
  }

  /** The running job's step, progress, speed, time left and preview cost. */
  public ProgressViewModel progress() {
    return progress;
  }

  /** The live canvas: the shown source, the newest frame and a step chosen in the timeline. */
  public LiveViewModel live() {
    return live;
  }

  /** The variation seed and strength Generate uses, and "Vary" on a finished image. */
  public VariationViewModel variation() {
    return variation;
  }

  /** The compare grid: its axes, its cells and the grid filled as they finish. */
  public CompareViewModel compare() {
    return compare;
  }

  /** The picture a run starts from (img2img), its mask and their choices. */
  public InitImageViewModel initImage() {
    return initImage;
  }

  /** SDXL's size conditioning controls. */
  public SdxlSizesViewModel sdxlSizes() {
    return sdxlSizes;
  }

  /** The hires fix's controls. */
  public HiresViewModel hires() {
    return hires;
  }

  /**
   * Starts the next runs from {@code img} ("Send to img2img", a loaded or pasted picture): the init
   * image, and the size controls set to its size rounded down to the model's multiple (scaled down
   * to {@link Settings#MAX_SIDE} a side when larger).
   */
  public void useInitImage(RgbImage img, String from) {
    initImage.set(img, from);
    fitSizeToInitImage();
  }

  /**
   * Sets the size controls to the init image's canvas (grown by outpainting's borders), rounded
   * down to the model's multiple and scaled down to {@link Settings#MAX_SIDE} a side when larger.
   */
  private void fitSizeToInitImage() {
    RgbImage img = initImage.imageProperty().get();
    if (img == null) {
      return;
    }
    int cw =
        img.width() + initImage.outpaintProperty(0).get() + initImage.outpaintProperty(2).get();
    int ch =
        img.height() + initImage.outpaintProperty(1).get() + initImage.outpaintProperty(3).get();
    PackFacts f = model.factsProperty().get();
    int step = f == null ? 8 : f.sizeStep();
    double scale = Math.min(1, (double) Settings.MAX_SIDE / Math.max(cw, ch));
    int w = (int) (cw * scale);
    int h = (int) (ch * scale);
    controls.widthProperty().set(Math.max(step, w - w % step));
    controls.heightProperty().set(Math.max(step, h - h % step));
  }

  /** The configured backends and where new jobs run (this computer or their pool). */
  public BackendsViewModel backends() {
    return backends;
  }

  /** The device, status, error and notice sentences. */
  public StatusViewModel status() {
    return status;
  }
}
