package dev.stepwise.app.studio;

import dev.stepwise.engine.EngineException;
import dev.stepwise.engine.GenerationRequest;
import dev.stepwise.engine.PreviewMethod;
import dev.stepwise.engine.PreviewSource;
import dev.stepwise.engine.RgbImage;
import dev.stepwise.engine.StepFrames;
import dev.stepwise.engine.pack.ModelPack;
import dev.stepwise.recipe.Sampler;
import dev.stepwise.engine.service.JobHandle;
import dev.stepwise.engine.service.JobState;
import dev.stepwise.engine.service.PackFacts;
import dev.stepwise.engine.service.SamplingService;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.random.RandomGenerator;
import javafx.beans.property.BooleanProperty;
import javafx.beans.property.DoubleProperty;
import javafx.beans.property.IntegerProperty;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.ReadOnlyObjectProperty;
import javafx.beans.property.ReadOnlyObjectWrapper;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.ReadOnlyStringWrapper;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.beans.property.SimpleDoubleProperty;
import javafx.beans.property.SimpleIntegerProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;

/**
 * The studio's state and actions, free of any control: the controls' values, the chosen model's
 * facts, the live run (step, speed, frames), the queue and the results. Confined to the UI thread
 * given as an {@link Executor}; engine events arrive through one coalescing pump, so the UI thread
 * never has more than one task of ours pending and never waits for the engine.
 */
public final class StudioViewModel {
  private final Executor ui;
  private final Executor background;
  private final RandomGenerator random;
  final UiPump pump;
  final List<StudioListener> listeners = new CopyOnWriteArrayList<>();
  volatile SamplingService service;

  // Controls.
  private final StringProperty prompt = new SimpleStringProperty("");
  private final StringProperty negativePrompt = new SimpleStringProperty("");
  private final DoubleProperty guidance = new SimpleDoubleProperty(5);
  private final IntegerProperty steps = new SimpleIntegerProperty(20);
  private final StringProperty seedText = new SimpleStringProperty("0");
  private final BooleanProperty seedLocked = new SimpleBooleanProperty();
  private final ObjectProperty<Sampler> sampler = new SimpleObjectProperty<>(Sampler.DDIM);
  private final BooleanProperty karras = new SimpleBooleanProperty();
  private final IntegerProperty width = new SimpleIntegerProperty();
  private final IntegerProperty height = new SimpleIntegerProperty();
  private final IntegerProperty batch = new SimpleIntegerProperty(1);
  private final ObjectProperty<PreviewMethod> previewMethod =
      new SimpleObjectProperty<>(PreviewMethod.AUTO);
  /** The preview decoder chosen for each model, by {@link GenerationSettings#modelKey}. */
  private final Map<String, String> previewDecoders = new HashMap<>();
  private final ReadOnlyObjectWrapper<Path> previewDecoder = new ReadOnlyObjectWrapper<>();
  private final ReadOnlyStringWrapper previewDecoderText = new ReadOnlyStringWrapper("");
  private final ObjectProperty<ModelChoice> model = new SimpleObjectProperty<>();
  private final ObservableList<ModelChoice> models = FXCollections.observableArrayList();

  // Model facts.
  private final ObjectProperty<PackFacts> facts = new SimpleObjectProperty<>();
  private final StringProperty modelMessage = new SimpleStringProperty("");
  final StringProperty device = new SimpleStringProperty("starting the engine…");
  private final ObservableList<String> unknownWords = FXCollections.observableArrayList();
  private final StringProperty unknownWarning = new SimpleStringProperty("");

