package dev.stepwise.engine.lora;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import dev.stepwise.engine.lora.LoraTargets.Part;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Merges LoRA into a loaded model's weights in place, and takes them out again bit for bit.
 *
 * <p>W' = W + m (alpha / r) up down, per layer, in float32 (A1111's extensions-builtin/Lora:
 * networks.py network_apply_weights adds each network's updown to the weight in turn;
 * network_lora.py calc_updown and lyco_helpers.py rebuild_conventional flatten up [out, r] and down
 * [r, in k k] to matrices and reshape their product to W; network.py finalize_updown multiplies by
 * calc_scale() = alpha / r and the multiplier). m is the tag's text-encoder weight (for both of
 * SDXL's encoders, as A1111's te_multiplier) or its UNet weight. The first time a layer is changed
 * its original array is copied; applying another set first writes those copies back, so the base
 * weights return exactly. The checkpoint is never read again.
 *
 * <p>Not thread-safe: the sampling thread applies a set between jobs.
 */
public final class LoraMerger implements AutoCloseable {
  private static final NDIndex ALL = new NDIndex("...");

  /** One LoRA to merge, with its two multipliers. */
  public record Use(LoraFile file, double textEncoderWeight, double unetWeight) {}

  private final NDManager backups;

  /** A changed layer and the copy of its original weight. */
  private record Backup(LoraTargets.Target target, NDArray original) {}

  private final Map<String, Backup> originals = new LinkedHashMap<>(); // by part and key
  private List<String> current = List.of(); // null: unknown, the next apply merges afresh

  /** A merger whose copies of the original weights live under {@code weights}. */
  public LoraMerger(NDManager weights) {
    this.backups = weights.newSubManager();
  }

  /**
   * Makes the weights the base weights plus {@code uses}, in order. Does nothing when that set
   * (same files, unchanged on disk, same multipliers) is already merged; an empty list restores the
   * base weights. On a failure the base weights are restored and the failure rethrown.
   *
   * @return whether any weight was written
   */
  public boolean apply(List<Use> uses) {
    List<String> wanted = identity(uses);
    if (wanted.equals(current)) {
      return false;
    }
    restore();
    try {
      for (Use use : uses) {
        merge(use);
      }
      current = wanted;
    } catch (RuntimeException | Error e) {
      restore();
      throw e;
    }
    return true;
  }

  /** Writes every changed layer's original back and forgets the copies. */
  public void restore() {
    for (Backup b : originals.values()) {
      b.target().weight().set(ALL, b.original()); // W's shape, the original bytes
      b.original().close();
    }
    originals.clear();
    current = List.of();
  }

  /**
   * Forgets the copies of {@code part}'s layers without writing them back, for when that part's
   * arrays are freed (the text encoders dropped between prompts: read again, they hold the base
   * weights); the next {@link #apply} restores the rest and merges its set afresh.
   */
  public void forget(Part part) {
    boolean any =
        originals
            .values()
            .removeIf(
                b -> {
                  if (b.target().part() != part) {
                    return false;
                  }
                  b.original().close();
                  return true;
                });
    if (any) {
      current = null;
    }
  }

  /** How many layers differ from the base weights now. */
  public int changedLayers() {
    return originals.size();
  }

  private void merge(Use use) {
    LoraFile f = use.file();
    for (LoraFile.Module m : f.modules()) {
      LoraTargets.Target t = m.target();
      double multiplier =
          t.part() == Part.UNET ? use.unetWeight() : use.textEncoderWeight(); // both of SDXL's
      if (multiplier == 0) {
        continue; // W + 0 would turn -0.0 into +0.0: leave the layer untouched
      }
      NDArray w = t.weight(); // [out, in] or [out, in, kh, kw]
      try (NDManager sub = backups.newSubManager()) {
        NDArray down = f.tensors().load(m.down(), sub); // [r, in] or [r, in, kh, kw]
        NDArray up = f.tensors().load(m.up(), sub); // [out, r] or [out, r, 1, 1]
        double alpha = m.alpha() == null ? m.rank() : f.tensors().readFloats(m.alpha())[0];
        float scale = (float) (multiplier * alpha / m.rank());
        long out = w.getShape().get(0);
        NDArray delta = up.reshape(out, m.rank()).matMul(down.reshape(m.rank(), -1));
        // delta: [out, in kh kw]
        NDArray merged = delta.mul(scale).reshape(w.getShape()).add(w); // W's shape
        String id = t.part() + ":" + t.key();
        if (!originals.containsKey(id)) {
          NDArray copy = w.duplicate(); // W's shape
          copy.attach(backups);
          originals.put(id, new Backup(t, copy));
        }
        w.set(ALL, merged);
      }
    }
  }

  private static List<String> identity(List<Use> uses) {
    List<String> out = new ArrayList<>();
    for (Use u : uses) {
      String stamp;
      try {
        stamp =
            Files.size(u.file().path())
                + "/"
                + Files.getLastModifiedTime(u.file().path()).toMillis();
      } catch (IOException e) {
        stamp = "?";
      }
      out.add(
          String.format(
              Locale.ROOT,
              "%s|%s|%s|%s",
              u.file().path().toAbsolutePath(),
              stamp,
              Double.toString(u.textEncoderWeight()),
              Double.toString(u.unetWeight())));
    }
    return out;
  }

  @Override
  public void close() {
    restore();
    backups.close();
  }
}
