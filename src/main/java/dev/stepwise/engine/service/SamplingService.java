package dev.stepwise.engine.service;

import ai.djl.Device;
import dev.stepwise.engine.CancellationToken;
import dev.stepwise.engine.Devices;
import dev.stepwise.engine.DiffusionModel;
import dev.stepwise.engine.EngineException;
import dev.stepwise.engine.GenerationListener;
import dev.stepwise.engine.GenerationRequest;
import dev.stepwise.engine.GenerationResult;
import dev.stepwise.engine.ModelInfo;
import dev.stepwise.engine.Pipeline;
import dev.stepwise.engine.backend.Backend;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BiFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The background worker that owns the engine: one thread takes requests from a FIFO queue, loads
 * (and keeps) the model each asks for, and runs it, streaming every step to the request's listener.
 * Jobs can be cancelled queued or running, and queued jobs reordered.
 */
public final class SamplingService implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SamplingService.class);

  private final Path defaultModel;
  private final Device device;
  private final BiFunction<Path, Device, DiffusionModel> loader;
  private final Backend backend; // null: the local engine
  private final Deque<JobHandle> queue = new ArrayDeque<>();
  private final List<Runnable> queueListeners = new CopyOnWriteArrayList<>();
  private final Thread worker;
  private long nextId = 1;
  private JobHandle running;
  private boolean closed;
  private volatile DiffusionModel model;
  private Path modelPath;

  /** A service on the best device (CUDA GPU if DJL finds one, CPU otherwise). */
  public SamplingService(Path defaultModel) {
    this(defaultModel, Devices.best(), DiffusionModel::load);
  }

  /** A service with an explicit device and model loader (tests inject their own). */
  public SamplingService(
      Path defaultModel, Device device, BiFunction<Path, Device, DiffusionModel> loader) {
    this(defaultModel, device, loader, null);
  }

  /**
   * A service whose jobs run on {@code backend} (a server), one at a time as local ones do; no
   * model is loaded here.
   */
  public SamplingService(Backend backend) {
    this(null, null, null, Objects.requireNonNull(backend, "backend"));
  }

  private SamplingService(
      Path defaultModel,
      Device device,
      BiFunction<Path, Device, DiffusionModel> loader,
      Backend backend) {
    this.defaultModel = defaultModel;
    this.device = device;
    this.loader = loader;
    this.backend = backend;
    this.worker = new Thread(this::work, "stepwise-sampler");
    this.worker.setDaemon(true);
    this.worker.start();
  }

  /** The device jobs run on, in words, e.g. "CPU (PyTorch 2.7.1)". */
  public String device() {
    return backend != null ? "the server " + backend.name() : Devices.describe(device);
  }

  /** Queues {@code request}; the listener hears from the sampling thread. */
  public JobHandle submit(GenerationRequest request, GenerationListener listener) {
    Objects.requireNonNull(request, "request");
    GenerationListener l = listener == null ? new GenerationListener() {} : listener;
    JobHandle job;
    synchronized (this) {
      if (closed) {
        throw new EngineException("The sampling service has been shut down.");
      }
      job = new JobHandle(nextId++, request, l, this);
      queue.addLast(job);
      notifyAll();
    }
    fireQueueChanged();
    return job;
  }

  /** The queued jobs in the order they will run (the running one excluded). */
  public synchronized List<JobHandle> queued() {
    return List.copyOf(queue);
  }

  /** The running job, or null. */
  public synchronized JobHandle running() {
    return running;
  }

  /**
   * Moves a queued job to {@code index} in the queue (0 = next to run). Returns false if the job is
   * no longer queued.
   */
  public boolean move(JobHandle job, int index) {
    synchronized (this) {
      List<JobHandle> list = new ArrayList<>(queue);
      if (!list.remove(job)) {
        return false;
      }
      list.add(Math.max(0, Math.min(index, list.size())), job);
      queue.clear();
      queue.addAll(list);
    }
    fireQueueChanged();
    return true;
  }

  /** Called when the queue or the running job changes (on the sampling or the caller's thread). */
  public void addQueueListener(Runnable listener) {
    queueListeners.add(listener);
  }

  boolean cancel(JobHandle job) {
    boolean wasQueued;
    synchronized (this) {
      if (job.state().isFinal()) {
        return false;
      }
      wasQueued = queue.remove(job);
      job.token().cancel();
    }
    if (wasQueued) {
      finishCancelled(job);
      fireQueueChanged();
    }
    return true;
  }

  private void work() {
    while (true) {
      JobHandle job;
      synchronized (this) {
        while (queue.isEmpty() && !closed) {
          try {
            wait();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
          }
        }
        if (closed) {
          return;
        }
        job = queue.pollFirst();
        running = job;
        job.state(JobState.RUNNING);
      }
      fireQueueChanged();
      try {
        runJob(job);
      } catch (Throwable e) {
        // runJob ends every job itself; this is the last guard that keeps the worker serving.
        LOG.error("job {} was not ended", job.id(), e);
        if (!job.state().isFinal()) {
          fail(job, internalError(e));
        }
      }
      synchronized (this) {
        running = null;
      }
      fireQueueChanged();
    }
  }

  private void runJob(JobHandle job) {
    GenerationListener l = job.listener();
    CancellationToken token = job.token();
    try {
      token.check();
      if (backend != null) {
        GenerationResult remote = backend.run(job.request(), l, token);
        job.state(JobState.FINISHED);
        safe(() -> l.finished(remote));
        job.future().complete(remote);
        return;
      }
      DiffusionModel m = modelFor(job.request().model());
      ModelInfo info = m.info();
      safe(() -> l.started(info));
      GenerationResult result = new Pipeline(m).run(job.request(), l, token);
      job.state(JobState.FINISHED);
      safe(() -> l.finished(result));
      job.future().complete(result);
    } catch (CancellationToken.CancelledException e) {
      finishCancelled(job);
    } catch (EngineException e) {
      LOG.info("job {} failed: {}", job.id(), e.getMessage(), e.getCause());
      fail(job, e);
    } catch (OutOfMemoryError e) {
      LOG.error("job {} ran out of memory", job.id(), e);
      fail(
          job,
          new EngineException("Generation ran out of memory; choose a smaller size or batch.", e));
    } catch (Throwable e) {
      // Any other failure (a native library or class that failed to load, a StackOverflowError,
      // a checked exception a library threw unchecked) must fail this job, not end the worker
      // thread: every later job, and the CLI waiting for this one, would wait forever.
      LOG.error("job {} failed unexpectedly", job.id(), e);
      fail(job, internalError(e));
    }
  }

  private static EngineException internalError(Throwable e) {
    return new EngineException(
        "Generation failed because of an internal error ("
            + e.getClass().getSimpleName()
            + "); the log has the details.",
        e);
  }

  private void fail(JobHandle job, EngineException e) {
    job.state(JobState.FAILED);
    safe(() -> job.listener().failed(e));
    job.future().completeExceptionally(e);
  }

  private void finishCancelled(JobHandle job) {
    job.state(JobState.CANCELLED);
    safe(() -> job.listener().cancelled());
    job.future().cancel(false);
  }

  private DiffusionModel modelFor(Path requested) {
    Path path = requested != null ? requested : defaultModel;
    if (path == null) {
      throw new EngineException("No model was chosen and no default model is installed.");
    }
    Path normalized = path.toAbsolutePath().normalize();
    if (model != null && normalized.equals(modelPath)) {
      return model;
    }
    DiffusionModel previous = model;
    model = null;
    modelPath = null;
    if (previous != null) {
      previous.close();
    }
    model = loader.apply(normalized, device);
    modelPath = normalized;
    return model;
  }

  private void fireQueueChanged() {
    for (Runnable r : queueListeners) {
      safe(r);
    }
  }

  /** Runs a listener; whatever it throws (an Error included) is logged, never the worker's end. */
  private static void safe(Runnable r) {
    try {
      r.run();
    } catch (Throwable e) {
      LOG.warn("a listener failed", e);
    }
  }

  /** Cancels every job, stops the worker and frees the model. */
  @Override
  public void close() {
    List<JobHandle> pending;
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      pending = new ArrayList<>(queue);
      queue.clear();
      if (running != null) {
        running.token().cancel();
      }
      notifyAll();
    }
    pending.forEach(this::finishCancelled);
    try {
      worker.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (backend != null) {
      backend.close();
    }
    if (model != null && !worker.isAlive()) {
      model.close();
      model = null;
    }
  }
}