  // The run.
  private final BooleanProperty ready = new SimpleBooleanProperty();
  final BooleanProperty running = new SimpleBooleanProperty();
  final IntegerProperty stepsDone = new SimpleIntegerProperty();
  final DoubleProperty progress = new SimpleDoubleProperty();
  final StringProperty stepText = new SimpleStringProperty("Ready");
  final StringProperty speedText = new SimpleStringProperty("");
  final StringProperty etaText = new SimpleStringProperty("");
  final StringProperty status = new SimpleStringProperty("");
  final StringProperty error = new SimpleStringProperty("");
  private final ObjectProperty<PreviewSource> previewSource =
      new SimpleObjectProperty<>(PreviewSource.PREDICTED_IMAGE);
  /** The canvas's source for the sampling thread (what the engine renders with its method). */
  private volatile PreviewSource shownSource = PreviewSource.PREDICTED_IMAGE;
  private final ObjectProperty<LiveFrame> frame = new SimpleObjectProperty<>();
  private final ReadOnlyStringWrapper previewCost = new ReadOnlyStringWrapper("");
  private final ReadOnlyStringWrapper notice = new ReadOnlyStringWrapper("");
  final ObservableList<QueueEntry> queue = FXCollections.observableArrayList();
  final ObservableList<ResultItem> results = FXCollections.observableArrayList();
  // The newest step's pictures (UI thread): its frames, each source's frame once converted, and
  // the finished image once the image is done (shown for x0 and x_t).
  private StepFrames liveFrames;
  private final LiveFrame[] liveConverted = new LiveFrame[PreviewSource.values().length];
  private LiveFrame liveFinished;
  private boolean frameDirty;
  // A step the user chose in the timeline: shown instead of the live frames until released.
  private LiveFrame pinned;
  private long framesDrawn;
  private long lastSeed = -1;
  private long factsRequest;

  /**
   * A view-model posting to {@code ui} (the FX thread in the app), reading model packs on {@code
   * background}, drawing seeds from {@code random}.
   */
  public StudioViewModel(Executor ui, Executor background, RandomGenerator random) {
    this.ui = ui;
    this.background = background;
    this.random = random;
    this.pump = new UiPump(ui, this::drawLatest);
    prompt.addListener((o, a, b) -> updateUnknownWords());
    negativePrompt.addListener((o, a, b) -> updateUnknownWords());
    facts.addListener((o, a, b) -> updateUnknownWords());
    model.addListener((o, a, b) -> loadFacts(b));
    model.addListener((o, a, b) -> updatePreviewDecoder());
    facts.addListener((o, a, b) -> updatePreviewDecoder());
    previewSource.addListener(
        (o, a, b) -> {
          shownSource = b == null ? PreviewSource.PREDICTED_IMAGE : b;
          // Switching what is shown returns the canvas to the live run, drawn at once.
          pinned = null;
          drawLive();
        });
  }

  /** Connects the engine once it has started (call on the UI thread). */
  public void attach(SamplingService s) {
    this.service = s;
    s.addQueueListener(() -> pump.post(this::syncQueue));
    device.set(s.device());
    ready.set(true);
  }

  /** The engine, or null while it starts. */
  public SamplingService service() {
    return service;
  }

  /** Adds a hook that hears of every job start, step preview and finished image (UI thread). */
  public void addStudioListener(StudioListener l) {
    listeners.add(l);
  }

  // ---- settings ----

  /** The controls' values as one record (what is remembered between runs). */
  public GenerationSettings settings() {
    ModelChoice m = model.get();
    String folder = m == null || m.builtIn() ? "" : m.folder().toString();
    return new GenerationSettings(
        prompt.get(),
        negativePrompt.get(),
        guidance.get(),
        steps.get(),
        seedText.get(),
        seedLocked.get(),
        sampler.get(),
        karras.get(),
        width.get(),
        height.get(),
        batch.get(),
        folder,
        previewMethod.get(),
        previewDecoders);
  }

  /**
   * Sets the controls from {@code s} and offers {@code catalog}'s models; the model is the one
   * {@code s} names when it is listed or still a folder, else the built-in pack.
   */
  public void apply(GenerationSettings s, List<ModelChoice> catalog) {
    prompt.set(s.prompt());
    negativePrompt.set(s.negativePrompt());
    guidance.set(s.guidance());
    steps.set(s.steps());
    seedText.set(s.seedText());
    seedLocked.set(s.seedLocked());
    sampler.set(s.sampler());
    karras.set(s.karras());
    width.set(s.width());
    height.set(s.height());
    batch.set(s.batch());
    previewMethod.set(s.previewMethod());
    previewDecoders.clear();
    previewDecoders.putAll(s.previewDecoders());
    models.setAll(catalog);
    ModelChoice pick = catalog.isEmpty() ? null : catalog.get(0);
    if (!s.modelFolder().isEmpty()) {
      Path wanted = Path.of(s.modelFolder()).toAbsolutePath().normalize();
      pick =
          catalog.stream()
              .filter(c -> c.folder().toAbsolutePath().normalize().equals(wanted))
              .findFirst()
              .orElse(null);
      if (pick == null) {
        pick = ModelCatalog.choice(wanted);
        models.add(pick);
      }
    }
    model.set(pick);
    updatePreviewDecoder();
  }

