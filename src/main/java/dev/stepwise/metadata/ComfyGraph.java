package dev.stepwise.metadata;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import dev.stepwise.recipe.RecipeException;
import dev.stepwise.recipe.SizeConditioning;
import java.math.BigDecimal;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a ComfyUI API graph (the {@code prompt} chunk: node id to {@code {"class_type", "inputs"}},
 * an input either a value or a link {@code [node id, output]}).
 *
 * <p>A sampler is a node with a {@code latent_image} link and {@code positive} or {@code guider}
 * (KSampler, KSamplerAdvanced, SamplerCustom, SamplerCustomAdvanced and their look-alikes). With
 * several, the first that starts from an empty latent is taken (the base pass, not a hires or
 * refiner pass over its output) and a notice says which. From it the walk follows links: the
 * positive and negative conditioning back to the text encoders (through combine and area nodes,
 * never through another sampler), the model back to its loader (LoRA loaders on the way are named),
 * the latent back to its size, the clip to a CLIPSetLastLayer's clip skip; SamplerCustomAdvanced's
 * guider, sampler, sigmas and noise nodes give cfg, sampler name, steps, scheduler and seed. A
 * value behind a link is read only from a node that holds it as typed (a primitive or text box, or
 * a string concatenation); a value a node computes is reported, never guessed. Every walk keeps a
 * visited set, so a cyclic graph ends.
 */
final class ComfyGraph {
  /** Most nodes read; the largest real graphs hold a few hundred. */
  static final int MAX_NODES = 10_000;

  private static final Set<String> NOT_CONDITIONING =
      Set.of(
          ("clip model vae image images pixels samples latent latent_image mask control_net"
                  + " clip_vision style_model upscale_model noise sigmas")
              .split(" "));
  private static final List<String> TEXT_INPUTS =
      List.of("text", "text_g", "t5xxl", "clip_l", "prompt");
  private static final List<String> STRING_INPUTS =
      List.of("text", "Text", "value", "string", "prompt", "STRING", "text_input");
  private static final Pattern DIMENSIONS = Pattern.compile("(\\d{1,6})\\s*[x×]\\s*(\\d{1,6})");

  private final Map<String, JsonObject> nodes = new LinkedHashMap<>();
  private final RecipeDraft d = new RecipeDraft();
  private SizeConditioning sdxlSizes; // the positive CLIPTextEncodeSDXL's, or null

  private ComfyGraph(JsonObject graph) {
    if (graph.size() > MAX_NODES) {
      throw new MetadataException(
          "The image's ComfyUI graph has "
              + graph.size()
              + " nodes; Stepwise reads graphs of up to "
              + MAX_NODES
              + ".");
    }
    for (Map.Entry<String, JsonElement> e : graph.entrySet()) {
      JsonElement n = e.getValue();
      if (n.isJsonObject()
          && Json.str(n.getAsJsonObject(), "class_type") != null
          && Json.obj(n.getAsJsonObject(), "inputs") != null) {
        nodes.put(e.getKey(), n.getAsJsonObject());
      }
    }
  }

  /** Whether {@code o} looks like an API graph: some member is a node with a class type. */
  static boolean isGraph(JsonObject o) {
    return o.entrySet().stream()
        .limit(50)
        .anyMatch(
            e ->
                e.getValue().isJsonObject()
                    && Json.str(e.getValue().getAsJsonObject(), "class_type") != null);
  }

  /**
   * Reads the recipe of the graph's sampler.
   *
   * @param source the tool and chunk, such as "ComfyUI" or "ComfyUI workflow"
   */
  static ParametersRead read(JsonObject graph, String source) {
    return new ComfyGraph(graph).read(source);
  }

  private ParametersRead read(String source) {
    List<String> samplers = new ArrayList<>();
    for (Map.Entry<String, JsonObject> e : nodes.entrySet()) {
      JsonObject in = inputs(e.getKey());
      if (link(in.get("latent_image")) != null && (in.has("positive") || in.has("guider"))) {
        samplers.add(e.getKey());
      }
    }
    if (samplers.isEmpty()) {
      throw new MetadataException(
          "The image's "
              + source
              + " graph has no sampler node (such as KSampler), so it holds no recipe Stepwise"
              + " can read.");
    }
    String chosen = null;
    LatentSource latent = null;
    for (String s : samplers) {
      LatentSource l = latent(link(inputs(s).get("latent_image")));
      if (l.empty) {
        chosen = s;
        latent = l;
        break;
      }
    }
    boolean fromEmpty = chosen != null;
    if (!fromEmpty) {
      chosen = samplers.get(0);
      latent = latent(link(inputs(chosen).get("latent_image")));
    }
    if (samplers.size() > 1) {
      d.notices.add(
          "The ComfyUI graph has "
              + samplers.size()
              + " samplers (nodes "
              + RecipeDraft.clip(String.join(", ", samplers))
              + "); Stepwise took node "
              + chosen
              + ", the "
              + (fromEmpty ? "first that starts from an empty latent." : "first in the graph."));
    }
    sampler(chosen, latent);
    return d.finish(source + ", " + classOf(chosen) + " node " + chosen);
  }

