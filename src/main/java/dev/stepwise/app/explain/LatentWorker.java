package dev.stepwise.app.explain;

import dev.stepwise.app.timeline.FrameScaler;
import dev.stepwise.engine.EngineException;
import dev.stepwise.engine.RgbImage;
import dev.stepwise.engine.explain.ForwardProcess;
import dev.stepwise.engine.explain.LatentAutoencoder;
import dev.stepwise.engine.sampling.Latents;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The explorer's autoencoder work on one background thread, which alone owns the loaded model.
 *
 * <p>Requests are coalesced: only the newest pending request runs, so dragging the t slider never
 * queues a backlog of decodes. The encoding of the current image is cached, so a new t or new noise
 * costs one decode. Results and one-sentence errors are handed to the UI executor.
 */
final class LatentWorker {
  /** One latent exploration: noise the encoding of {@code source} to {@code alphaBar}. */
  record Request(Path packDir, RgbImage source, double alphaBar, long seed) {}

  /** The decoded noisy latent, the latent itself as colours, and a caption. */
  record Result(RgbImage decoded, RgbImage latentView, String caption) {}

  private record Pending(Request request, Consumer<Result> ok, Consumer<String> error) {}

  private final Executor executor;
  private final Executor ui;
  private final AtomicReference<Pending> pending = new AtomicReference<>();
  private volatile Path loadedPack;
  private Path failedPack; // a pack that failed to load: not retried until closeModel()
  private String failedSentence;

  // Owned by the executor's thread.
  private LatentAutoencoder autoencoder;
  private RgbImage cachedSource;
  private RgbImage encodedImage;
  private Latents z0; // [1, C, h, w]
  private long cachedSeed;
  private float[] eps; // [1, C, h, w]

  LatentWorker(Executor executor, Executor ui) {
    this.executor = executor;
    this.ui = ui;
  }

  /** Returns whether the pack in {@code dir} is the one loaded now. */
  boolean isLoaded(Path dir) {
    return dir != null && dir.equals(loadedPack);
  }

  /** Queues {@code r}, replacing any request that has not started yet. */
  void submit(Request r, Consumer<Result> ok, Consumer<String> error) {
    pending.set(new Pending(r, ok, error));
    executor.execute(this::drain);
  }

  /** Runs {@code work} on the model thread and hands its value or its error sentence to the UI. */
  <T> void run(Supplier<T> work, Consumer<T> ok, Consumer<String> error) {
    executor.execute(
        () -> {
          try {
            T v = work.get();
            ui.execute(() -> ok.accept(v));
          } catch (RuntimeException e) {
            String s = sentence(e);
            ui.execute(() -> error.accept(s));
          }
        });
  }

  /** Closes the loaded model on the model thread (after any work already queued). */
  void closeModel() {
    executor.execute(this::closeNow);
  }

  private void closeNow() {
    if (autoencoder != null) {
      autoencoder.close();
    }
    autoencoder = null;
    loadedPack = null;
    failedPack = null;
    failedSentence = null;
    cachedSource = null;
    z0 = null;
    eps = null;
  }

  private void drain() {
    Pending p = pending.getAndSet(null);
    if (p == null) {
      return; // a later drain already took it
    }
    try {
      Result r = compute(p.request());
      ui.execute(() -> p.ok().accept(r));
    } catch (RuntimeException e) {
      String s = sentence(e);
      ui.execute(() -> p.error().accept(s));
    }
  }

  private static String sentence(RuntimeException e) {
    if (e instanceof EngineException) {
      return e.getMessage();
    }
    String m = e.getMessage();
    return "The autoencoder failed ("
        + (m == null || m.isBlank() ? e.getClass().getSimpleName() : m.replaceAll("[.\\s]+$", ""))
        + ").";
  }

  private Result compute(Request r) {
    if (autoencoder == null || !r.packDir().equals(loadedPack)) {
      if (r.packDir().equals(failedPack)) {
        throw new EngineException(failedSentence);
      }
      closeNow();
      try {
        autoencoder = LatentAutoencoder.open(r.packDir());
      } catch (RuntimeException e) {
        failedPack = r.packDir();
        failedSentence = sentence(e);
        throw e;
      }
      loadedPack = r.packDir();
    }
    LatentAutoencoder ae = autoencoder;
    if (cachedSource != r.source() || z0 == null) {
      int f = ae.factor();
      RgbImage src = r.source();
      int[] wh = FrameScaler.fitLongSide(src.width(), src.height(), ae.imageSize());
      int w = Math.max(f, wh[0] / f * f);
      int h = Math.max(f, wh[1] / f * f);
      encodedImage = FrameScaler.scale(src, w, h, true);
      z0 = ae.encode(encodedImage); // [1, C, h/f, w/f]
      cachedSource = r.source();
      eps = null;
    }
    if (eps == null || cachedSeed != r.seed()) {
      eps = ForwardProcess.noise(r.seed(), z0.size()); // [1, C, h, w]
      cachedSeed = r.seed();
    }
    // z_t = sqrt(abar) z_0 + sqrt(1 - abar) eps in the sampler's (scaled) latent units
    Latents zt = z0.withData(ForwardProcess.noised(z0.data(), eps, r.alphaBar())); // [1, C, h, w]
    RgbImage decoded = ae.decode(zt);
    RgbImage view = ae.visualise(zt);
    String caption =
        String.format(
            Locale.ROOT,
            "%s: a %dx%d image encodes to a %dx%dx%d latent (f = %d); noised there and decoded.",
            ae.name(),
            encodedImage.width(),
            encodedImage.height(),
            z0.channels(),
            z0.height(),
            z0.width(),
            ae.factor());
    return new Result(decoded, view, caption);
  }
}