  /** Adds a folder the user opened to the chooser and selects it. */
  public void openModelFolder(Path folder) {
    ModelChoice c = ModelCatalog.choice(folder);
    ModelChoice existing =
        models.stream().filter(m -> m.folder().equals(c.folder())).findFirst().orElse(null);
    if (existing == null) {
      models.add(c);
      existing = c;
    }
    model.set(existing);
  }

  private void loadFacts(ModelChoice choice) {
    facts.set(null);
    if (choice == null) {
      modelMessage.set("Choose a model with \"Open a model folder…\".");
      return;
    }
    modelMessage.set("Reading " + choice.label() + "…");
    long ticket = ++factsRequest;
    background.execute(
        () -> {
          PackFacts f = null;
          String message;
          try {
            f = PackFacts.read(choice.folder());
            message = "";
          } catch (EngineException e) {
            message = e.getMessage() + " Choose another model or open a model folder.";
          } catch (RuntimeException e) {
            message =
                "The model in "
                    + choice.folder()
                    + " could not be read ("
                    + e.getClass().getSimpleName()
                    + "); choose another model.";
          }
          PackFacts result = f;
          String msg = message;
          ui.execute(
              () -> {
                if (ticket != factsRequest) {
                  return;
                }
                modelMessage.set(msg);
                if (result != null) {
                  int step = result.sizeStep();
                  if (width.get() <= 0 || width.get() % step != 0) {
                    width.set(result.nativeSize());
                  }
                  if (height.get() <= 0 || height.get() % step != 0) {
                    height.set(result.nativeSize());
                  }
                }
                facts.set(result);
              });
        });
  }

  // ---- preview decoder ----

  /**
   * Chooses the preview decoder of the current model (a TAESD-format folder or {@code
   * .safetensors} file); null goes back to the model's own. Remembered per model.
   */
  public void setPreviewDecoder(Path decoder) {
    ModelChoice m = model.get();
    if (m == null) {
      return;
    }
    String key = GenerationSettings.modelKey(m.folder());
    if (decoder == null) {
      previewDecoders.remove(key);
    } else {
      previewDecoders.put(key, decoder.toAbsolutePath().normalize().toString());
    }
    updatePreviewDecoder();
  }

  private void updatePreviewDecoder() {
    ModelChoice m = model.get();
    String d = m == null ? null : previewDecoders.get(GenerationSettings.modelKey(m.folder()));
    Path p = d == null ? null : Path.of(d);
    previewDecoder.set(p);
    if (p != null) {
      Path name = p.getFileName();
      previewDecoderText.set("Preview decoder: " + (name == null ? p : name));
    } else if (m != null && Files.isDirectory(m.folder().resolve(ModelPack.PREVIEW_DECODER_DIR))) {
      previewDecoderText.set("Preview decoder: the model's own");
    } else {
      previewDecoderText.set("Preview decoder: none");
    }
  }

  // ---- prompt ideas ----

  /** Prompts the chosen model lists as known (its pack's prompts.txt); empty for most packs. */
  public List<String> promptIdeas() {
    PackFacts f = facts.get();
    return f == null ? List.of() : f.promptIdeas();
  }

  /** True while the chosen model lists prompt ideas. */
  public javafx.beans.binding.BooleanBinding hasPromptIdeasProperty() {
    return javafx.beans.binding.Bindings.createBooleanBinding(
        () -> !promptIdeas().isEmpty(), facts);
  }

  /**
   * Up to {@code max} ideas that contain every word of {@code query} (ignoring case), in the pack's
   * order; all of them (up to max) for a blank query.
   */
  public List<String> findPromptIdeas(String query, int max) {
    String[] words = query == null ? new String[0]
        : query.toLowerCase(Locale.ROOT).strip().split("\\s+");
    List<String> out = new ArrayList<>();
    for (String idea : promptIdeas()) {
      String lower = idea.toLowerCase(Locale.ROOT);
      boolean all = true;
      for (String w : words) {
        if (!w.isEmpty() && !lower.contains(w)) {
          all = false;
          break;
        }
      }
      if (all) {
        out.add(idea);
        if (out.size() >= max) {
          break;
        }
      }
    }
    return out;
  }

