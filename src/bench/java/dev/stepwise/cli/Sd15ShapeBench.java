package dev.stepwise.cli;

import ai.djl.Device;
import dev.stepwise.engine.bench.LayerPlan;
import dev.stepwise.engine.bench.LayerTimer;
import dev.stepwise.engine.bench.ModelShape;
import dev.stepwise.engine.bench.PreviewBenchmark;
import dev.stepwise.engine.bench.TextEncoderBenchmark;
import dev.stepwise.engine.bench.UNetBenchmark;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The SD 1.5 shape's part of {@code stepwise bench} (random weights: the figures are of the shapes,
 * not of a trained model): at each latent size its guided step against the compute peak of its own
 * layers, its autoencoder decode and, with {@code --profile}, where both spend their time; then its
 * text encode, and its preview frames against the step. JSON keys start with the shape's name
 * ({@code sd15_}).
 */
final class Sd15ShapeBench {
  private final BenchReport r;
  private final Device device;
  private final int repeat;
  private final boolean decode;
  private final boolean profile;
  private final ModelShape shape;
  private final Map<Integer, PreviewBenchmark.VaeCosts> decodes = new LinkedHashMap<>();

  Sd15ShapeBench(
      BenchReport r, Device device, int repeat, boolean decode, boolean profile, ModelShape shape) {
    this.r = r;
    this.device = device;
    this.repeat = repeat;
    this.decode = decode;
    this.profile = profile;
    this.shape = shape;
  }

  private String key(String what, int side) {
    return shape.name() + "_" + what + "_" + side;
  }

  /** The guided step at {@code side x side} latents against its peak, its decode, its profile. */
  UNetBenchmark.Result size(int side) {
    UNetBenchmark.Result step = step(side);
    if (decode) {
      decode(side);
    }
    return step;
  }

  /**
   * One guided step of the UNet shape at {@code side x side} latents, against the compute peak: the
   * best rate of the UNet's own conv, linear and attention calls at this size, each timed alone.
   */
  UNetBenchmark.Result step(int side) {
    UNetBenchmark.Result s = UNetBenchmark.time(shape, device, side, repeat);
    LayerPlan plan = LayerPlan.unet(shape.unet(), 2, side, side, shape.tokens());
    LayerTimer.Times layers =
        LayerTimer.time(
            plan, device, Math.max(3, repeat), profile ? LayerTimer::all : LayerTimer::counted);
    double peak = layers.peakGflops();
    double pct = 100 * s.gflops() / peak;
    r.line(
        "%s UNet shape (random weights), %dx%d latent, guided step (batch 2): %s ms, %.1f GFLOP ->"
            + " %.0f GFLOP/s = %.0f%% of peak (%s); peak resident memory %s MB (weights"
            + " included)",
        label(),
        side,
        side,
        BenchReport.fmt(s.msPerStep()),
        s.gflopPerStep(),
        s.gflops(),
        pct,
        s.step().describe(),
        BenchReport.mb(s.peakRss()));
    LayerPlan.Op best = layers.peakOp();
    r.line(
        "  peak at this size: %.0f GFLOP/s, the best of the UNet's own %d distinct conv, linear and"
            + " attention shapes, each timed alone (fastest of %d samples after 2 warm-ups), by %s",
        peak,
        plan.distinct().keySet().stream().filter(o -> o.type().counted()).count(),
        Math.max(3, repeat),
        best == null ? "none" : best.describe());
    if (pct > 100) {
      r.line(
          "  WARNING: the step ran above the peak, so the peak measurement is wrong (a busy"
              + " machine while the layers were timed?); do not use this run's percentages.");
    }
    r.figure(key("guided_step_ms", side), s.step());
    r.put(key("guided_step_gflop", side), s.gflopPerStep());
    r.put(key("guided_step_gflops", side), s.gflops());
    r.put(key("peak_gflops", side), peak);
    r.put(key("guided_step_pct_of_peak", side), pct);
    r.putMb(key("guided_step_peak_rss_mb", side), s.peakRss());
    if (profile) {
      profile(
          "UNet guided step",
          "unet",
          side,
          plan,
          layers,
          s.msPerStep(),
          "element-wise adds, SiLU of the time embedding, GEGLU, concatenation, upsampling,"
              + " copies");
    }
    return s;
  }

  private String label() {
    return shape.name().equals("sd15")
        ? "SD 1.5"
        : shape.name().toUpperCase(Locale.ROOT).replace('_', ' ');
  }

  /** The full autoencoder decode at {@code side x side} latents (8 side pixels for SD 1.5). */
  PreviewBenchmark.VaeCosts decode(int side) {
    PreviewBenchmark.VaeCosts vae = PreviewBenchmark.vae(shape.vae(), device, side, 1, repeat);
    decodes.put(side, vae);
    int px = side * shape.vae().downscale();
    r.line(
        "%s autoencoder decode (random weights, %,d decoder params), %dx%d latent -> %dx%d image:"
            + " %s ms (%s); peak resident memory %s MB (+%s MB over the %s MB before its weights"
            + " were built)",
        label(),
        vae.decoderParameters(),
        side,
        side,
        px,
        px,
        BenchReport.fmt(vae.decode().ms()),
        vae.decode().describe(),
        BenchReport.mb(vae.rssPeak()),
        vae.rssBefore() < 0 ? "?" : BenchReport.mb(vae.rssPeak() - vae.rssBefore()),
        BenchReport.mb(vae.rssBefore()));
    r.figure(key("decode_ms", side), vae.decode());
    r.putMb(key("decode_peak_rss_mb", side), vae.rssPeak());
    if (profile) {
      LayerPlan plan = LayerPlan.vaeDecoder(shape.vae(), 1, side, side);
      LayerTimer.Times layers = LayerTimer.time(plan, device, Math.max(3, repeat), LayerTimer::all);
      profile(
          "autoencoder decode",
          "decode",
          side,
          plan,
          layers,
          vae.decode().ms(),
          "element-wise adds, upsampling, clamp and RGB bytes, copies");
    }
    return vae;
  }

