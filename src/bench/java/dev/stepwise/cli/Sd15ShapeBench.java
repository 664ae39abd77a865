package dev.stepwise.cli;

import ai.djl.Device;
import dev.stepwise.engine.bench.BenchRuns;
import dev.stepwise.engine.bench.LayerPlan;
import dev.stepwise.engine.bench.LayerTimer;
import dev.stepwise.engine.bench.ModelShape;
import dev.stepwise.engine.bench.PreviewBenchmark;
import dev.stepwise.engine.bench.TextEncoderBenchmark;
import dev.stepwise.engine.bench.Timing;
import dev.stepwise.engine.bench.UNetBenchmark;
import dev.stepwise.engine.nn.WeightPrecision;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The SD 1.5 shape's part of {@code stepwise bench} (random weights: figures of the shapes, not of
 * a trained model): per latent size the guided step against the peak of its own layers, the decode
 * and, with --profile, where both spend their time; the text encode; the preview frames. JSON keys
 * start with the shape's name ({@code sd15_}).
 */
final class Sd15ShapeBench {
  private final BenchReport r;
  private final Device device;
  private final int repeat;
  private final boolean decode;
  private final boolean profile;
  private final ModelShape shape;
  private final String label;
  private final WeightPrecision weights;
  private final Map<Integer, PreviewBenchmark.VaeCosts> decodes = new HashMap<>();

  Sd15ShapeBench(
      BenchReport r,
      Device d,
      int repeat,
      boolean decode,
      boolean profile,
      ModelShape s,
      WeightPrecision weights) {
    this.weights = weights;
    this.r = r;
    this.device = d;
    this.repeat = repeat;
    this.decode = decode;
    this.profile = profile;
    this.shape = s;
    this.label = s.name().equals("sd15") ? "SD 1.5" : s.name();
  }

  private String key(String what, int side) {
    return shape.name() + "_" + what + "_" + side;
  }

  /**
   * One guided step at {@code side x side} latents against the compute peak: the best rate of the
   * UNet's own conv, linear and attention calls at this size, each timed alone.
   */
  UNetBenchmark.Result step(int side) {
    BenchRuns.figure(label + " guided step " + side + "x" + side);
    UNetBenchmark.Result s = UNetBenchmark.time(shape, device, side, repeat, weights);
    LayerPlan plan = LayerPlan.unet(shape.unet(), 2, side, side, shape.tokens());
    int samples = Math.max(3, repeat);
    BenchRuns.figure(label + " UNet layers " + side + "x" + side);
    LayerTimer layers = LayerTimer.time(plan, device, samples, profile);
    LayerPlan.Op best = layers.peakOp();
    double peak = best == null ? Double.NaN : layers.rate(best);
    double pct = 100 * s.gflops() / peak;
    r.line(
        "%s UNet shape (random weights), %dx%d latent, guided step (batch 2): %s ms, %.1f GFLOP ->"
            + " %.0f GFLOP/s = %.0f%% of peak (%s); peak RSS %s MB",
        label,
        side,
        side,
        Timing.fmt(s.msPerStep()),
        s.gflopPerStep(),
        s.gflops(),
        pct,
        s.step().describe(),
        BenchReport.mb(s.peakRss()));
    r.line(
        "  peak: %.0f GFLOP/s, the best of this UNet's %d distinct conv, linear and attention"
            + " shapes at this size, each alone (fastest of %d samples), by %s",
        peak,
        plan.distinct().keySet().stream().filter(o -> o.type().counted()).count(),
        samples,
        best == null ? "none" : best.describe());
    if (pct > 100) {
      r.println("  WARNING: the step beat the peak, so the peak is wrong (was the machine busy?).");
    }
    r.figure(key("guided_step_ms", side), s.step());
    r.put(key("guided_step_gflop", side), s.gflopPerStep());
    r.put(key("guided_step_gflops", side), s.gflops());
    r.put(key("peak_gflops", side), peak);
    r.put(key("guided_step_pct_of_peak", side), pct);
    r.putMb(key("guided_step_peak_rss_mb", side), s.peakRss());
    if (profile) {
      profile("unet", side, plan, layers, s.msPerStep());
    }
    return s;
  }

  /** The full autoencoder decode at {@code side x side} latents. */
  PreviewBenchmark.VaeCosts decode(int side) {
    BenchRuns.figure(label + " decode " + side + "x" + side);
    PreviewBenchmark.VaeCosts vae = PreviewBenchmark.vae(shape.vae(), device, side, 1, repeat);
    decodes.put(side, vae);
    int px = side * shape.vae().downscale();
    r.timed(
        String.format(
            Locale.ROOT,
            "%s autoencoder decode, %dx%d latent -> %dx%d (peak RSS %s MB, %s before its weights)",
            label,
            side,
            side,
            px,
            px,
            BenchReport.mb(vae.rssPeak()),
            BenchReport.mb(vae.rssBefore())),
        key("decode_ms", side),
        vae.decode(),
        null);
    r.putMb(key("decode_peak_rss_mb", side), vae.rssPeak());
    if (profile) {
      LayerPlan plan = LayerPlan.vaeDecoder(shape.vae(), 1, side, side);
      BenchRuns.figure(label + " decoder layers " + side + "x" + side);
      LayerTimer layers = LayerTimer.time(plan, device, Math.max(3, repeat), true);
      profile("decode", side, plan, layers, vae.decode().ms());
    }
    return vae;
  }