  /** Puts a random idea in the prompt and returns it; null (prompt unchanged) when there are none. */
  public String surprisePrompt(RandomGenerator random) {
    List<String> ideas = promptIdeas();
    if (ideas.isEmpty()) {
      return null;
    }
    String idea = ideas.get(random.nextInt(ideas.size()));
    prompt.set(idea);
    return idea;
  }

  // ---- prompt words ----

  /** Words the chosen model knows (empty until its pack is read). */
  public Set<String> knownWords() {
    PackFacts f = facts.get();
    return f == null ? Set.of() : f.tokenizer().vocabularyWords();
  }

  /**
   * Up to {@code max} known words that start with {@code prefix} (ignoring case), shortest first.
   */
  public List<String> completions(String prefix, int max) {
    if (prefix == null || prefix.isEmpty()) {
      return List.of();
    }
    String p = prefix.toLowerCase(Locale.ROOT);
    List<String> out = new ArrayList<>();
    for (String w : knownWords()) {
      if (w.startsWith(p) && !w.equals(p)) {
        out.add(w);
      }
    }
    out.sort((a, b) -> a.length() != b.length() ? a.length() - b.length() : a.compareTo(b));
    return out.size() > max ? List.copyOf(out.subList(0, max)) : out;
  }

  private void updateUnknownWords() {
    PackFacts f = facts.get();
    if (f == null) {
      unknownWords.clear();
      unknownWarning.set("");
      return;
    }
    Set<String> words = new LinkedHashSet<>();
    words.addAll(f.tokenizer().encode(prompt.get()).unknownWords());
    words.addAll(f.tokenizer().encode(negativePrompt.get()).unknownWords());
    unknownWords.setAll(words);
    unknownWarning.set(
        words.isEmpty()
            ? ""
            : "The model does not know: "
                + String.join(", ", words)
                + " (these words carry no meaning for it).");
  }

  // ---- seeds ----

  /** Draws a fresh seed into the seed field. */
  public void randomSeed() {
    seedText.set(Long.toString(Seeds.random(random)));
  }

  /** Puts the last used seed back in the field and locks it, so Generate repeats that image. */
  public void reuseLastSeed() {
    if (lastSeed >= 0) {
      seedText.set(Long.toString(lastSeed));
      seedLocked.set(true);
    }
  }

  /** The seed of the last job Generate submitted, or -1. */
  public long lastSeed() {
    return lastSeed;
  }

  // ---- actions ----

  /**
   * Submits a job with the current controls: it runs at once when the engine is idle, otherwise it
   * joins the queue. Returns its queue entry, or null when a control is invalid (then {@link
   * #errorProperty()} holds one plain sentence).
   */
  public QueueEntry generate() {
    error.set("");
    SamplingService s = service;
    if (s == null) {
      error.set("The engine is still starting; try again in a moment.");
      return null;
    }
    PackFacts f = facts.get();
    if (f == null) {
      String m = modelMessage.get();
      error.set(
          m == null || m.isEmpty() || m.startsWith("Reading")
              ? "The model is still being read; try again in a moment."
              : m);
      return null;
    }
    GenerationSettings gs = settings();
    String problem = gs.problem(f.sizeStep());
    if (problem != null) {
      error.set(problem);
      return null;
    }
    long seed = Seeds.next(gs.seedLocked(), gs.seedText(), random);
    GenerationRequest request;
    try {
      request = gs.toRequest(seed, f.folder());
    } catch (EngineException e) {
      error.set(e.getMessage());
      return null;
    }
    seedText.set(Long.toString(seed));
    lastSeed = seed;
    JobListener listener = new JobListener(this, request, f);
    JobHandle job = s.submit(request, listener);
    QueueEntry entry = new QueueEntry(job);
    listener.entry = entry;
    queue.add(entry);
    syncQueue();
    return entry;
  }

