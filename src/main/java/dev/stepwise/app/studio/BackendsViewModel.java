package dev.stepwise.app.studio;

import dev.stepwise.engine.EngineException;
import dev.stepwise.engine.backend.Backend;
import dev.stepwise.engine.backend.BackendPool;
import dev.stepwise.engine.backend.BackendsConfig;
import dev.stepwise.engine.backend.BackendsConfig.Entry;
import dev.stepwise.engine.service.SamplingService;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.ReadOnlyBooleanProperty;
import javafx.beans.property.ReadOnlyBooleanWrapper;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.ReadOnlyStringWrapper;
import javafx.beans.property.SimpleObjectProperty;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;

/**
 * The Backends dialog: the servers of {@code backends.json} ({@link BackendsConfig}) and whether
 * new jobs run on this computer or on a {@link BackendPool} of the enabled ones. Choosing the pool,
 * or changing its backends while chosen, builds a new pool and {@link SamplingService} at once;
 * jobs already sent finish where they went, and an old pool closes when idle. UI thread only.
 */
public final class BackendsViewModel {
  /** Where new jobs run. */
  public enum Where {
    LOCAL("This computer"),
    POOL("Backends (pool)");

    private final String label;

    Where(String label) {
      this.label = label;
    }

    @Override
    public String toString() {
      return label;
    }
  }

  /** One configured backend as the dialog shows it. */
  public static final class Row {
    private final Entry entry;
    private final ReadOnlyStringWrapper state;

    Row(Entry entry, String state) {
      this.entry = entry;
      this.state = new ReadOnlyStringWrapper(state);
    }

    public String name() {
      return entry.name();
    }

    /** The URL without credentials. */
    public String url() {
      return entry.shownUrl();
    }

    public boolean enabled() {
      return entry.enabled();
    }

    /** "not tested", "testing…", "up: its models" or "down: why". */
    public ReadOnlyStringProperty stateProperty() {
      return state.getReadOnlyProperty();
    }

    Entry entry() {
      return entry;
    }
  }

  private static final Duration HEALTH_INTERVAL = Duration.ofSeconds(10);

  private final Executor ui;
  private final Executor background;
  private final Consumer<SamplingService> use;
  private final ObservableList<Row> rows = FXCollections.observableArrayList();
  private final ObjectProperty<Where> where = new SimpleObjectProperty<>(Where.LOCAL);
  private final ReadOnlyBooleanWrapper poolPossible = new ReadOnlyBooleanWrapper();
  private final ReadOnlyStringWrapper error = new ReadOnlyStringWrapper("");
  private final ReadOnlyStringWrapper summary =
      new ReadOnlyStringWrapper("Jobs run on this computer.");
  private BackendsConfig config;
  private SamplingService local;
  private SamplingService pooled;

  /**
   * Runs new jobs on what it hands {@code use}; posts to {@code ui}, asks on {@code background}.
   */
  BackendsViewModel(Executor ui, Executor background, Consumer<SamplingService> use) {
    this.ui = ui;
    this.background = background;
    this.use = use;
    where.addListener((o, a, b) -> rebuild());
  }

  /** Reads {@code c}; a bad file leaves no backends and its sentence in {@link #errorProperty}. */
  public void open(BackendsConfig c) {
    config = c;
    List<Row> read = new ArrayList<>();
    try {
      for (Entry e : c.load()) {
        read.add(new Row(e, "not tested"));
      }
      error.set("");
    } catch (EngineException e) {
      error.set(e.getMessage());
    }
    rows.setAll(read);
    changed();
  }

  /** The local engine, once started; new jobs run on it unless the pool is chosen. */
  void local(SamplingService s) {
    local = s;
    if (where.get() == Where.LOCAL) {
      use.accept(s);
    }
  }

  /**
   * Adds a backend (enabled) and saves the file; returns null, or the sentence saying why not (then
   * nothing changed).
   */
  public String add(String name, String url) {
    error.set("");
    try {
      Entry e = new Entry(name == null ? "" : name.strip(), url, null, true);
      if (BackendsConfig.find(entries(), e.name()) != null) {
        return fail("A backend is already named " + e.name() + "; remove it first.");
      }
      List<Entry> next = new ArrayList<>(entries());
      next.add(e);
      save(next);
      rows.add(new Row(e, "not tested"));
    } catch (EngineException ex) {
      return fail(ex.getMessage());
    }
    changed();
    return null;
  }

  /** Removes {@code row}'s backend and saves the file. */
  public void remove(Row row) {
    List<Entry> next = new ArrayList<>(entries());
    next.remove(row.entry());
    if (trySave(next)) {
      rows.remove(row);
      changed();
    }
  }

