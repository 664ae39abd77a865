package dev.stepwise.engine;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.stepwise.NativeMemory;
import dev.stepwise.engine.bench.Memory;
import dev.stepwise.engine.random.SeedNoise;
import dev.stepwise.engine.sampling.Latents;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Issue 21's manual SDXL figures, one phase at a time in a fresh JVM: load, the prompt and an empty
 * negative through both text encoders (their first read included), one guided step (the UNet on the
 * batch [uncond, cond], as Pipeline runs it) and one decode, at {@code SIZE} x {@code SIZE}, with
 * the text encoders kept or dropped after the prompts ({@code drop}). Each phase's peak RSS is
 * VmHWM reset before it; the whole run's peak is the largest. Not a test, not in CI:
 *
 * <pre>
 * java -cp "target/test-classes:target/classes:target/lib/*" dev.stepwise.engine.SdxlFigures
 *     /tmp/sdxl-zero.safetensors 1024 keep|drop
 * </pre>
 *
 * Prints one JSON object (milliseconds and MB) on stdout.
 */
public final class SdxlFigures {
  private SdxlFigures() {}

  private static final List<String> FIELDS = new ArrayList<>();
  private static long peak;

  private static void put(String key, double value) {
    FIELDS.add(String.format(Locale.ROOT, "\"%s\": %.0f", key, value));
    System.err.println("figure " + FIELDS.get(FIELDS.size() - 1)); // kept if the run is cut short
  }

  /** Ends a phase started at {@code t0}: its time, peak and resident memory after, then a reset. */
  private static void phase(String name, long t0) {
    long hwm = Memory.hwmBytes();
    peak = Math.max(peak, hwm);
    put(name + "_ms", (System.nanoTime() - t0) / 1e6);
    put(name + "_peak_mb", hwm / 1e6);
    put(name + "_rss_after_mb", Memory.rssBytes() / 1e6);
    Memory.resetPeak();
  }

  public static void main(String[] args) throws Exception {
    if (args.length != 3 || !args[2].matches("keep|drop")) {
      System.err.println("usage: SdxlFigures FILE.safetensors SIZE keep|drop");
      System.exit(2);
    }
    NativeMemory.keepFreedMemory(); // as the stepwise launcher does
    int size = Integer.parseInt(args[1]);
    Memory.resetPeak();
    long t0 = System.nanoTime();
    try (DiffusionModel m = DiffusionModel.load(Path.of(args[0]), Device.cpu())) {
      m.keepTextEncoders(args[2].equals("keep"));
      phase("load", t0);
      int h = size / m.info().vaeFactor();
      int c = m.latentChannels();
      try (NDManager job = m.newJobManager()) {
        t0 = System.nanoTime();
        List<String> notices = new ArrayList<>();
        Conditioning ctx =
            Conditioning.sdxl(
                m.sdxl(),
                "a lighthouse on a rocky coast at sunset, oil painting",
                "",
                true,
                1,
                size,
                size,
                job,
                notices);
        m.promptsEncoded();
        phase("text_encode", t0);
        put("text_encoders_resident", m.textEncodersResident() ? 1 : 0);
        float[] z = Latents.initialNoise(new SeedNoise(42), c, h, h).data(); // [1, C, h, w]
        t0 = System.nanoTime();
        try (NDManager step = job.newSubManager()) {
          NDArray x = step.create(z, new Shape(1, c, h, h)); // [1, C, h, w]
          x = x.concat(x, 0); // [2, C, h, w]: uncond and cond
          NDArray t = step.full(new Shape(2), 999f); // [2]
          z = ctx.unet(m.unet(), x, t, 0).get("0:1").toFloatArray(); // [1, C, h, w]
        }
        phase("guided_step", t0);
        t0 = System.nanoTime();
        m.decodeToPixels(z, 1, h, h);
        phase("decode", t0);
      }
      put("weights_mb", m.weightBytes() / 1e6);
      put("text_encoder_mb", m.textEncoderBytes() / 1e6);
    }
    put("peak_rss_mb", peak / 1e6);
    put("size", size);
    String load = Files.readString(Path.of("/proc/loadavg")).trim();
    System.out.println(
        "{\"drop\": "
            + args[2].equals("drop")
            + ", "
            + String.join(", ", FIELDS)
            + ", \"loadavg\": \""
            + load
            + "\"}");
  }
}
