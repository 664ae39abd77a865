package dev.stepwise.engine.backend;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * What {@link ComfyFake} knows of ComfyUI's nodes: the inputs and outputs of the node types a
 * Stepwise graph uses, as ComfyUI's nodes.py declares them (INPUT_TYPES, RETURN_TYPES; read there,
 * written here), to refuse a graph as ComfyUI's validation does (HTTP 400 with {@code node_errors})
 * and to say the size each node's picture or latent has.
 */
final class ComfyGraphs {
  private ComfyGraphs() {}

  /** A node type: input name to a link type (upper case) or a value kind, and its outputs. */
  private record Type(Map<String, String> inputs, List<String> outputs) {}

  private static final Map<String, Type> TYPES = new LinkedHashMap<>();

  /** The choices of the combo inputs, "Type.input". */
  private static final Map<String, List<String>> COMBOS =
      Map.of(
          "LatentUpscale.upscale_method",
          List.of("nearest-exact", "bilinear", "area", "bicubic", "bislerp"),
          "ImageScale.upscale_method",
          List.of("nearest-exact", "bilinear", "area", "bicubic", "lanczos"),
          "LatentUpscale.crop",
          List.of("disabled", "center"),
          "ImageScale.crop",
          List.of("disabled", "center"),
          "KSamplerAdvanced.add_noise",
          List.of("enable", "disable"),
          "KSamplerAdvanced.return_with_leftover_noise",
          List.of("disable", "enable"));

  private static void type(String name, String outputs, String... inputs) {
    Map<String, String> in = new LinkedHashMap<>();
    for (int i = 0; i < inputs.length; i += 2) {
      in.put(inputs[i], inputs[i + 1]);
    }
    TYPES.put(name, new Type(in, outputs.isEmpty() ? List.of() : List.of(outputs.split(","))));
  }

  static {
    type("CheckpointLoaderSimple", "MODEL,CLIP,VAE", "ckpt_name", "string");
    type("CLIPSetLastLayer", "CLIP", "clip", "CLIP", "stop_at_clip_layer", "int");
    type("CLIPTextEncode", "CONDITIONING", "text", "string", "clip", "CLIP");
    type("EmptyLatentImage", "LATENT", "width", "int", "height", "int", "batch_size", "int");
    type("LoadImage", "IMAGE,MASK", "image", "string");
    type("VAEEncode", "LATENT", "pixels", "IMAGE", "vae", "VAE");
    type("VAEDecode", "IMAGE", "samples", "LATENT", "vae", "VAE");
    type("SetLatentNoiseMask", "LATENT", "samples", "LATENT", "mask", "MASK");
    type(
        "KSampler",
        "LATENT",
        "model",
        "MODEL",
        "seed",
        "int",
        "steps",
        "int",
        "cfg",
        "float",
        "sampler_name",
        "string",
        "scheduler",
        "string",
        "positive",
        "CONDITIONING",
        "negative",
        "CONDITIONING",
        "latent_image",
        "LATENT",
        "denoise",
        "float");
    type(
        "KSamplerAdvanced",
        "LATENT",
        "model",
        "MODEL",
        "add_noise",
        "string",
        "noise_seed",
        "int",
        "steps",
        "int",
        "cfg",
        "float",
        "sampler_name",
        "string",
        "scheduler",
        "string",
        "positive",
        "CONDITIONING",
        "negative",
        "CONDITIONING",
        "latent_image",
        "LATENT",
        "start_at_step",
        "int",
        "end_at_step",
        "int",
        "return_with_leftover_noise",
        "string");
    String[] scale = {
      "upscale_method", "string", "width", "int", "height", "int", "crop", "string"
    };
    type("LatentUpscale", "LATENT", concat(new String[] {"samples", "LATENT"}, scale));
    type("ImageScale", "IMAGE", concat(new String[] {"image", "IMAGE"}, scale));
    type("SaveImage", "", "images", "IMAGE", "filename_prefix", "string");
  }

  /**
   * The steps sampler node {@code inputs} of type {@code cls} runs, as comfy/samplers.py slices the
   * sigmas: a KSampler all its steps (denoise makes the schedule longer), a KSamplerAdvanced those
   * from start_at_step to min(end_at_step, steps), none when it starts there or later.
   */
  static int stepsRun(String cls, JsonObject inputs) {
    int steps = inputs.get("steps").getAsInt();
    if (!cls.equals("KSamplerAdvanced")) {
      return steps;
    }
    int last = Math.min(inputs.get("end_at_step").getAsInt(), steps);
    return Math.max(0, last - inputs.get("start_at_step").getAsInt());
  }