  private void sampler(String id, LatentSource latent) {
    JsonObject in = inputs(id);
    String guider = link(in.get("guider"));
    JsonObject g = guider == null ? in : inputs(guider);
    String sigmas = link(in.get("sigmas"));
    JsonObject sig = sigmas == null ? new JsonObject() : inputs(sigmas);
    String noise = link(in.get("noise"));
    String samplerNode = link(in.get("sampler"));

    d.cfg =
        d.number(number(g.has("cfg") ? g.get("cfg") : guider != null ? one() : null, "cfg"), "cfg");
    JsonElement seed = in.has("seed") ? in.get("seed") : in.get("noise_seed");
    if (seed == null && noise != null) {
      seed = inputs(noise).get("noise_seed");
    }
    d.seed = d.seed(number(seed, "seed"), "seed");
    d.steps =
        d.count(number(in.has("steps") ? in.get("steps") : sig.get("steps"), "steps"), "steps");
    JsonElement name = in.get("sampler_name");
    if (name == null && samplerNode != null) {
      name = inputs(samplerNode).get("sampler_name");
    }
    d.sampler = string(name, "sampler name");
    d.schedule =
        string(in.has("scheduler") ? in.get("scheduler") : sig.get("scheduler"), "scheduler");
    if (d.schedule == null && sigmas != null && classOf(sigmas).contains("Karras")) {
      d.schedule = "karras";
    }
    BigDecimal denoise =
        Json.num(number(in.has("denoise") ? in.get("denoise") : sig.get("denoise"), "denoise"));
    if (denoise != null && denoise.doubleValue() < 1) {
      // 6 places: the JSON's 0.8700000000000001 is the float 0.87 typed into the node
      String shown =
          denoise
              .setScale(6, java.math.RoundingMode.HALF_EVEN)
              .stripTrailingZeros()
              .toPlainString();
      d.extra("Denoising strength", shown);
      d.notices.add(
          "ComfyUI's sampler ran with denoise "
              + shown
              + (latent.image ? " over an image (img2img)" : "")
              + "; Stepwise starts from pure noise, so the image will differ.");
    } else if (latent.image) {
      d.notices.add(
          "ComfyUI's sampler started from an image (img2img); Stepwise starts from pure noise, so"
              + " the image will differ.");
    }
    BigDecimal start = Json.num(in.get("start_at_step"));
    BigDecimal end = Json.num(in.get("end_at_step"));
    if (d.steps != null
        && ((start != null && start.signum() > 0)
            || (end != null && end.compareTo(BigDecimal.valueOf(d.steps)) < 0))) {
      d.notices.add(
          "ComfyUI's sampler ran only steps "
              + (start == null ? "0" : start.toPlainString())
              + " to "
              + (end == null ? d.steps : end.toPlainString())
              + " of "
              + d.steps
              + "; Stepwise runs them all, so the image will differ.");
    }
    JsonElement positive = g.has("positive") ? g.get("positive") : g.get("conditioning");
    d.prompt = prompt(link(positive), "positive");
    d.negative = g.has("negative") ? prompt(link(g.get("negative")), "negative") : "";
    model(link(g.has("model") ? g.get("model") : in.get("model")));
    if (latent.width != null) {
      d.width = latent.width;
      d.height = latent.height;
    }
    if (sdxlSizes != null && d.width != null) {
      // Stepwise's keys, only where they differ from the image's own size and a crop of 0,0.
      d.extras.putAll(sdxlSizes.parameters(d.width, d.height));
    }
    if (latent.batch != null && latent.batch > 1) {
      d.extra("Batch size", Long.toString(latent.batch));
    }
  }

  private static JsonElement one() {
    return new JsonPrimitive(1); // a guider without cfg (BasicGuider) runs without CFG: scale 1
  }

