package dev.stepwise.app.studio;

import dev.stepwise.engine.GenerationRequest;
import dev.stepwise.engine.service.JobHandle;
import dev.stepwise.engine.service.JobState;
import dev.stepwise.engine.service.SamplingService;
import java.util.ArrayList;
import java.util.List;
import javafx.beans.property.ReadOnlyBooleanProperty;
import javafx.beans.property.ReadOnlyBooleanWrapper;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;

/**
 * The jobs: the queue in the order the engine runs it (running job first), whether a job runs, and
 * this session's finished images. Submits, moves and cancels jobs. Used on the UI thread; the
 * engine's queue changes arrive through the pump.
 */
public final class JobsViewModel {
  private final UiPump pump;
  private volatile SamplingService service;
  // Every service whose jobs are listed: the current one, and earlier ones until their jobs end.
  private final List<SamplingService> followed = new ArrayList<>();
  private final ObservableList<QueueEntry> queue = FXCollections.observableArrayList();
  private final ObservableList<QueueEntry> queueView =
      FXCollections.unmodifiableObservableList(queue);
  private final ObservableList<ResultItem> results = FXCollections.observableArrayList();
  private final ObservableList<ResultItem> resultsView =
      FXCollections.unmodifiableObservableList(results);
  private final ReadOnlyBooleanWrapper running = new ReadOnlyBooleanWrapper();

  /** Jobs whose queue changes reach the UI thread through {@code pump}. */
  JobsViewModel(UiPump pump) {
    this.pump = pump;
  }

  /**
   * Follows the queue of {@code s}, the engine (or pool) that runs new jobs from now on; null until
   * one is ready. The jobs already sent elsewhere stay listed until they end.
   */
  void attach(SamplingService s) {
    this.service = s;
    if (s != null && !followed.contains(s)) {
      followed.add(s);
      s.addQueueListener(() -> pump.post(this::sync));
    }
    sync();
  }

  /** Whether the engine has started (jobs can be submitted). */
  boolean engineStarted() {
    return service != null;
  }

  /** Submits {@code request}; the job runs at once when the engine is idle, else it queues. */
  QueueEntry submit(GenerationRequest request, JobListener listener) {
    JobHandle job = service.submit(request, listener);
    QueueEntry entry = new QueueEntry(job);
    listener.follow(entry);
    queue.add(entry);
    sync();
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
    sync();
    return moved;
  }

  /** The job of {@code entry} left the queue and runs. */
  void started(QueueEntry entry) {
    entry.state(JobState.RUNNING);
    entry.where(entry.job().backend()); // set before the job starts on a backend
    running.set(true);
  }

  /** The job of {@code entry} ended in {@code state}: it leaves the queue list. */
  void ended(QueueEntry entry, JobState state) {
    entry.state(state);
    queue.remove(entry);
  }

  /** An image of a job is finished. */
  void resultArrived(ResultItem result) {
    results.add(result);
  }

  /** Orders the queue list as the engine will run it (running first) and drops ended jobs. */
  void sync() {
    List<JobHandle> order = new ArrayList<>();
    for (SamplingService s : followed) {
      order.addAll(s.runningJobs());
    }
    for (SamplingService s : followed) {
      order.addAll(s.queued());
    }
    // A service no longer current with no job left is not followed any more.
    followed.removeIf(s -> s != service && s.runningJobs().isEmpty() && s.queued().isEmpty());
    List<QueueEntry> sorted = new ArrayList<>();
    for (JobHandle j : order) {
      for (QueueEntry e : queue) {
        if (e.job() == j) {
          if (!e.job().state().isFinal()) {
            e.state(j.state());
          }
          e.where(j.backend());
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

  /** The jobs not yet ended, the running one first. */
  public ObservableList<QueueEntry> queue() {
    return queueView;
  }

  /** Whether a job runs now. */
  public ReadOnlyBooleanProperty runningProperty() {
    return running.getReadOnlyProperty();
  }

  /** This session's finished images, oldest first. */
  public ObservableList<ResultItem> results() {
    return resultsView;
  }
}