  private static String[] concat(String[] a, String[] b) {
    String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  /**
   * ComfyUI's 400 answer for {@code graph} (unknown node types, missing or unknown inputs, links to
   * a missing node or an output of another type, a value not among a combo's choices), or null when
   * the graph is fine.
   */
  static String refusal(JsonObject graph) {
    for (Map.Entry<String, JsonElement> e : graph.entrySet()) {
      JsonObject node = e.getValue().getAsJsonObject();
      String cls = node.get("class_type").getAsString();
      Type t = TYPES.get(cls);
      if (t == null) {
        return "{\"error\": {\"type\": \"invalid_prompt\", \"message\": \"Cannot execute because"
            + " node "
            + cls
            + " does not exist.\", \"details\": \"Node ID '#"
            + e.getKey()
            + "'\", \"extra_info\": {}}, \"node_errors\": {}}";
      }
      JsonObject in = node.getAsJsonObject("inputs");
      for (String name : in.keySet()) {
        if (!t.inputs().containsKey(name)) {
          return nodeError(e.getKey(), cls, "Unknown input", name);
        }
      }
      for (Map.Entry<String, String> want : t.inputs().entrySet()) {
        JsonElement v = in.get(want.getKey());
        String kind = want.getValue();
        if (v == null) {
          return nodeError(e.getKey(), cls, "Required input is missing", want.getKey());
        }
        if (kind.equals(kind.toUpperCase(java.util.Locale.ROOT))) {
          String got = linkType(graph, v);
          if (!kind.equals(got)) {
            return nodeError(
                e.getKey(), cls, "Return type mismatch", want.getKey() + ": " + got + ", " + kind);
          }
        } else if (!v.isJsonPrimitive()
            || (!kind.equals("string") && !v.getAsJsonPrimitive().isNumber())) {
          return nodeError(e.getKey(), cls, "Invalid value", want.getKey() + ": " + v);
        } else {
          List<String> choices = COMBOS.get(cls + "." + want.getKey());
          if (choices != null && !choices.contains(v.getAsString())) {
            return nodeError(e.getKey(), cls, "Value not in list", want.getKey() + ": " + v);
          }
        }
      }
    }
    return null;
  }

  /** The type of the output a link points at, or null when it is no link to an output. */
  private static String linkType(JsonObject graph, JsonElement v) {
    if (!v.isJsonArray() || v.getAsJsonArray().size() != 2) {
      return null;
    }
    JsonArray a = v.getAsJsonArray();
    JsonObject from = graph.getAsJsonObject(a.get(0).getAsString());
    if (from == null) {
      return null;
    }
    Type t = TYPES.get(from.get("class_type").getAsString());
    int i = a.get(1).getAsInt();
    return t == null || i < 0 || i >= t.outputs().size() ? null : t.outputs().get(i);
  }

  private static String nodeError(String id, String cls, String message, String details) {
    JsonObject err = new JsonObject();
    err.addProperty("type", "prompt_outputs_failed_validation");
    err.addProperty("message", "Prompt outputs failed validation");
    err.addProperty("details", "");
    err.add("extra_info", new JsonObject());
    JsonObject one = new JsonObject();
    one.addProperty("type", "invalid_input");
    one.addProperty("message", message);
    one.addProperty("details", details);
    one.add("extra_info", new JsonObject());
    JsonArray errors = new JsonArray();
    errors.add(one);
    JsonObject node = new JsonObject();
    node.add("errors", errors);
    node.add("dependent_outputs", new JsonArray());
    node.addProperty("class_type", cls);
    JsonObject nodes = new JsonObject();
    nodes.add(id, node);
    JsonObject body = new JsonObject();
    body.add("error", err);
    body.add("node_errors", nodes);
    return body.toString();
  }

  /**
   * The size in pixels of node {@code id}'s picture or latent, {width, height}, following the links
   * back to an EmptyLatentImage, a LoadImage ({@code uploaded} says the size of an uploaded name)
   * or an explicit resize.
   */
  static int[] size(JsonObject graph, String id, Function<String, int[]> uploaded) {
    JsonObject node = graph.getAsJsonObject(id);
    JsonObject in = node.getAsJsonObject("inputs");
    String from =
        switch (node.get("class_type").getAsString()) {
          case "EmptyLatentImage", "LatentUpscale", "ImageScale" -> null;
          case "LoadImage" -> null;
          case "VAEEncode" -> "pixels";
          case "VAEDecode", "SetLatentNoiseMask" -> "samples";
          case "KSampler", "KSamplerAdvanced" -> "latent_image";
          case "SaveImage" -> "images";
          default -> throw new IllegalArgumentException(node.toString());
        };
    if (from != null) {
      return size(graph, in.getAsJsonArray(from).get(0).getAsString(), uploaded);
    }
    if (node.get("class_type").getAsString().equals("LoadImage")) {
      return uploaded.apply(in.get("image").getAsString());
    }
    return new int[] {in.get("width").getAsInt(), in.get("height").getAsInt()};
  }
}
