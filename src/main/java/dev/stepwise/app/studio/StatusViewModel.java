package dev.stepwise.app.studio;

import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.ReadOnlyStringWrapper;

/**
 * The studio's sentences: where the engine runs, the status line, the error line and the newest
 * notice about a run (which the window also shows as a notification). Used on the UI thread.
 */
public final class StatusViewModel {
  private final ReadOnlyStringWrapper device = new ReadOnlyStringWrapper("starting the engine…");
  private final ReadOnlyStringWrapper status = new ReadOnlyStringWrapper("");
  private final ReadOnlyStringWrapper error = new ReadOnlyStringWrapper("");
  private final ReadOnlyStringWrapper notice = new ReadOnlyStringWrapper("");

  StatusViewModel() {}

  /** Puts {@code sentence} in the status line. */
  public void showStatus(String sentence) {
    status.set(sentence);
  }

  /** Puts {@code sentence} in the error line (the window also pops it up). */
  public void showError(String sentence) {
    error.set(sentence);
  }

  /** Empties the error line. */
  public void clearError() {
    error.set("");
  }

  /** Shows a sentence about the run (status line and a notification) without stopping it. */
  void showNotice(String sentence) {
    status.set(sentence);
    notice.set(sentence);
  }

  /** A job started: its notices start afresh. */
  void clearNotice() {
    notice.set("");
  }

  /** The engine runs on {@code description} (e.g. "CPU" or a CUDA GPU's name). */
  void device(String description) {
    device.set(description);
  }

  /** Where the engine runs, or "starting the engine…". */
  public ReadOnlyStringProperty deviceProperty() {
    return device.getReadOnlyProperty();
  }

  /** The status line: the newest thing the studio did or heard. */
  public ReadOnlyStringProperty statusProperty() {
    return status.getReadOnlyProperty();
  }

  /** The error line: one plain sentence, empty when nothing failed. */
  public ReadOnlyStringProperty errorProperty() {
    return error.getReadOnlyProperty();
  }

  /** The newest sentence about the run (a preview decoder that did not fit); empty if none. */
  public ReadOnlyStringProperty noticeProperty() {
    return notice.getReadOnlyProperty();
  }
}