  /**
   * Where {@code totalMs} goes by layer type and by block: each distinct call timed alone (median)
   * times its calls; "other" is the measured pass minus them (element-wise work, copies).
   */
  private void profile(String name, int side, LayerPlan plan, LayerTimer t, double totalMs) {
    r.line(
        "  profile (%d calls, %d shapes, each timed alone x its calls; other = the measured %s ms"
            + " minus them):",
        plan.ops().size(), plan.distinct().size(), Timing.fmt(totalMs));
    StringBuilder line = new StringBuilder("    by type:");
    double rest = totalMs;
    for (Map.Entry<LayerPlan.Type, Double> e : t.msByType().entrySet()) {
      line.append(part(e.getKey().label(), e.getValue(), totalMs));
      r.put(key(name + "_type_" + e.getKey().label() + "_ms", side), e.getValue());
      rest -= e.getValue();
    }
    r.println(line.append(part("other", rest, totalMs)).toString());
    r.put(key(name + "_type_other_ms", side), rest);
    line = new StringBuilder("    by block:");
    for (Map.Entry<String, Double> e : t.msByBlock(plan).entrySet()) {
      line.append(part(e.getKey(), e.getValue(), totalMs));
      r.put(key(name + "_block_" + blockKey(e.getKey()) + "_ms", side), e.getValue());
    }
    r.println(line.toString());
  }

  private static String part(String what, double ms, double total) {
    return String.format(Locale.ROOT, " %s %s ms (%.1f%%)", what, Timing.fmt(ms), 100 * ms / total);
  }

  /** "down 1 (32x32)" -> "down1", "time embedding" -> "time_embedding". */
  static String blockKey(String block) {
    int paren = block.indexOf(" (");
    String name = paren < 0 ? block : block.substring(0, paren);
    return name.replaceAll("([a-z]) ([0-9])", "$1$2").replace(' ', '_');
  }

  /** The text encoder: the prompt and the negative prompt, one window each. */
  void textEncode() {
    BenchRuns.figure(label + " text encode");
    TextEncoderBenchmark.Result t = TextEncoderBenchmark.time(shape, device, 1, repeat);
    r.timed(
        String.format(
            Locale.ROOT,
            "%s text encoder (%,d params), prompt + negative, two [1, %d] passes (peak RSS %s MB)",
            label,
            t.parameters(),
            shape.tokens(),
            BenchReport.mb(t.peakRss())),
        shape.name() + "_text_encode_ms",
        t.encode(),
        null);
    r.putMb(shape.name() + "_text_encode_peak_rss_mb", t.peakRss());
  }

  /** The preview frames at {@code side x side} latents, against the guided step. */
  void previews(int side, UNetBenchmark.Result step) {
    int px = 8 * side;
    double stepMs = step.msPerStep();
    int samples = Math.max(3, repeat);
    r.line(
        "%s shape preview cost per frame, %dx%d image, random weights; %% of the guided step (%s"
            + " ms):",
        label, px, px, Timing.fmt(stepMs));
    BenchRuns.figure(label + " preview " + side + "x" + side);
    PreviewBenchmark.TinyCosts tiny = PreviewBenchmark.sd15Tiny(device, side, samples);
    String tinyLabel =
        String.format(
            Locale.ROOT,
            "tiny, TAESD-shaped decoder (%,d params), %dx%d -> %dx%d",
            tiny.parameters(),
            side,
            side,
            px,
            px);
    r.previewLine(key("preview_tiny_ms", side), tinyLabel, tiny.full(), stepMs);
    int half = (side + 1) / 2;
    r.previewLine(
        key("preview_tiny_half_ms", side),
        "tiny half, " + half + "x" + half + " pooled -> smooth " + px + "x" + px,
        tiny.half(),
        stepMs);
    BenchRuns.part("cheap frame");
    r.previewLine(
        key("preview_cheap_ms", side),
        "cheap, projection + smooth " + px + "x" + px,
        PreviewBenchmark.sd15Cheap(side, samples),
        stepMs);
    if (decode) {
      PreviewBenchmark.VaeCosts vae = decodes.get(side);
      r.previewLine(
          null,
          "full, the autoencoder, " + px + "x" + px,
          (vae == null ? decode(side) : vae).decode(),
          stepMs);
    }
  }
}
