package dev.stepwise.cli;

import ai.djl.Device;
import dev.stepwise.engine.bench.PreviewBenchmark;
import dev.stepwise.engine.bench.UNetBenchmark;
import java.io.PrintWriter;
import java.util.Locale;

/**
 * The SD 1.5 shape's part of {@code stepwise bench}: its guided step at each latent size, against
 * the conv peak, and its preview frames (tiny decoder, half, cheap projection, full autoencoder)
 * against that step. Random weights: the figures are of the shapes, not of a trained model.
 */
final class Sd15ShapeBench {
  private final PrintWriter out;
  private final Device device;
  private final int repeat;
  private final boolean sd15Vae;

  Sd15ShapeBench(PrintWriter out, Device device, int repeat, boolean sd15Vae) {
    this.out = out;
    this.device = device;
    this.repeat = repeat;
    this.sd15Vae = sd15Vae;
  }

  /** One guided step of the SD 1.5 UNet shape at {@code side x side} latents, printed. */
  UNetBenchmark.Result step(int side, double peak) {
    UNetBenchmark.Result r = UNetBenchmark.sd15(device, side, repeat);
    out.printf(
        Locale.ROOT,
        "SD 1.5 UNet shape (random weights), %dx%d latent, guided step (batch 2): %.0f ms, %.1f"
            + " GFLOP -> %.0f GFLOP/s = %.0f%% of conv peak (median of %d, 1 warm-up excluded)%n",
        side,
        side,
        r.msPerStep(),
        r.gflopPerStep(),
        r.gflopPerStep() / (r.msPerStep() / 1000),
        100 * r.gflopPerStep() / (r.msPerStep() / 1000) / peak,
        Math.max(1, repeat));
    out.flush();
    return r;
  }

  /** The SD 1.5 shape's preview frames at {@code side x side} latents, against its guided step. */
  void previews(int side, UNetBenchmark.Result step) {
    int px = 8 * side;
    double stepMs = step.msPerStep();
    int samples = Math.max(3, repeat);
    out.printf(
        Locale.ROOT,
        "SD 1.5 shape preview cost per frame, %dx%d image (%dx%d latent), random weights; %% of the"
            + " guided step (%s ms):%n",
        px,
        px,
        side,
        side,
        BenchCommand.fmt(stepMs));
    out.flush();
    PreviewBenchmark.TinyCosts tiny = PreviewBenchmark.sd15Tiny(device, side, samples);
    BenchCommand.previewLine(
        out,
        String.format(
            Locale.ROOT,
            "tiny, TAESD-shaped decoder (%,d params), %dx%d -> %dx%d",
            tiny.parameters(),
            side,
            side,
            px,
            px),
        tiny.full(),
        stepMs,
        "");
    int half = (side + 1) / 2;
    BenchCommand.previewLine(
        out,
        String.format(
            Locale.ROOT,
            "tiny half, %dx%d pooled -> %dx%d -> smooth %dx%d",
            half,
            half,
            half * 8,
            half * 8,
            px,
            px),
        tiny.half(),
        stepMs,
        "");
    BenchCommand.previewLine(
        out,
        String.format(Locale.ROOT, "cheap, projection + smooth %dx%d", px, px),
        PreviewBenchmark.sd15Cheap(side, samples),
        stepMs,
        "");
    if (!sd15Vae) {
      out.println("  full, SD 1.5 autoencoder decode: skipped (--no-sd15-vae)");
      out.flush();
      return;
    }
    int vaeRepeat = Math.min(BenchCommand.SD15_VAE_REPEAT, Math.max(1, repeat));
    PreviewBenchmark.VaeCosts vae = PreviewBenchmark.sd15Vae(device, side, 1, vaeRepeat);
    BenchCommand.previewLine(
        out,
        String.format(
            Locale.ROOT,
            "full, SD 1.5 autoencoder decoder (%,d params), %dx%d",
            vae.decoderParameters(),
            px,
            px),
        vae.decode(),
        stepMs,
        "; fewer repetitions: each takes seconds to tens of seconds");
    out.printf(
        Locale.ROOT,
        "    its resident memory: %s MB before, %s MB peak while building the autoencoder (%,d"
            + " params with the encoder) and decoding (+%s MB), %s MB after freeing it%s%n",
        BenchCommand.mb(vae.rssBefore()),
        BenchCommand.mb(vae.rssPeak()),
        vae.allParameters(),
        vae.rssBefore() < 0 ? "?" : BenchCommand.mb(vae.rssPeak() - vae.rssBefore()),
        BenchCommand.mb(vae.rssAfter()),
        vae.trimmed() ? " (C heap trimmed before each reading)" : "");
    out.flush();
  }
}
