package dev.stepwise.engine.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.stepwise.engine.ModelPackException;
import dev.stepwise.engine.weights.TensorSource;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Strict, prefix-scoped access to the weights of one model component.
 *
 * <p>Every tensor is fetched with the shape the component's config.json implies; a missing key or a
 * different shape is a {@link ModelPackException} that names the file, the key, the shape found and
 * the shape expected. Loaded arrays belong to the manager given at creation (the model's own
 * weights manager). After a model is built, {@link #unusedKeys()} lists the tensors of the source
 * that no layer asked for, for a notice.
 */
public final class Parameters {

  /** Where tensors come from: a file-backed source or random weights. */
  interface Source {
    String origin();

    boolean has(String key);

    /** The stored shape, or null when unknown before loading (random weights). */
    long[] shape(String key);

    /** FLOAT32, or when {@code stored} as TensorSource.loadStored gives it. */
    NDArray load(String key, long[] expectedShape, NDManager manager, boolean stored);

    Set<String> names();
  }

  private static final class State {
    final Source source;
    final NDManager manager;
    final WeightPrecision precision;
    final Set<String> used = Collections.synchronizedSet(new HashSet<>());
    final Map<String, NDArray> loaded = Collections.synchronizedMap(new LinkedHashMap<>());
    final java.util.concurrent.atomic.AtomicLong loadedBytes =
        new java.util.concurrent.atomic.AtomicLong();

    State(Source source, NDManager manager, WeightPrecision precision) {
      this.source = source;
      this.manager = manager;
      this.precision = precision;
    }
  }

  private final State state;
  private final String prefix;

  private Parameters(State state, String prefix) {
    this.state = state;
    this.prefix = prefix;
  }

  /** Parameters read from {@code source} into {@code weights} (the model's manager), as stored. */
  public static Parameters strict(TensorSource source, NDManager weights) {
    return strict(source, weights, WeightPrecision.AS_STORED);
  }

  /** Parameters read from {@code source} with weights held in {@code precision}. */
  public static Parameters strict(
      TensorSource source, NDManager weights, WeightPrecision precision) {
    return new Parameters(new State(new TensorSourceAdapter(source), weights, precision), "");
  }

  /** Random parameters of whatever shape is asked for (benchmarks, dry runs). */
  public static Parameters random(RandomWeights random, NDManager weights) {
    return new Parameters(new State(random.asSource(), weights, WeightPrecision.AS_STORED), "");
  }

  /** A view whose keys are prefixed with {@code name + "."} (a dot is added unless present). */
  public Parameters prefix(String name) {
    if (name.isEmpty()) {
      return this;
    }
    String p = name.endsWith(".") ? name : name + ".";
    return new Parameters(state, prefix + p);
  }

  /** The manager that owns every loaded weight. */
  public NDManager manager() {
    return state.manager;
  }

  /** Where the tensors come from, for messages. */
  public String origin() {
    return state.source.origin();
  }

  /** Whether the source holds {@code key} (relative to this view's prefix). */
  public boolean contains(String key) {
    return state.source.has(prefix + key);
  }

  /**
   * Fetches {@code key} (relative to this view's prefix) and checks its shape against {@code
   * expectedShape}.
   *
   * @throws ModelPackException when the key is absent or its shape differs
   */
  public NDArray get(String key, long... expectedShape) {
    return fetch(key, expectedShape, false);
  }

  /** {@link #get} for a layer's matrix or kernel, held as its {@link WeightPrecision} says. */
  public NDArray weight(String key, long... expectedShape) {
    return fetch(key, expectedShape, true);
  }

  /**
   * {@code w} itself when FLOAT32, else an exact FLOAT32 copy in w's manager (the model's), which
   * the caller must close once the layer has run.
   */
  public static NDArray widened(NDArray w) {
    return w.getDataType() == DataType.FLOAT32 ? w : w.toType(DataType.FLOAT32, false);
  }

  private NDArray fetch(String key, long[] expectedShape, boolean weight) {
    String full = prefix + key;
    if (!state.source.has(full)) {
      throw new ModelPackException(
          origin()
              + ": is missing key "
              + full
              + " (expected shape "
              + Arrays.toString(expectedShape)
              + " from config.json).");
    }
    long[] found = state.source.shape(full);
    if (found != null && !Arrays.equals(found, expectedShape)) {
      throw mismatch(full, found, expectedShape);
    }
    boolean stored = weight && state.precision != WeightPrecision.FLOAT32;
    NDArray array = state.source.load(full, expectedShape, state.manager, stored);
    long[] loaded = array.getShape().getShape();
    if (!Arrays.equals(loaded, expectedShape)) {
      array.close();
      throw mismatch(full, loaded, expectedShape);
    }
    state.used.add(full);
    state.loaded.put(full, array);
    state.loadedBytes.addAndGet(array.size() * array.getDataType().getNumOfBytes());
    return array;
  }

  /** Bytes of the tensors loaded so far through these parameters (and every prefix of them). */
  public long loadedBytes() {
    return state.loadedBytes.get();
  }

  /**
   * Every array loaded so far by full key, in loading order: the very arrays the layers hold, so
   * that a LoRA can be merged into them in place ({@link dev.stepwise.engine.lora.LoraMerger}).
   */
  public Map<String, NDArray> loadedArrays() {
    synchronized (state.loaded) {
      return Map.copyOf(state.loaded);
    }
  }

  /**
   * The source's tensors that no layer asked for, sorted; buffers such as {@code position_ids} and
   * {@code num_batches_tracked} are left out because models rebuild them.
   */
  public List<String> unusedKeys() {
    List<String> out = new ArrayList<>();
    for (String name : new TreeSet<>(state.source.names())) {
      if (!state.used.contains(name)
          && !name.endsWith("position_ids")
          && !name.endsWith("num_batches_tracked")) {
        out.add(name);
      }
    }
    return out;
  }

  /** A notice naming the first five {@link #unusedKeys}, if any. */
  public Optional<String> unusedNotice() {
    List<String> unused = unusedKeys();
    if (unused.isEmpty()) {
      return Optional.empty();
    }
    String shown = String.join(", ", unused.subList(0, Math.min(5, unused.size())));
    return Optional.of(
        origin()
            + " holds "
            + unused.size()
            + " tensors Stepwise does not use ("
            + shown
            + (unused.size() > 5 ? ", ..." : "")
            + "); they were ignored.");
  }

  private ModelPackException mismatch(String key, long[] found, long[] expected) {
    return new ModelPackException(
        origin()
            + ": "
            + key
            + " has shape "
            + Arrays.toString(found)
            + " but config.json implies "
            + Arrays.toString(expected)
            + ".");
  }

  /** Adapts a {@link TensorSource} (files) to the loader. */
  private static final class TensorSourceAdapter implements Source {
    private final TensorSource source;

    TensorSourceAdapter(TensorSource source) {
      this.source = source;
    }

    @Override
    public String origin() {
      return source.origin();
    }

    @Override
    public boolean has(String key) {
      return source.shape(key) != null;
    }

    @Override
    public long[] shape(String key) {
      return source.shape(key);
    }

    @Override
    public NDArray load(String key, long[] expectedShape, NDManager manager, boolean stored) {
      return stored ? source.loadStored(key, manager) : source.load(key, manager);
    }

    @Override
    public Set<String> names() {
      return source.names();
    }
  }
}
