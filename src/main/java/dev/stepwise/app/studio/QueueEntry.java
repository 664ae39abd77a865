package dev.stepwise.app.studio;

import dev.stepwise.engine.GenerationRequest;
import dev.stepwise.engine.service.JobHandle;
import dev.stepwise.engine.service.JobState;
import javafx.beans.property.ReadOnlyObjectProperty;
import javafx.beans.property.ReadOnlyObjectWrapper;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.ReadOnlyStringWrapper;

/** One job in the studio's queue list: what it will make and where it stands. UI thread only. */
public final class QueueEntry {
  private final JobHandle job;
  private final ReadOnlyObjectWrapper<JobState> state =
      new ReadOnlyObjectWrapper<>(JobState.QUEUED);
  private final ReadOnlyStringWrapper where = new ReadOnlyStringWrapper();

  QueueEntry(JobHandle job) {
    this.job = job;
  }

  /** The engine's handle of this job. */
  public JobHandle job() {
    return job;
  }

  /** The job's state as last seen on the UI thread. */
  public ReadOnlyObjectProperty<JobState> stateProperty() {
    return state.getReadOnlyProperty();
  }

  public JobState state() {
    return state.get();
  }

  void state(JobState s) {
    state.set(s);
  }

  /**
   * The backend the job runs (or last ran) on, by name; null on this computer or before it runs.
   */
  public ReadOnlyStringProperty whereProperty() {
    return where.getReadOnlyProperty();
  }

  void where(String backend) {
    where.set(backend);
  }

  /**
   * The seed of each image: "seed 7" or "seeds 7-10" for a batch; with a variation seed "seed 7,
   * variation seeds 12-15 at 0.2" (a varied batch keeps the seed).
   */
  public String seeds() {
    GenerationRequest r = job.request();
    double strength = r.settings().variationStrength();
    if (strength > 0) {
      return "seed "
          + r.settings().seed()
          + ", variation "
          + Seeds.describe(r.settings().variationSeed(), r.batch())
          + " at "
          + strength;
    }
    return Seeds.describe(r.settings().seed(), r.batch());
  }

  /** One line for the queue list: "#3 a red heart · 20 steps · seeds 7-10". */
  public String summary() {
    GenerationRequest r = job.request();
    String p = r.settings().prompt().isBlank() ? "(no prompt)" : r.settings().prompt().strip();
    if (p.length() > 40) {
      p = p.substring(0, 39) + "…";
    }
    return "#" + job.id() + " " + p + " · " + r.settings().steps() + " steps · " + seeds();
  }

  @Override
  public String toString() {
    return summary() + " (" + state.get() + ")";
  }
}