  /** Cancels the running job (Esc); it stops within one step. Returns false if none runs. */
  public boolean cancelRunning() {
    for (QueueEntry e : queue) {
      if (e.state() == JobState.RUNNING) {
        return e.job().cancel();
      }
    }
    return false;
  }

  /** Cancels one queued or running job. */
  public boolean cancel(QueueEntry entry) {
    return entry.job().cancel();
  }

  /** Moves a queued job {@code delta} places (negative: sooner). Returns false if it cannot. */
  public boolean move(QueueEntry entry, int delta) {
    SamplingService s = service;
    if (s == null) {
      return false;
    }
    int index = s.queued().indexOf(entry.job());
    if (index < 0 || index + delta < 0) {
      return false;
    }
    boolean moved = s.move(entry.job(), index + delta);
    syncQueue();
    return moved;
  }

  /** Orders the queue list as the engine will run it (running first) and drops ended jobs. */
  void syncQueue() {
    SamplingService s = service;
    if (s == null) {
      return;
    }
    List<JobHandle> order = new ArrayList<>();
    JobHandle run = s.running();
    if (run != null) {
      order.add(run);
    }
    order.addAll(s.queued());
    List<QueueEntry> sorted = new ArrayList<>();
    for (JobHandle j : order) {
      for (QueueEntry e : queue) {
        if (e.job() == j) {
          if (!e.job().state().isFinal()) {
            e.state(j.state());
          }
          sorted.add(e);
        }
      }
    }
    // Jobs submitted but not yet visible to the service's lists stay at the end.
    for (QueueEntry e : queue) {
      if (!sorted.contains(e) && !e.job().state().isFinal() && e.state() != JobState.RUNNING) {
        sorted.add(e);
      }
    }
    if (!sorted.equals(queue)) {
      queue.setAll(sorted);
    }
    running.set(sorted.stream().anyMatch(e -> e.state() == JobState.RUNNING));
  }

  // ---- live frames ----

  /** The source the canvas shows now; read by the sampling thread before each step's frames. */
  PreviewSource shownSource() {
    return shownSource;
  }

  /**
   * A step arrived (UI thread): {@code frames} are its pictures (null when previews are off) and
   * {@code watched} their watched frame, converted on the sampling thread. Drawn after the drain.
   */
  void stepArrived(StepFrames frames, LiveFrame watched) {
    liveFrames = frames;
    Arrays.fill(liveConverted, null);
    liveFinished = null;
    if (frames != null && watched != null) {
      liveConverted[frames.watched().ordinal()] = watched;
    }
    frameDirty = true;
  }

  /** An image of the batch is finished (UI thread): it is the picture of x0 and x_t from now on. */
  void imageArrived(LiveFrame image) {
    liveFinished = image;
    frameDirty = true;
  }

  /** Sets the preview's measured cost, e.g. "preview: tiny decoder, 6% of each step". */
  void previewCost(String text) {
    previewCost.set(text);
  }

  /** Shows a sentence about the run (status line and a notification) without stopping it. */
  void showNotice(String sentence) {
    status.set(sentence);
    notice.set(sentence);
  }

  /** A job started: the canvas follows the live run again, and its notices start afresh. */
  void runStarted() {
    notice.set("");
    previewCost.set("");
    showLive();
  }

  /**
   * Shows {@code step} (a timeline frame the user chose, at the output size) on the canvas; live
   * frames do not replace it until {@link #showLive()} (or a new job, or another source).
   */
  public void showStep(RgbImage step) {
    if (step == null) {
      showLive();
      return;
    }
    pinned = LiveFrame.of(step);
    frame.set(pinned);
  }

  /** Returns the canvas to the live run and draws its newest frame. */
  public void showLive() {
    if (pinned != null) {
      pinned = null;
      drawLive();
    }
  }

  /** Whether the canvas shows a step the user chose instead of the live run. */
  public boolean showsChosenStep() {
    return pinned != null;
  }

  /** The newest step's pictures (null before any, or when previews are off). */
  public StepFrames stepFrames() {
    return liveFrames;
  }

  private void drawLatest() {
    if (frameDirty) {
      frameDirty = false;
      if (pinned == null && drawLive()) {
        framesDrawn++;
      }
    }
  }

