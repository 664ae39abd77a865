package dev.stepwise.app.studio;

import java.util.Locale;
import javafx.beans.property.ReadOnlyDoubleProperty;
import javafx.beans.property.ReadOnlyDoubleWrapper;
import javafx.beans.property.ReadOnlyIntegerProperty;
import javafx.beans.property.ReadOnlyIntegerWrapper;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.ReadOnlyStringWrapper;

/**
 * The running job's progress as the canvas shows it: steps done, the fraction of the job, the step
 * in words, the speed, the time left and what the previews cost. Used on the UI thread.
 */
public final class ProgressViewModel {
  private final ReadOnlyIntegerWrapper stepsDone = new ReadOnlyIntegerWrapper();
  private final ReadOnlyDoubleWrapper progress = new ReadOnlyDoubleWrapper();
  private final ReadOnlyStringWrapper stepText = new ReadOnlyStringWrapper("Ready");
  private final ReadOnlyStringWrapper speedText = new ReadOnlyStringWrapper("");
  private final ReadOnlyStringWrapper etaText = new ReadOnlyStringWrapper("");
  private final ReadOnlyStringWrapper previewCost = new ReadOnlyStringWrapper("");

  ProgressViewModel() {}

  /** A job of {@code steps} steps per image started. */
  void started(int steps) {
    stepsDone.set(0);
    progress.set(0);
    stepText.set("Step 0/" + steps);
    speedText.set("");
    etaText.set("");
    previewCost.set("");
  }

  /**
   * Step {@code step} (0-based) of {@code totalSteps} is done.
   *
   * @param image which image of the batch, e.g. " · image 2/3 (seed 8)"; empty for one image
   * @param fraction the job's share done, 0 to 1
   * @param itPerSec steps per second so far
   * @param etaSecs seconds the job still needs
   */
  void stepDone(
      int step, int totalSteps, String image, double fraction, double itPerSec, long etaSecs) {
    stepsDone.set(step + 1);
    progress.set(fraction);
    stepText.set("Step " + (step + 1) + "/" + totalSteps + image);
    speedText.set(String.format(Locale.ROOT, "%.2f it/s", itPerSec));
    etaText.set(String.format(Locale.ROOT, "ETA %d:%02d", etaSecs / 60, etaSecs % 60));
  }

  /** Sets the preview's measured cost, e.g. "preview: tiny decoder, 6% of each step". */
  void previewCost(String text) {
    previewCost.set(text);
  }

  /** The job finished every image. */
  void finished() {
    progress.set(1);
    stepText.set("Done");
    etaText.set("");
  }

  /** The running job of {@code steps} steps per image was cancelled. */
  void cancelled(int steps) {
    stepText.set("Cancelled at step " + stepsDone.get() + "/" + steps);
    etaText.set("");
  }

  /** The job failed. */
  void failed() {
    stepText.set("Failed");
  }

  /** Steps done of the current image. */
  public ReadOnlyIntegerProperty stepsDoneProperty() {
    return stepsDone.getReadOnlyProperty();
  }

  /** The job's share done, 0 to 1. */
  public ReadOnlyDoubleProperty progressProperty() {
    return progress.getReadOnlyProperty();
  }

  /** The step in words, e.g. "Step 3/20", "Done" or "Ready". */
  public ReadOnlyStringProperty stepTextProperty() {
    return stepText.getReadOnlyProperty();
  }

  /** Steps per second, e.g. "2.50 it/s". */
  public ReadOnlyStringProperty speedTextProperty() {
    return speedText.getReadOnlyProperty();
  }

  /** The time left, e.g. "ETA 0:07". */
  public ReadOnlyStringProperty etaTextProperty() {
    return etaText.getReadOnlyProperty();
  }

  /** What made the run's previews and their cost, e.g. "preview: tiny decoder, 6% of each step". */
  public ReadOnlyStringProperty previewCostProperty() {
    return previewCost.getReadOnlyProperty();
  }
}