  /** Switches {@code row}'s backend on or off and saves the file. */
  public void enable(Row row, boolean on) {
    if (row.enabled() == on) {
      return;
    }
    List<Entry> next = new ArrayList<>(entries());
    next.set(next.indexOf(row.entry()), row.entry().enabled(on));
    if (trySave(next)) {
      rows.set(rows.indexOf(row), new Row(row.entry().enabled(on), row.state.get()));
      changed();
    }
  }

  /** Asks {@code row}'s server for its models (the health check); the row shows the answer. */
  public void test(Row row) {
    row.state.set("testing…");
    Entry e = row.entry();
    background.execute(
        () -> {
          String s;
          try (Backend b = BackendsConfig.backend(e)) {
            s = up(b.models());
          } catch (RuntimeException ex) {
            s = "down: " + ex.getMessage();
          }
          String answer = s;
          ui.execute(() -> row.state.set(answer));
        });
  }

  private static String up(List<String> models) {
    if (models == null) {
      return "up: runs whatever model it is sent";
    }
    return models.isEmpty() ? "up: no models" : "up: " + String.join(", ", models);
  }

  private List<Entry> entries() {
    return rows.stream().map(Row::entry).toList();
  }

  private String fail(String sentence) {
    error.set(sentence);
    return sentence;
  }

  private void save(List<Entry> next) {
    if (config == null) {
      throw new EngineException("The backends file is not open yet; try again in a moment.");
    }
    config.save(next);
  }

  private boolean trySave(List<Entry> next) {
    try {
      save(next);
      error.set("");
      return true;
    } catch (EngineException ex) {
      error.set(ex.getMessage());
      return false;
    }
  }

  /** The backends changed: the pool follows when it is chosen. */
  private void changed() {
    poolPossible.set(rows.stream().anyMatch(Row::enabled));
    if (where.get() == Where.POOL) {
      rebuild();
    }
  }

  /** Sends new jobs where {@link #whereProperty} says, on a new pool of the enabled backends. */
  private void rebuild() {
    SamplingService old = pooled;
    pooled = null;
    if (where.get() == Where.POOL) {
      List<Backend> backends = new ArrayList<>();
      for (Row r : rows) {
        if (r.enabled()) {
          try {
            backends.add(BackendsConfig.backend(r.entry()));
          } catch (EngineException ex) {
            r.state.set("down: " + ex.getMessage());
          }
        }
      }
      if (backends.isEmpty()) {
        error.set("No enabled backend can be used; jobs run on this computer.");
        where.set(Where.LOCAL); // runs rebuild again
        retire(old);
        return;
      }
      BackendPool pool = new BackendPool(backends, HEALTH_INTERVAL);
      SamplingService s = new SamplingService(pool);
      pooled = s;
      pool.addListener(() -> ui.execute(() -> health(s)));
      use.accept(s);
      health(s);
    } else {
      use.accept(local); // null while the local engine still starts
      summary.set("Jobs run on this computer.");
    }
    retire(old);
  }

  /** The pool's health checks into the rows and the summary line. */
  private void health(SamplingService s) {
    if (s != pooled) {
      return;
    }
    List<String> parts = new ArrayList<>();
    for (BackendPool.Member m : s.pool().members()) {
      String state =
          switch (m.health()) {
            case UP -> up(m.models());
            case DOWN -> "down: " + m.problem();
            case UNKNOWN -> "checking…";
          };
      for (Row r : rows) {
        if (r.name().equals(m.name())) {
          r.state.set(state);
        }
      }
      parts.add(m.name() + " (" + m.health().toString().toLowerCase(java.util.Locale.ROOT) + ")");
    }
    summary.set("Jobs run on the backends " + String.join(", ", parts) + ".");
  }

  /** Closes {@code s} once the jobs already sent to it have ended. */
  private void retire(SamplingService s) {
    if (s == null) {
      return;
    }
    Runnable closeWhenIdle =
        () -> {
          if (s.queued().isEmpty() && s.runningJobs().isEmpty()) {
            background.execute(s::close);
          }
        };
    s.addQueueListener(closeWhenIdle);
    closeWhenIdle.run();
  }

  /** The configured backends, in the file's order. */
  public ObservableList<Row> rows() {
    return rows;
  }

  /** Where new jobs run. */
  public ObjectProperty<Where> whereProperty() {
    return where;
  }

  /** Whether at least one backend is enabled (the pool can be chosen). */
  public ReadOnlyBooleanProperty poolPossibleProperty() {
    return poolPossible.getReadOnlyProperty();
  }

  /** The last refusal (a bad file, name or URL), one sentence; empty when none. */
  public ReadOnlyStringProperty errorProperty() {
    return error.getReadOnlyProperty();
  }

  /** "Jobs run on this computer." or the pool's backends with their health. */
  public ReadOnlyStringProperty summaryProperty() {
    return summary.getReadOnlyProperty();
  }

  /** Stops the pool's service. */
  public void close() {
    SamplingService s = pooled;
    pooled = null;
    if (s != null) {
      s.close();
    }
  }
}
