package dev.stepwise.engine.preview;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.stepwise.engine.random.SeedNoise;
import dev.stepwise.engine.weights.SafetensorsFile;
import dev.stepwise.engine.weights.SafetensorsWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Rebuilds the seeded weights of the AutoencoderTiny goldens (models/training/make_tiny_goldens.py,
 * docs/goldens.md "Preview decoder"): parameter k of config {@code name} is {@code
 * torch.randn(numel, generator=manual_seed(seed + k)) * scale}, which SeedNoise reproduces bit for
 * bit, and writes them in the layouts TinyDecoder.load reads.
 */
final class TinyGolden {
  static final Path FILE = Path.of("src", "test", "resources", "golden", "taesd.safetensors");

  /** One parameter in state_dict order. */
  record Weight(String key, long[] shape, double scale) {
    int numel() {
      long n = 1;
      for (long d : shape) {
        n *= d;
      }
      return Math.toIntExact(n);
    }
  }

  private TinyGolden() {}

  static String configJson(SafetensorsFile g, String name) {
    return g.metadata().get(name + ".config");
  }

  static JsonObject config(SafetensorsFile g, String name) {
    return JsonParser.parseString(configJson(g, name)).getAsJsonObject();
  }

  static long seed(SafetensorsFile g, String name) {
    return Long.parseLong(g.metadata().get(name + ".seed"));
  }

  static List<Weight> weights(SafetensorsFile g, String name) {
    List<Weight> out = new ArrayList<>();
    for (JsonElement e :
        JsonParser.parseString(g.metadata().get(name + ".weights")).getAsJsonArray()) {
      JsonArray a = e.getAsJsonArray();
      JsonArray s = a.get(1).getAsJsonArray();
      long[] shape = new long[s.size()];
      for (int i = 0; i < shape.length; i++) {
        shape[i] = s.get(i).getAsLong();
      }
      out.add(new Weight(a.get(0).getAsString(), shape, a.get(2).getAsDouble()));
    }
    return out;
  }

  /**
   * torch.randn([numel], generator=manual_seed(seed + k)) * scale, in float32 as torch computes it.
   */
  static float[] values(long seed, int k, Weight w) {
    float[] v = new SeedNoise(seed + k).next(w.numel()); // [numel]
    float s = (float) w.scale();
    for (int i = 0; i < v.length; i++) {
      v[i] *= s;
    }
    return v;
  }

  /** The seeded weights under diffusers' keys; with {@code junk}, a few encoder.* tensors too. */
  static SafetensorsWriter diffusers(SafetensorsFile g, String name, boolean junk) {
    SafetensorsWriter w = new SafetensorsWriter().metadata("format", "pt");
    List<Weight> list = weights(g, name);
    long seed = seed(g, name);
    for (int k = 0; k < list.size(); k++) {
      w.putF32(list.get(k).key(), list.get(k).shape(), values(seed, k, list.get(k)));
    }
    if (junk) {
      w.putF32("encoder.layers.0.weight", new long[] {2, 3, 3, 3}, new float[54]);
      w.putF32("encoder.layers.0.bias", new long[] {2}, new float[] {1, 2});
      w.putF32("encoder.layers.14.weight", new long[] {4, 2, 3, 3}, new float[72]);
    }
    return w;
  }

  /** The seeded weights under TAESD's original keys: decoder.layers.N.rest stored as (N+1).rest. */
  static SafetensorsWriter original(SafetensorsFile g, String name) {
    SafetensorsWriter w = new SafetensorsWriter();
    List<Weight> list = weights(g, name);
    long seed = seed(g, name);
    for (int k = 0; k < list.size(); k++) {
      w.putF32(originalKey(list.get(k).key()), list.get(k).shape(), values(seed, k, list.get(k)));
    }
    return w;
  }

  static String originalKey(String diffusersKey) {
    String rest = diffusersKey.substring("decoder.layers.".length()); // "N.name"
    int dot = rest.indexOf('.');
    return (Integer.parseInt(rest.substring(0, dot)) + 1) + rest.substring(dot);
  }

  /** A diffusers AutoencoderTiny folder: config.json and diffusion_pytorch_model.safetensors. */
  static Path diffusersFolder(Path dir, SafetensorsFile g, String name, boolean junk) {
    write(dir.resolve("config.json"), configJson(g, name));
    diffusers(g, name, junk).write(dir.resolve("diffusion_pytorch_model.safetensors"));
    return dir;
  }

  static void write(Path file, String text) {
    try {
      Files.createDirectories(file.toAbsolutePath().getParent());
      Files.writeString(file, text, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
