package dev.stepwise.engine.lora;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.stepwise.engine.random.SeedNoise;
import dev.stepwise.engine.weights.SafetensorsWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A LoRA golden's tensors rebuilt from its metadata, as models/training's LoRA golden scripts draw
 * them: {@code lora.weights} lists [kohya key, shape, scale] and each tensor is {@code
 * SeedNoise(lora.seed + k)} times its scale; {@code lora.alphas} maps modules to alpha.
 *
 * @param lora kohya key -> values
 * @param shapes kohya key -> shape
 * @param alphas {@code <module>.alpha} -> alpha
 */
record GoldenLora(
    Map<String, float[]> lora, Map<String, long[]> shapes, Map<String, Float> alphas) {

  static GoldenLora of(Map<String, String> metadata) {
    long seed = Long.parseLong(metadata.get("lora.seed"));
    Map<String, float[]> lora = new LinkedHashMap<>();
    Map<String, long[]> shapes = new LinkedHashMap<>();
    int k = 0;
    for (JsonElement e : JsonParser.parseString(metadata.get("lora.weights")).getAsJsonArray()) {
      String key = e.getAsJsonArray().get(0).getAsString();
      long[] shape = new long[e.getAsJsonArray().get(1).getAsJsonArray().size()];
      int numel = 1;
      for (int i = 0; i < shape.length; i++) {
        shape[i] = e.getAsJsonArray().get(1).getAsJsonArray().get(i).getAsLong();
        numel *= (int) shape[i];
      }
      float scale = (float) e.getAsJsonArray().get(2).getAsDouble();
      float[] v = new SeedNoise(seed + k).next(numel); // [numel]
      for (int i = 0; i < numel; i++) {
        v[i] *= scale;
      }
      lora.put(key, v);
      shapes.put(key, shape);
      k++;
    }
    Map<String, Float> alphas = new LinkedHashMap<>();
    JsonObject a = JsonParser.parseString(metadata.get("lora.alphas")).getAsJsonObject();
    a.keySet().forEach(key -> alphas.put(key, a.get(key).getAsFloat()));
    return new GoldenLora(lora, shapes, alphas);
  }

  /**
   * Writes the LoRA with its kohya names to {@code folder/name.safetensors}, with one metadata
   * pair.
   */
  Path writeKohya(Path folder, String name, String metaKey, String metaValue) {
    SafetensorsWriter w = new SafetensorsWriter().metadata(metaKey, metaValue);
    lora.forEach((key, v) -> w.putF32(key, shapes.get(key), v));
    alphas.forEach((key, v) -> w.putF32(key, new long[0], new float[] {v}));
    Path p = folder.resolve(name + ".safetensors");
    w.write(p);
    return p;
  }

  /** {@code max |got - want| / max |want|}. */
  static double relative(float[] got, float[] want) {
    double max = 0;
    double diff = 0;
    for (int i = 0; i < want.length; i++) {
      max = Math.max(max, Math.abs(want[i]));
      diff = Math.max(diff, Math.abs(got[i] - want[i]));
    }
    return diff / max;
  }

  /** The raw bits of {@code v}, to compare weights bit for bit. */
  static int[] bits(float[] v) {
    int[] bits = new int[v.length];
    for (int i = 0; i < v.length; i++) {
      bits[i] = Float.floatToRawIntBits(v[i]);
    }
    return bits;
  }
}