  /** The text of the conditioning behind {@code id}; several encoders are joined, with a notice. */
  private String prompt(String id, String which) {
    List<String> texts = new ArrayList<>();
    List<String> from = new ArrayList<>();
    String noText = null;
    Set<String> seen = new HashSet<>();
    Deque<String> todo = new ArrayDeque<>();
    if (id != null) {
      todo.push(id);
    }
    while (!todo.isEmpty() && seen.size() < MAX_NODES) {
      String n = todo.pop();
      if (!seen.add(n)) {
        continue;
      }
      JsonObject in = inputs(n);
      String key = TEXT_INPUTS.stream().filter(in::has).findFirst().orElse(null);
      if (key != null && which.equals("positive") && classOf(n).equals("CLIPTextEncodeSDXL")) {
        sdxlSizes = sdxlSizes(in);
      }
      if (key != null) {
        String t = string(in.get(key), which + " prompt");
        if (t != null) {
          texts.add(t);
          from.add(n);
          clipSkip(link(in.get("clip")));
        }
        continue;
      }
      if (in.has("latent_image") || in.has("guider")) {
        continue; // another sampler's conditioning is not this one's
      }
      if (classOf(n).contains("ZeroOut")) {
        noText = noText == null ? n : noText; // zeroed: whatever text is behind it is not used
        continue;
      }
      List<String> next = new ArrayList<>();
      for (Map.Entry<String, JsonElement> e : in.entrySet()) {
        String l = NOT_CONDITIONING.contains(e.getKey()) ? null : link(e.getValue());
        if (l != null) {
          next.add(l);
        }
      }
      if (next.isEmpty() && noText == null) {
        noText = n;
      }
      for (int i = next.size() - 1; i >= 0; i--) {
        todo.push(next.get(i));
      }
    }
    if (texts.size() > 1) {
      d.notices.add(
          "ComfyUI combined "
              + texts.size()
              + " "
              + which
              + " prompts (nodes "
              + RecipeDraft.clip(String.join(", ", from))
              + "); Stepwise joins them into one, so the image will differ.");
    }
    if (texts.isEmpty() && id != null) {
      String n = noText == null ? id : noText;
      d.notices.add(
          "The "
              + which
              + " conditioning (node "
              + n
              + ", "
              + classOf(n)
              + ") holds no text Stepwise reads, so the "
              + which
              + " prompt is empty.");
    }
    return String.join("\n", texts);
  }

  /**
   * CLIPTextEncodeSDXL's size conditioning (ComfyUI comfy/model_base.py SDXL.encode_adm: width and
   * height are the original size, crop_w and crop_h the crop's left and top, target_width and
   * target_height the target size), or null when a value is not a plain number or out of range.
   */
  private static SizeConditioning sdxlSizes(JsonObject in) {
    String[] keys = {"width", "height", "crop_w", "crop_h", "target_width", "target_height"};
    int[] v = new int[keys.length];
    for (int i = 0; i < keys.length; i++) {
      BigDecimal b = Json.num(in.get(keys[i]));
      if (b == null
          || b.signum() < 0
          || b.compareTo(BigDecimal.valueOf(SizeConditioning.MAX)) > 0) {
        return null;
      }
      v[i] = b.intValue();
    }
    try {
      return new SizeConditioning(v[0], v[1], v[2], v[3], v[4], v[5]);
    } catch (RecipeException e) {
      return null; // a zero size: not a size ComfyUI would have used
    }
  }

  private void clipSkip(String id) {
    Set<String> seen = new HashSet<>();
    for (String n = id;
        n != null && seen.add(n) && seen.size() < 64;
        n = link(inputs(n).get("clip"))) {
      BigDecimal layer = Json.num(inputs(n).get("stop_at_clip_layer"));
      if (layer != null && layer.signum() < 0 && layer.compareTo(BigDecimal.valueOf(-1)) < 0) {
        d.extras.putIfAbsent("Clip skip", layer.negate().toBigInteger().toString());
        return;
      }
    }
  }

  private void model(String id) {
    List<String> loras = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    for (String n = id; n != null && seen.add(n) && seen.size() < MAX_NODES; ) {
      JsonObject in = inputs(n);
      String lora = Json.str(in, "lora_name");
      if (lora != null) {
        loras.add(lora + ": " + Json.text(in.get("strength_model")));
      }
      for (String k : List.of("ckpt_name", "unet_name", "model_name")) {
        if (Json.str(in, k) != null) {
          d.model = Json.str(in, k);
          n = null;
          break;
        }
      }
      n = n == null ? null : link(in.get("model"));
    }
    if (!loras.isEmpty()) {
      d.extra("ComfyUI LoRAs", String.join(", ", loras));
      d.notices.add(
          "ComfyUI applied the LoRAs "
              + RecipeDraft.clip(String.join(", ", loras))
              + " to the model; Reuse does not add them.");
    }
  }

  /** Where a sampler's latent comes from. */
  private record LatentSource(
      boolean empty, boolean image, Integer width, Integer height, Long batch) {}