  /**
   * Where {@code totalMs} goes, by layer type and by block: each distinct call timed alone, times
   * its calls; "other" is the measured pass minus the timed calls.
   */
  private void profile(
      String what,
      String keyName,
      int side,
      LayerPlan plan,
      LayerTimer.Times layers,
      double totalMs,
      String other) {
    r.line(
        "  profile of the %s at %dx%d (%d calls, %d distinct shapes, each timed alone: median of"
            + " %d samples x its calls; other = the measured %s ms minus the timed calls: %s):",
        what,
        side,
        side,
        plan.ops().size(),
        plan.distinct().size(),
        Math.max(3, repeat),
        BenchReport.fmt(totalMs),
        other);
    Map<LayerPlan.Type, Double> byType = layers.msByType();
    StringBuilder types = new StringBuilder("    by type:");
    for (LayerPlan.Type t : LayerTimer.types()) {
      double ms = byType.getOrDefault(t, 0.0);
      types.append(
          String.format(Locale.ROOT, " %s %s ms (%s%%),", t.label(), fmt(ms), pct(ms, totalMs)));
      r.put(key(keyName + "_type_" + t.label() + "_ms", side), ms);
    }
    double rest = totalMs - layers.totalMs();
    types.append(String.format(Locale.ROOT, " other %s ms (%s%%)", fmt(rest), pct(rest, totalMs)));
    r.put(key(keyName + "_type_other_ms", side), rest);
    if (rest < 0) {
      types.append(
          "; negative: the layers took longer alone than inside the pass (the machine's speed moved"
              + " between the two, or they run slower cold)");
    }
    r.println(types.toString());
    StringBuilder blocks = new StringBuilder("    by block (timed calls only):");
    layers
        .msByBlock(plan)
        .forEach(
            (block, ms) -> {
              blocks.append(
                  String.format(
                      Locale.ROOT, " %s %s ms (%s%%),", block, fmt(ms), pct(ms, totalMs)));
              r.put(key(keyName + "_block_" + blockKey(block) + "_ms", side), ms);
            });
    blocks.setLength(blocks.length() - 1);
    r.println(blocks.toString());
  }

  private static String fmt(double ms) {
    return BenchReport.fmt(ms);
  }

  private static String pct(double ms, double total) {
    return String.format(Locale.ROOT, "%.1f", 100 * ms / total);
  }

  /** "down 1 (32x32)" -> "down1", "time embedding" -> "time_embedding". */
  static String blockKey(String block) {
    int paren = block.indexOf(" (");
    String name = paren < 0 ? block : block.substring(0, paren);
    return name.replaceAll("([a-z]) ([0-9])", "$1$2").replace(' ', '_');
  }

  /** The text encoder of the shape: the prompt and the negative prompt, one window each. */
  void textEncode() {
    TextEncoderBenchmark.Result t = TextEncoderBenchmark.time(shape, device, 1, repeat);
    r.line(
        "%s text encoder (random weights, %,d params): prompt + negative prompt, two [1, %d]"
            + " passes: %s ms (%s); peak resident memory %s MB",
        label(),
        t.parameters(),
        shape.tokens(),
        BenchReport.fmt(t.encode().ms()),
        t.encode().describe(),
        BenchReport.mb(t.peakRss()));
    r.figure(shape.name() + "_text_encode_ms", t.encode());
    r.putMb(shape.name() + "_text_encode_peak_rss_mb", t.peakRss());
  }

  /** The SD 1.5 shape's preview frames at {@code side x side} latents, against its guided step. */
  void previews(int side, UNetBenchmark.Result step) {
    int px = 8 * side;
    double stepMs = step.msPerStep();
    int samples = Math.max(3, repeat);
    r.line(
        "%s shape preview cost per frame, %dx%d image (%dx%d latent), random weights; %% of the"
            + " guided step (%s ms):",
        label(), px, px, side, side, BenchReport.fmt(stepMs));
    PreviewBenchmark.TinyCosts tiny = PreviewBenchmark.sd15Tiny(device, side, samples);
    r.previewLine(
        key("preview_tiny_ms", side),
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
    r.previewLine(
        key("preview_tiny_half_ms", side),
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
    r.previewLine(
        key("preview_cheap_ms", side),
        String.format(Locale.ROOT, "cheap, projection + smooth %dx%d", px, px),
        PreviewBenchmark.sd15Cheap(side, samples),
        stepMs,
        "");
    if (!decode) {
      r.println("  full, " + label() + " autoencoder decode: skipped (--no-sd15-vae)");
      return;
    }
    PreviewBenchmark.VaeCosts vae = decodes.get(side);
    if (vae == null) {
      vae = decode(side);
    }
    r.previewLine(
        null,
        String.format(
            Locale.ROOT,
            "full, %s autoencoder decoder (%,d params), %dx%d",
            label(),
            vae.decoderParameters(),
            px,
            px),
        vae.decode(),
        stepMs,
        "; the decode figure above");
  }

  /** The decode figures measured so far, by latent side. */
  Map<Integer, PreviewBenchmark.VaeCosts> decodes() {
    return decodes;
  }
}
