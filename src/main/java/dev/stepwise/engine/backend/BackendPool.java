package dev.stepwise.engine.backend;

import dev.stepwise.engine.EngineException;
import dev.stepwise.engine.GenerationRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Several backends at once, each with the models it lists. The {@link
 * dev.stepwise.engine.service.SamplingService} built on a pool runs one job per backend at a time:
 * {@link #acquire} gives it a free backend that is up and offers the job's model, the one idle
 * longest first. A health check (the backend's model list, one cheap GET) runs every {@code
 * interval} and marks each backend up or down; a backend that fails a job is marked down at once.
 * Thread-safe.
 */
public final class BackendPool implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(BackendPool.class);

  /** What the last check or job said of a backend. */
  public enum Health {
    UNKNOWN,
    UP,
    DOWN
  }

  /** One backend as the pool sees it now. */
  public record Member(
      String name, Health health, List<String> models, int running, long jobs, String problem) {}

  private static final class Entry {
    final Backend backend;
    Health health = Health.UNKNOWN;
    List<String> models; // null: runs whatever it is sent
    int running;
    long jobs;
    long lastUsed; // when it was last given or given back: the smallest has been idle longest
    String problem;

    Entry(Backend backend) {
      this.backend = backend;
    }
  }

  private final List<Entry> entries = new ArrayList<>();
  private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
  private final ScheduledExecutorService checker;
  private long clock;

  /**
   * A pool of {@code backends} (at least one, names distinct), checked at once and then every
   * {@code interval}; with a zero interval nothing is checked in the background (its owner calls
   * {@link #checkAll}).
   */
  public BackendPool(List<? extends Backend> backends, Duration interval) {
    if (backends.isEmpty()) {
      throw new EngineException("A pool needs at least one backend.");
    }
    for (Backend b : backends) {
      if (entries.stream().anyMatch(e -> e.backend.name().equals(b.name()))) {
        throw new EngineException("The backend " + b.name() + " is given twice; give each once.");
      }
      entries.add(new Entry(Objects.requireNonNull(b)));
    }
    checker =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "stepwise-backend-health");
              t.setDaemon(true);
              return t;
            });
    if (!interval.isZero()) {
      long ms = Math.max(10, interval.toMillis());
      checker.scheduleWithFixedDelay(this::checkAll, 0, ms, TimeUnit.MILLISECONDS);
    }
  }

  /** Called (outside the pool's lock) when a backend goes up or down or becomes free. */
  public void addListener(Runnable r) {
    listeners.add(r);
  }

  /** Every backend's state, in the order given. */
  public synchronized List<Member> members() {
    List<Member> out = new ArrayList<>();
    for (Entry e : entries) {
      out.add(
          new Member(
              e.backend.name(),
              e.health,
              e.models == null ? null : List.copyOf(e.models),
              e.running,
              e.jobs,
              e.problem));
    }
    return out;
  }

  /** The names, comma-separated. */
  public synchronized String names() {
    return String.join(", ", entries.stream().map(e -> e.backend.name()).toList());
  }

  /**
   * A free backend that is up, offers {@code request}'s model and is not named in {@code tried},
   * now marked busy (give it back with {@link #release}); the one idle longest first. Null when
   * none is free now.
   */
  public synchronized Backend acquire(GenerationRequest request, Collection<String> tried) {
    String model = modelName(request);
    Entry best = null;
    for (Entry e : entries) {
      if (e.health == Health.UP
          && e.running == 0
          && offers(e, model)
          && !tried.contains(e.backend.name())
          && (best == null || e.lastUsed < best.lastUsed)) {
        best = e;
      }
    }
    if (best == null) {
      return null;
    }
    best.running++;
    best.jobs++;
    best.lastUsed = ++clock;
    return best.backend;
  }

  /**
   * Why no backend can ever take {@code request} as things stand (one sentence), or null while one
   * may: it is up or not yet checked, offers the model and was not tried.
   */
  public synchronized String refusal(GenerationRequest request, Collection<String> tried) {
    String model = modelName(request);
    String problem = null;
    List<String> offered = new ArrayList<>();
    boolean anyOffers = false;
    for (Entry e : entries) {
      if (e.models != null) {
        offered.addAll(e.models);
      }
      if (!offers(e, model)) {
        continue;
      }
      anyOffers = true;
      if (tried.contains(e.backend.name()) || e.health == Health.DOWN) {
        problem = e.problem != null ? e.problem : problem;
      } else {
        return null;
      }
    }
    if (!anyOffers) {
      return "No backend offers the model '"
          + model
          + "'; they offer "
          + (offered.isEmpty() ? "none" : String.join(", ", offered.stream().distinct().toList()))
          + ".";
    }
    return "No backend that could run the job is up"
        + (problem == null ? "." : "; the last problem: " + problem);
  }

  /** Gives back a backend {@link #acquire} gave. */
  public void release(Backend b) {
    synchronized (this) {
      Entry e = entry(b);
      e.running--;
      e.lastUsed = ++clock; // idle from now
    }
    fire();
  }

  /** Marks {@code b} down after it failed a job; the next good check brings it back. */
  public void down(Backend b, String problem) {
    synchronized (this) {
      Entry e = entry(b);
      e.health = Health.DOWN;
      e.problem = problem;
    }
    LOG.info("backend {} is down: {}", b.name(), problem);
    fire();
  }

  private Entry entry(Backend b) {
    for (Entry e : entries) {
      if (e.backend == b) {
        return e;
      }
    }
    throw new IllegalArgumentException("not in the pool: " + b.name());
  }

  private static boolean offers(Entry e, String model) {
    return model == null
        || e.models == null
        || e.models.stream().anyMatch(m -> m.equalsIgnoreCase(model));
  }

  /** The model a request names as servers list it (the file name without its suffix), or null. */
  static String modelName(GenerationRequest r) {
    if (r.model() == null) {
      return null;
    }
    String file = r.model().getFileName().toString();
    return file.replaceFirst("(?i)\\.(safetensors|ckpt)$", "");
  }

  /** Asks every backend for its models now; marks each up or down. */
  public void checkAll() {
    List<Entry> all;
    synchronized (this) {
      all = List.copyOf(entries);
    }
    boolean changed = false;
    for (Entry e : all) {
      List<String> models = null;
      String problem = null;
      try {
        models = e.backend.models();
      } catch (RuntimeException ex) {
        problem = ex.getMessage();
      }
      synchronized (this) {
        Health h = problem == null ? Health.UP : Health.DOWN;
        if (h != e.health) {
          changed = true;
          LOG.info("backend {} is {}", e.backend.name(), h.toString().toLowerCase(Locale.ROOT));
        }
        e.health = h;
        if (problem == null) {
          e.models = models;
          e.problem = null;
        } else {
          e.problem = problem;
        }
      }
    }
    if (changed) {
      fire();
    }
  }

  private void fire() {
    for (Runnable r : listeners) {
      try {
        r.run();
      } catch (RuntimeException ex) {
        LOG.warn("a pool listener failed", ex);
      }
    }
  }

  /** Stops the health checks and closes every backend. */
  @Override
  public void close() {
    checker.shutdownNow();
    for (Entry e : entries) {
      e.backend.close();
    }
  }
}
