package dev.stepwise.app.timeline;

import dev.stepwise.engine.RgbImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import javafx.application.Platform;
import javafx.beans.property.BooleanProperty;
import javafx.beans.property.IntegerProperty;
import javafx.beans.property.ReadOnlyBooleanProperty;
import javafx.beans.property.ReadOnlyBooleanWrapper;
import javafx.beans.property.ReadOnlyIntegerProperty;
import javafx.beans.property.ReadOnlyIntegerWrapper;
import javafx.beans.property.ReadOnlyObjectProperty;
import javafx.beans.property.ReadOnlyObjectWrapper;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.ReadOnlyStringWrapper;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.beans.property.SimpleIntegerProperty;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;

/**
 * The step timeline's state: one frame per sampler step of the current image, the selected step,
 * playback and exports.
 *
 * <p>Used on the FX thread only (plain JavaFX properties, so it also works without a toolkit in
 * tests). Frames are the studio's decoded step pictures at the output size (any size works); a
 * later frame for the same step replaces the earlier one, so the finished image ends the run.
 * Exports copy the frames, run on a background executor and report back on the UI executor with one
 * plain sentence in {@link #statusProperty()}.
 */
public final class TimelineViewModel {
  /** Smallest and largest playback rate in frames per second. */
  public static final int MIN_FPS = 1;

  /** Largest playback rate in frames per second. */
  public static final int MAX_FPS = 30;

  /** One step's frame. */
  public record Frame(int step, RgbImage image) {}

  private final ObservableList<Frame> frames = FXCollections.observableArrayList();
  private final ObservableList<Frame> readOnlyFrames =
      FXCollections.unmodifiableObservableList(frames);
  private final ReadOnlyIntegerWrapper totalSteps = new ReadOnlyIntegerWrapper(0);
  private final IntegerProperty selectedStep = new SimpleIntegerProperty(-1);
  private final ReadOnlyObjectWrapper<Frame> selectedFrame = new ReadOnlyObjectWrapper<>();
  private final BooleanProperty playing = new SimpleBooleanProperty(false);
  private final IntegerProperty fps = new SimpleIntegerProperty(8);
  private final IntegerProperty exportSize = new SimpleIntegerProperty(512);
  private final BooleanProperty smooth = new SimpleBooleanProperty(true);
  private final ReadOnlyBooleanWrapper exporting = new ReadOnlyBooleanWrapper(false);
  private final ReadOnlyStringWrapper status = new ReadOnlyStringWrapper("");
  private final Executor background;
  private final Executor ui;

  /** Creates a view model exporting on its own daemon thread and reporting via the FX thread. */
  public TimelineViewModel() {
    this(defaultBackground(), Platform::runLater);
  }

  /** Creates a view model with explicit executors (tests pass direct ones). */
  public TimelineViewModel(Executor background, Executor ui) {
    this.background = background;
    this.ui = ui;
    selectedStep.addListener((o, a, b) -> updateSelectedFrame());
    fps.addListener(
        (o, a, b) -> {
          int v = b.intValue();
          if (v < MIN_FPS || v > MAX_FPS) {
            fps.set(Math.max(MIN_FPS, Math.min(MAX_FPS, v)));
          }
        });
  }

  private static ExecutorService defaultBackground() {
    return Executors.newSingleThreadExecutor(
        r -> {
          Thread t = new Thread(r, "stepwise-timeline-export");
          t.setDaemon(true);
          return t;
        });
  }

  /** Clears every frame and prepares for an image of {@code totalSteps} steps. */
  public void reset(int totalSteps) {
    if (totalSteps < 0) {
      throw new IllegalArgumentException(
          "totalSteps must not be negative, got " + totalSteps + ".");
    }
    playing.set(false);
    frames.clear();
    if (!exporting.get()) {
      status.set(""); // "Saved 20 frames as ..." was about the previous image
    }
    this.totalSteps.set(totalSteps);
    selectedStep.set(-1);
    updateSelectedFrame();
  }

  /**
   * Adds (or replaces) the frame of {@code step}, 0-based. While the selection sits on the newest
   * frame (or nothing is selected) and the timeline is not playing, the selection follows the new
   * frame, so a running generation is shown live.
   */
  public void addFrame(int step, RgbImage frame) {
    if (step < 0 || frame == null) {
      throw new IllegalArgumentException(
          "A frame needs a step >= 0 and an image, got " + step + ".");
    }
    if (step >= totalSteps.get()) {
      totalSteps.set(step + 1);
    }
    int newest = frames.isEmpty() ? -1 : frames.get(frames.size() - 1).step();
    boolean follow = !playing.get() && (selectedStep.get() < 0 || selectedStep.get() >= newest);
    Frame f = new Frame(step, frame);
    int i = indexAtOrAfter(step);
    if (i < frames.size() && frames.get(i).step() == step) {
      frames.set(i, f);
    } else {
      frames.add(i, f);
    }
    if (follow && step >= newest) {
      selectedStep.set(step);
    }
    updateSelectedFrame();
  }

