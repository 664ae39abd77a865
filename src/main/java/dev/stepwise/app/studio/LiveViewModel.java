package dev.stepwise.app.studio;

import dev.stepwise.engine.PreviewSource;
import dev.stepwise.engine.RgbImage;
import dev.stepwise.engine.StepFrames;
import java.util.Arrays;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.ReadOnlyObjectProperty;
import javafx.beans.property.ReadOnlyObjectWrapper;
import javafx.beans.property.SimpleObjectProperty;

/**
 * The live canvas: which source it shows (x0, x_t or eps), the newest step's pictures, the finished
 * image, and a step the user chose in the timeline, which is shown instead of the live run until
 * released. Used on the UI thread, except {@link #shownSource()}, which the sampling thread reads;
 * the frame is drawn once per pump drain, however many steps arrived.
 */
public final class LiveViewModel {
  private final ObjectProperty<PreviewSource> previewSource =
      new SimpleObjectProperty<>(PreviewSource.PREDICTED_IMAGE);

  /** The canvas's source for the sampling thread (what the engine renders with its method). */
  private volatile PreviewSource shownSource = PreviewSource.PREDICTED_IMAGE;

  private final ReadOnlyObjectWrapper<LiveFrame> frame = new ReadOnlyObjectWrapper<>();
  // The newest step's pictures: its frames, each source's frame once converted, and the finished
  // image once the image is done (shown for x0 and x_t).
  private StepFrames liveFrames;
  private final LiveFrame[] liveConverted = new LiveFrame[PreviewSource.values().length];
  private LiveFrame liveFinished;
  private boolean frameDirty;
  // A step the user chose in the timeline: shown instead of the live frames until released.
  private LiveFrame pinned;
  private long framesDrawn;

  LiveViewModel() {
    previewSource.addListener(
        (o, a, b) -> {
          shownSource = b == null ? PreviewSource.PREDICTED_IMAGE : b;
          // Switching what is shown returns the canvas to the live run, drawn at once.
          pinned = null;
          drawLive();
        });
  }

  /** The source the canvas shows now; read by the sampling thread before each step's frames. */
  PreviewSource shownSource() {
    return shownSource;
  }

  /**
   * A step arrived: {@code frames} are its pictures (null when previews are off) and {@code
   * watched} their watched frame, converted on the sampling thread. Drawn after the drain.
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

  /** An image of the batch is finished: it is the picture of x0 and x_t from now on. */
  void imageArrived(LiveFrame image) {
    liveFinished = image;
    frameDirty = true;
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

  /**
   * Empties the canvas (the controls were filled from a recipe: the picture shown was not made with
   * them); the next run's steps fill it again.
   */
  public void clear() {
    pinned = null;
    liveFrames = null;
    Arrays.fill(liveConverted, null);
    liveFinished = null;
    frameDirty = false;
    frame.set(null);
  }

  /** Whether the canvas shows a step the user chose instead of the live run. */
  public boolean showsChosenStep() {
    return pinned != null;
  }

  /** The newest step's pictures (null before any, or when previews are off). */
  public StepFrames stepFrames() {
    return liveFrames;
  }

  /** Draws the newest frame if steps arrived since the last drain (the pump's last task). */
  void drawLatest() {
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

  /** How many times the canvas frame was replaced (each drain with new steps counts once). */
  public long framesDrawn() {
    return framesDrawn;
  }

  /** Which picture of each step the canvas shows (the user switches it). */
  public ObjectProperty<PreviewSource> previewSourceProperty() {
    return previewSource;
  }

  /** The picture on the canvas: the newest frame of the shown source, or the chosen step. */
  public ReadOnlyObjectProperty<LiveFrame> frameProperty() {
    return frame.getReadOnlyProperty();
  }
}