  private LatentSource latent(String id) {
    Set<String> seen = new HashSet<>();
    Deque<String> todo = new ArrayDeque<>();
    if (id != null) {
      todo.push(id);
    }
    boolean image = false;
    while (!todo.isEmpty() && seen.size() < MAX_NODES) {
      String n = todo.pop();
      if (!seen.add(n)) {
        continue;
      }
      JsonObject in = inputs(n);
      if (in.has("latent_image") || in.has("guider")) {
        continue; // the output of another sampler: not where this pass starts
      }
      boolean image1 = link(in.get("pixels")) != null || link(in.get("image")) != null;
      boolean passes = image1 || link(in.get("samples")) != null || link(in.get("images")) != null;
      image |= image1;
      Integer[] size = size(in);
      if (size != null && !passes) {
        BigDecimal batch = Json.num(in.get("batch_size"));
        return new LatentSource(
            true, false, size[0], size[1], batch == null ? null : batch.longValue());
      }
      for (JsonElement v : in.asMap().values()) {
        String l = link(v);
        if (l != null) {
          todo.push(l);
        }
      }
    }
    return new LatentSource(false, image, null, null, null);
  }

  private Integer[] size(JsonObject in) {
    String dims = Json.str(in, "dimensions");
    if (dims != null) {
      Matcher m = DIMENSIONS.matcher(dims);
      if (m.find()) {
        return new Integer[] {Integer.valueOf(m.group(1)), Integer.valueOf(m.group(2))};
      }
    }
    if (!in.has("width") || !in.has("height")) {
      return null;
    }
    BigDecimal w = Json.num(number(in.get("width"), "width"));
    BigDecimal h = Json.num(number(in.get("height"), "height"));
    if (w == null || h == null || w.signum() <= 0 || h.signum() <= 0 || w.precision() > 9) {
      return new Integer[] {null, null};
    }
    return new Integer[] {w.intValue(), h.intValue()};
  }

  /**
   * The value of an input, following a link to a node that holds one number as typed (a primitive,
   * a seed box); a node that computes it gets a notice and null.
   */
  private JsonElement number(JsonElement v, String what) {
    Set<String> seen = new HashSet<>();
    for (int depth = 0; v != null && depth < 32; depth++) {
      String l = link(v);
      if (l == null) {
        return v.isJsonPrimitive() ? v : null;
      }
      if (!seen.add(l)) {
        return null;
      }
      JsonElement only = null;
      int values = 0;
      for (JsonElement e : inputs(l).asMap().values()) {
        if (link(e) != null) {
          values = 99;
          break;
        }
        if (Json.num(e) != null && !(e.getAsJsonPrimitive().isBoolean())) {
          only = e;
          values++;
        }
      }
      if (values != 1) {
        return computed(what, l);
      }
      v = only;
    }
    return null;
  }

  /** A text input, following links to text boxes, primitives and concatenations. */
  private String string(JsonElement v, String what) {
    return string(v, what, new HashSet<>());
  }

  private String string(JsonElement v, String what, Set<String> seen) {
    if (v == null || v.isJsonNull()) {
      return null;
    }
    String l = link(v);
    if (l == null) {
      return v.isJsonPrimitive() ? v.getAsString() : null;
    }
    if (!seen.add(l) || seen.size() > 64) {
      return null;
    }
    JsonObject in = inputs(l);
    if (in.has("string_a") && in.has("string_b")) {
      String a = string(in.get("string_a"), what, seen);
      String b = string(in.get("string_b"), what, seen);
      String sep = Json.str(in, "delimiter");
      return a == null || b == null ? null : a + (sep == null ? "" : sep) + b;
    }
    boolean computed = in.asMap().values().stream().anyMatch(e -> link(e) != null);
    String key =
        STRING_INPUTS.stream().filter(k -> Json.str(in, k) != null).findFirst().orElse(null);
    return computed || key == null ? computed(what, l) : Json.str(in, key);
  }

  private <T> T computed(String what, String node) {
    d.notices.add(
        "The "
            + what
            + " comes from node "
            + node
            + " ("
            + classOf(node)
            + "), which computes it; Stepwise does not evaluate nodes, so it is not read.");
    return null;
  }

  /** The node id a link {@code [id, output]} points to, when that node exists; else null. */
  private String link(JsonElement v) {
    if (v == null || !v.isJsonArray()) {
      return null;
    }
    JsonArray a = v.getAsJsonArray();
    if (a.size() != 2 || !a.get(0).isJsonPrimitive() || !a.get(1).isJsonPrimitive()) {
      return null;
    }
    String id = a.get(0).getAsString();
    return nodes.containsKey(id) ? id : null;
  }

  private JsonObject inputs(String id) {
    JsonObject n = nodes.get(id);
    return n == null ? new JsonObject() : n.getAsJsonObject("inputs");
  }

  private String classOf(String id) {
    JsonObject n = nodes.get(id);
    return n == null ? "?" : RecipeDraft.clip(Json.str(n, "class_type"));
  }
}