  /** Draws the newest frame of the shown source; false when there is none. */
  private boolean drawLive() {
    if (pinned != null) {
      return false;
    }
    LiveFrame f = liveFrame(previewSource.get());
    if (f != null) {
      frame.set(f);
    }
    return f != null;
  }

  private LiveFrame liveFrame(PreviewSource s) {
    if (liveFinished != null && s != PreviewSource.PREDICTED_NOISE) {
      return liveFinished;
    }
    int i = s.ordinal();
    if (liveConverted[i] == null && liveFrames != null) {
      // Only when the shown source changed since the engine made this step: one cheap frame.
      liveConverted[i] = LiveFrame.of(liveFrames.of(s));
    }
    return liveConverted[i];
  }

  /** The UI thread's cost of every delivery from the engine so far (drains of the pump). */
  public UiCost uiCost() {
    return pump.cost();
  }

  /** How many times the canvas frame was replaced (each drain with new steps counts once). */
  public long framesDrawn() {
    return framesDrawn;
  }

  // ---- properties ----

  public StringProperty promptProperty() {
    return prompt;
  }

  public StringProperty negativePromptProperty() {
    return negativePrompt;
  }

  public DoubleProperty guidanceProperty() {
    return guidance;
  }

  public IntegerProperty stepsProperty() {
    return steps;
  }

  public StringProperty seedTextProperty() {
    return seedText;
  }

  public BooleanProperty seedLockedProperty() {
    return seedLocked;
  }

  public ObjectProperty<Sampler> samplerProperty() {
    return sampler;
  }

  /** How the live preview is made (remembered with the other controls). */
  public ObjectProperty<PreviewMethod> previewMethodProperty() {
    return previewMethod;
  }

  /** The preview decoder chosen for the current model, or null for the model's own. */
  public ReadOnlyObjectProperty<Path> previewDecoderProperty() {
    return previewDecoder.getReadOnlyProperty();
  }

  /** The current model's preview decoder in words, e.g. "Preview decoder: the model's own". */
  public ReadOnlyStringProperty previewDecoderTextProperty() {
    return previewDecoderText.getReadOnlyProperty();
  }

  /** What made the run's previews and their cost, e.g. "preview: tiny decoder, 6% of each step". */
  public ReadOnlyStringProperty previewCostProperty() {
    return previewCost.getReadOnlyProperty();
  }

  /** The newest sentence about the run (a preview decoder that did not fit); empty if none. */
  public ReadOnlyStringProperty noticeProperty() {
    return notice.getReadOnlyProperty();
  }

  public BooleanProperty karrasProperty() {
    return karras;
  }

  public IntegerProperty widthProperty() {
    return width;
  }

  public IntegerProperty heightProperty() {
    return height;
  }

  public IntegerProperty batchProperty() {
    return batch;
  }

  public ObjectProperty<ModelChoice> modelProperty() {
    return model;
  }

  public ObservableList<ModelChoice> models() {
    return models;
  }

  public ObjectProperty<PackFacts> factsProperty() {
    return facts;
  }

  public StringProperty modelMessageProperty() {
    return modelMessage;
  }

  public StringProperty deviceProperty() {
    return device;
  }

  public ObservableList<String> unknownWords() {
    return unknownWords;
  }

  public StringProperty unknownWarningProperty() {
    return unknownWarning;
  }

  public BooleanProperty readyProperty() {
    return ready;
  }

  public BooleanProperty runningProperty() {
    return running;
  }

  public IntegerProperty stepsDoneProperty() {
    return stepsDone;
  }

  public DoubleProperty progressProperty() {
    return progress;
  }

  public StringProperty stepTextProperty() {
    return stepText;
  }

  public StringProperty speedTextProperty() {
    return speedText;
  }

  public StringProperty etaTextProperty() {
    return etaText;
  }

  public StringProperty statusProperty() {
    return status;
  }

  public StringProperty errorProperty() {
    return error;
  }

  public ObjectProperty<PreviewSource> previewSourceProperty() {
    return previewSource;
  }

  public ObjectProperty<LiveFrame> frameProperty() {
    return frame;
  }

  public ObservableList<QueueEntry> queue() {
    return queue;
  }

  public ObservableList<ResultItem> results() {
    return results;
  }
}
