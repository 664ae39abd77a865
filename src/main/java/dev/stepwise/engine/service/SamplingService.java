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
import dev.stepwise.engine.backend.BackendDownException;
import dev.stepwise.engine.backend.BackendPool;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The background worker that owns the engine: one thread takes requests from a FIFO queue, loads
 * (and keeps) the model each asks for, and runs it, streaming every step to the request's listener.
 * Jobs can be cancelled queued or running, and queued jobs reordered. On a {@link BackendPool}
 * several jobs run at once, one per backend, and a job whose backend fails it (connection lost,
 * 5xx, timeout) before any image arrived goes back to the queue and runs elsewhere.
 */
public final class SamplingService implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SamplingService.class);

  private final Path defaultModel;
  private final Device device;
  private final BiFunction<Path, Device, DiffusionModel> loader;
  private final Backend backend; // null: the local engine
  private final BackendPool pool; // null unless jobs run on a pool
  private final ExecutorService runners; // the pool's jobs, one thread each
  private final List<JobHandle> active = new ArrayList<>(); // the pool's running jobs
  private final Deque<JobHandle> queue = new ArrayDeque<>();
  private final List<Runnable> queueListeners = new CopyOnWriteArrayList<>();
  private final Thread worker;
  private long nextId = 1;
  private JobHandle running;
  private boolean closed;
  private volatile DiffusionModel model;
  private volatile Boolean keepTextEncoders; // null: as the loader left each model
  private Path modelPath;

  /** A service on the best device (CUDA GPU if DJL finds one, CPU otherwise). */
  public SamplingService(Path defaultModel) {
    this(defaultModel, Devices.best(), DiffusionModel::load);
  }

  /** A service with an explicit device and model loader (tests inject their own). */
  public SamplingService(
      Path defaultModel, Device device, BiFunction<Path, Device, DiffusionModel> loader) {
    this(defaultModel, device, loader, null, null);
  }

  /**
   * A service whose jobs run on {@code backend} (a server), one at a time as local ones do; no
   * model is loaded here.
   */
  public SamplingService(Backend backend) {
    this(null, null, null, Objects.requireNonNull(backend, "backend"), null);
  }

  /**
   * A service whose jobs run on {@code pool}'s backends, each job on a free one that offers its
   * model; the service closes the pool.
   */
  public SamplingService(BackendPool pool) {
    this(null, null, null, null, Objects.requireNonNull(pool, "pool"));
  }

  private SamplingService(
      Path defaultModel,
      Device device,
      BiFunction<Path, Device, DiffusionModel> loader,
      Backend backend,
      BackendPool pool) {
    this.defaultModel = defaultModel;
    this.device = device;
    this.loader = loader;
    this.backend = backend;
    this.pool = pool;
    this.runners =
        pool == null
            ? null
            : Executors.newCachedThreadPool(
                r -> {
                  Thread t = new Thread(r, "stepwise-backend-job");
                  t.setDaemon(true);
                  return t;
                });
    if (pool != null) {
      pool.addListener(
          () -> {
            synchronized (this) {
              notifyAll();
            }
          });
    }
    this.worker = new Thread(pool == null ? this::work : this::dispatch, "stepwise-sampler");
    this.worker.setDaemon(true);
    this.worker.start();
  }

  /** The device jobs run on, in words, e.g. "CPU (PyTorch 2.7.1)". */
  public String device() {
    if (pool != null) {
      return "the backends " + pool.names();
    }
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

  /** The running job (on a pool the oldest running one), or null. */
  public synchronized JobHandle running() {
    return pool == null ? running : active.isEmpty() ? null : active.get(0);
  }

  /** Every running job: on a pool one per busy backend, else at most one. */
  public synchronized List<JobHandle> runningJobs() {
    return pool == null ? (running == null ? List.of() : List.of(running)) : List.copyOf(active);
  }

  /** The pool jobs run on, or null. */
  public BackendPool pool() {
    return pool;
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
        runJob(job, backend);
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

  /** The pool's dispatcher: hands each queued job, in order, to a free backend that can run it. */
  private void dispatch() {
    while (true) {
      JobHandle job = null;
      Backend b = null;
      String refusal = null;
      synchronized (this) {
        while (!closed && job == null) {
          for (JobHandle j : queue) {
            b = pool.acquire(j.request(), j.tried());
            refusal = b == null ? pool.refusal(j.request(), j.tried()) : null;
            if (b != null || refusal != null) {
              job = j;
              break;
            }
          }
          if (job == null) {
            try {
              wait();
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
              return;
            }
          }
        }
        if (closed) {
          if (b != null) {
            pool.release(b);
          }
          return;
        }
        queue.remove(job);
        if (b != null) {
          active.add(job);
          job.state(JobState.RUNNING);
          job.backend(b.name());
        }
      }
      if (b == null) {
        fail(job, new EngineException(refusal));
      } else {
        JobHandle j = job;
        Backend on = b;
        runners.execute(() -> runOnPool(j, on));
      }
      fireQueueChanged();
    }
  }

  private void runOnPool(JobHandle job, Backend b) {
    boolean again = false;
    try {
      again = runJob(job, b);
    } catch (Throwable e) {
      LOG.error("job {} was not ended", job.id(), e);
      if (!job.state().isFinal()) {
        fail(job, internalError(e));
      }
    } finally {
      boolean dropped;
      synchronized (this) {
        active.remove(job);
        dropped = again && closed;
        if (again && !closed) {
          // back in the queue in submission order, ahead of the jobs submitted after it
          List<JobHandle> list = new ArrayList<>(queue);
          int at = 0;
          while (at < list.size() && list.get(at).id() < job.id()) {
            at++;
          }
          list.add(at, job);
          queue.clear();
          queue.addAll(list);
          job.state(JobState.QUEUED);
        }
      }
      if (dropped) {
        finishCancelled(job); // the service closed while its backend failed it
      }
      pool.release(b); // wakes the dispatcher
      fireQueueChanged();
    }
  }

  /**
   * Runs {@code job} on {@code backend} (null: the local engine); returns true when a pool's
   * backend failed it before any image arrived, so that it runs again elsewhere.
   */
  private boolean runJob(JobHandle job, Backend backend) {
    CancellationToken token = job.token();
    int[] images = {0};
    GenerationListener l = pool == null ? job.listener() : counting(job.listener(), images);
    try {
      token.check();
      if (backend != null) {
        job.backend(backend.name());
        GenerationResult remote = backend.run(job.request(), l, token);
        job.state(JobState.FINISHED);
        safe(() -> l.finished(remote));
        job.future().complete(remote);
        return false;
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
    } catch (BackendDownException e) {
      if (pool != null) {
        pool.down(backend, e.getMessage());
        if (isCancelled(token)) {
          finishCancelled(job);
          return false;
        }
        if (images[0] == 0) {
          LOG.info("job {} goes back to the queue: {}", job.id(), e.getMessage());
          job.tried().add(backend.name());
          return true;
        }
      }
      LOG.info("job {} failed: {}", job.id(), e.getMessage(), e.getCause());
      fail(job, e);
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
    return false;
  }

  private static boolean isCancelled(CancellationToken token) {
    try {
      token.check();
      return false;
    } catch (CancellationToken.CancelledException e) {
      return true;
    }
  }

  /** {@code l}, counting the images it is given. */
  private static GenerationListener counting(GenerationListener l, int[] images) {
    return new GenerationListener() {
      @Override
      public void started(dev.stepwise.engine.ModelInfo info) {
        l.started(info);
      }

      @Override
      public dev.stepwise.engine.PreviewSource previewSource() {
        return l.previewSource();
      }

      @Override
      public void notice(String sentence) {
        l.notice(sentence);
      }

      @Override
      public void step(dev.stepwise.engine.StepEvent e) {
        l.step(e);
      }

      @Override
      public void image(dev.stepwise.engine.GeneratedImage image) {
        images[0]++;
        l.image(image);
      }
    };
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
    Boolean keep = keepTextEncoders;
    if (keep != null) {
      model.keepTextEncoders(keep);
    }
    return model;
  }

  /**
   * Whether the local engine's models keep their text encoders in memory between prompts ({@link
   * DiffusionModel#keepTextEncoders}): the model loaded now and every one loaded later. No effect
   * on a backend.
   */
  public void keepTextEncoders(boolean keep) {
    keepTextEncoders = keep;
    DiffusionModel m = model;
    if (m != null) {
      m.keepTextEncoders(keep); // read by the worker once a job's prompts are encoded
    }
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
      active.forEach(j -> j.token().cancel());
      notifyAll();
    }
    pending.forEach(this::finishCancelled);
    try {
      worker.join(10_000);
      if (runners != null) {
        runners.shutdown();
        runners.awaitTermination(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (backend != null) {
      backend.close();
    }
    if (pool != null) {
      pool.close();
    }
    if (model != null && !worker.isAlive()) {
      model.close();
      model = null;
    }
  }
}