  private int indexAtOrAfter(int step) {
    int lo = 0;
    int hi = frames.size();
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (frames.get(mid).step() < step) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

  private void updateSelectedFrame() {
    selectedFrame.set(frameAt(selectedStep.get()));
  }

  /**
   * Returns the frame shown for {@code step}: its own, else the nearest earlier one, else the first
   * frame; null when there are none.
   */
  public Frame frameAt(int step) {
    if (frames.isEmpty()) {
      return null;
    }
    int i = indexAtOrAfter(step);
    if (i < frames.size() && frames.get(i).step() == step) {
      return frames.get(i);
    }
    return i > 0 ? frames.get(i - 1) : frames.get(0);
  }

  /** Whether {@code f} is the newest frame (the one a running generation shows live). */
  public boolean isNewest(Frame f) {
    return f != null && !frames.isEmpty() && frames.get(frames.size() - 1) == f;
  }

  /** Stops playback and selects the newest frame, so the selection follows the run again. */
  public void selectNewest() {
    playing.set(false);
    if (!frames.isEmpty()) {
      selectedStep.set(frames.get(frames.size() - 1).step());
    }
  }

  /** Selects the frame after the selected one, wrapping to the first (one animation tick). */
  public void advancePlayback() {
    if (frames.isEmpty()) {
      return;
    }
    int i = indexAtOrAfter(selectedStep.get() + 1);
    selectedStep.set(i < frames.size() ? frames.get(i).step() : frames.get(0).step());
  }

  /** Returns the frames in step order (read-only view). */
  public ObservableList<Frame> frames() {
    return readOnlyFrames;
  }

  /** Returns the step count of the current image. */
  public ReadOnlyIntegerProperty totalStepsProperty() {
    return totalSteps.getReadOnlyProperty();
  }

  /** Returns the selected step, 0-based, or -1 before any frame. */
  public IntegerProperty selectedStepProperty() {
    return selectedStep;
  }

  /** Returns the frame shown for the selected step, or null. */
  public ReadOnlyObjectProperty<Frame> selectedFrameProperty() {
    return selectedFrame.getReadOnlyProperty();
  }

  /** Returns whether the timeline plays as an animation. */
  public BooleanProperty playingProperty() {
    return playing;
  }

  /** Returns the playback and GIF rate in frames per second, clamped to 1..30. */
  public IntegerProperty fpsProperty() {
    return fps;
  }

  /** Returns the longer side, in pixels, that exported frames are scaled to. */
  public IntegerProperty exportSizeProperty() {
    return exportSize;
  }

  /**
   * Returns whether exports scale smoothly (the default: frames are pictures) instead of by nearest
   * neighbour (crisp pixel blocks).
   */
  public BooleanProperty smoothProperty() {
    return smooth;
  }

  /** Returns whether an export is running. */
  public ReadOnlyBooleanProperty exportingProperty() {
    return exporting.getReadOnlyProperty();
  }

  /** Returns the last export's outcome as one plain sentence (empty before any). */
  public ReadOnlyStringProperty statusProperty() {
    return status.getReadOnlyProperty();
  }

  /** Exports an endlessly looping GIF with the current size, smoothing and rate. */
  public CompletableFuture<Path> exportGif(Path file) {
    return exportGif(file, exportSize.get(), smooth.get(), fps.get());
  }

  /**
   * Exports the frames as an endlessly looping animated GIF scaled to {@code longSide}, each shown
   * for {@code 1 / fps} s (rounded to hundredths, at least 2: browsers slow down faster GIFs).
   */
  public CompletableFuture<Path> exportGif(
      Path file, int longSide, boolean smoothScaling, int rate) {
    List<Frame> snapshot = List.copyOf(frames);
    int delay = Math.max(2, (int) Math.round(100.0 / Math.max(1, rate)));
    return run(
        () -> {
          GifWriter.write(file, scale(snapshot, longSide, smoothScaling), delay, 0);
          return file;
        },
        p -> "Saved " + snapshot.size() + " frames as " + p.getFileName() + ".");
  }

  /** Exports numbered PNG frames with the current size and smoothing. */
  public CompletableFuture<List<Path>> exportPngFrames(Path dir) {
    return exportPngFrames(dir, exportSize.get(), smooth.get());
  }

  /**
   * Exports the frames as {@code frame-0001.png}, ... into {@code dir}, scaled to {@code longSide}.
   */
  public CompletableFuture<List<Path>> exportPngFrames(
      Path dir, int longSide, boolean smoothScaling) {
    List<Frame> snapshot = List.copyOf(frames);
    return run(
        () -> PngFrames.write(dir, "frame", scale(snapshot, longSide, smoothScaling)),
        files -> "Saved " + files.size() + " PNG frames to " + dir + ".");
  }

  private static List<RgbImage> scale(List<Frame> snapshot, int longSide, boolean smoothScaling) {
    if (snapshot.isEmpty()) {
      throw new ExportException("There are no frames to save yet.", null);
    }
    if (longSide < 16 || longSide > 4096) {
      throw new ExportException(
          "The export size must be between 16 and 4096 pixels, got " + longSide + ".", null);
    }
    RgbImage last = snapshot.get(snapshot.size() - 1).image();
    int[] wh = FrameScaler.fitLongSide(last.width(), last.height(), longSide);
    List<RgbImage> out = new ArrayList<>(snapshot.size());
    for (Frame f : snapshot) {
      out.add(FrameScaler.scale(f.image(), wh[0], wh[1], smoothScaling));
    }
    return out;
  }

  private <T> CompletableFuture<T> run(
      Supplier<T> work, java.util.function.Function<T, String> success) {
    exporting.set(true);
    status.set("");
    CompletableFuture<T> result = new CompletableFuture<>();
    CompletableFuture.supplyAsync(work, background)
        .whenCompleteAsync(
            (value, error) -> {
              exporting.set(false);
              if (error == null) {
                status.set(success.apply(value));
                result.complete(value);
              } else {
                Throwable cause = error.getCause() != null ? error.getCause() : error;
                status.set(
                    cause instanceof ExportException
                        ? cause.getMessage()
                        : "The export failed (" + GifWriter.reason(cause) + ").");
                result.completeExceptionally(cause);
              }
            },
            ui);
    return result;
  }
}
