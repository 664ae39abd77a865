package dev.stepwise.metadata;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import java.math.BigDecimal;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns a ComfyUI workflow (the editor's {@code workflow} chunk: {@code nodes} with {@code inputs}
 * and positional {@code widgets_values}, and {@code links}) into the API graph {@link ComfyGraph}
 * reads. Widget values are named by position for ComfyUI's own sampling, text, loader and latent
 * nodes, as their definitions order them; other nodes keep only their links. Muted and bypassed
 * nodes (mode 2 and 4) are left out. Text widgets lose their block comments (slash-star to
 * star-slash), as the editor drops them when it queues the graph. Used only when the image has no
 * API graph.
 */
final class ComfyWorkflow {
  /**
   * Widget names in {@code widgets_values} order, by node class ("-" is the seed's
   * control-after-generate, which the editor stores beside it).
   */
  private static final Map<String, List<String>> WIDGETS = new HashMap<>();

  static {
    for (String row :
        List.of(
            "KSampler seed - steps cfg sampler_name scheduler denoise",
            "KSamplerAdvanced add_noise noise_seed - steps cfg sampler_name scheduler start_at_step"
                + " end_at_step return_with_leftover_noise",
            "SamplerCustom add_noise noise_seed - cfg",
            "KSamplerSelect sampler_name",
            "BasicScheduler scheduler steps denoise",
            "KarrasScheduler steps sigma_max sigma_min rho",
            "RandomNoise noise_seed -",
            "CFGGuider cfg",
            "CLIPTextEncode text",
            "CLIPSetLastLayer stop_at_clip_layer",
            "CheckpointLoaderSimple ckpt_name",
            "CheckpointLoader config_name ckpt_name",
            "UNETLoader unet_name weight_dtype",
            "LoraLoader lora_name strength_model strength_clip",
            "LoraLoaderModelOnly lora_name strength_model",
            "EmptyLatentImage width height batch_size",
            "EmptySD3LatentImage width height batch_size",
            "PrimitiveStringMultiline value",
            "PrimitiveString value",
            "PrimitiveInt value -",
            "PrimitiveFloat value")) {
      List<String> w = List.of(row.split(" "));
      WIDGETS.put(w.get(0), w.subList(1, w.size()));
    }
  }

  /** Block comments, which the editor drops from text widgets before it queues the graph. */
  private static final java.util.regex.Pattern COMMENT =
      java.util.regex.Pattern.compile("/\\*.*?\\*/", java.util.regex.Pattern.DOTALL);

  private ComfyWorkflow() {}

  /** Whether {@code o} looks like a workflow: it has a {@code nodes} array. */
  static boolean isWorkflow(JsonObject o) {
    return Json.arr(o, "nodes") != null;
  }

  /** The API graph of a workflow. */
  static JsonObject toGraph(JsonObject workflow) {
    JsonArray nodes = Json.arr(workflow, "nodes");
    if (nodes == null || nodes.size() > ComfyGraph.MAX_NODES) {
      throw new MetadataException(
          "The image's ComfyUI workflow has no list of nodes of up to "
              + ComfyGraph.MAX_NODES
              + ", so Stepwise cannot read it.");
    }
    Map<String, JsonArray> links = new HashMap<>(); // link id -> [origin node, origin slot]
    JsonArray all = Json.arr(workflow, "links");
    for (int i = 0; all != null && i < all.size() && i < 10 * ComfyGraph.MAX_NODES; i++) {
      JsonElement l = all.get(i);
      JsonElement id = null;
      JsonElement from = null;
      JsonElement slot = null;
      if (l.isJsonArray() && l.getAsJsonArray().size() >= 3) {
        JsonArray a = l.getAsJsonArray();
        id = a.get(0);
        from = a.get(1);
        slot = a.get(2);
      } else if (l.isJsonObject()) {
        JsonObject o = l.getAsJsonObject();
        id = o.get("id");
        from = o.get("origin_id");
        slot = o.get("origin_slot");
      }
      if (id != null && id.isJsonPrimitive() && from != null && from.isJsonPrimitive()) {
        JsonArray target = new JsonArray();
        target.add(from.getAsString());
        target.add(slot != null && slot.isJsonPrimitive() ? slot : new JsonPrimitive(0));
        links.put(id.getAsString(), target);
      }
    }
    JsonObject graph = new JsonObject();
    for (JsonElement e : nodes) {
      if (!e.isJsonObject()) {
        continue;
      }
      JsonObject n = e.getAsJsonObject();
      String type = Json.str(n, "type");
      JsonElement id = n.get("id");
      BigDecimal mode = Json.num(n.get("mode"));
      if (type == null
          || id == null
          || !id.isJsonPrimitive()
          || (mode != null && (mode.intValue() == 2 || mode.intValue() == 4))) {
        continue;
      }
      JsonObject inputs = new JsonObject();
      JsonArray values = Json.arr(n, "widgets_values");
      List<String> names = WIDGETS.get(type);
      for (int i = 0; names != null && values != null && i < names.size(); i++) {
        if (i < values.size() && !names.get(i).equals("-")) {
          JsonElement v = values.get(i);
          if (names.get(i).matches("text|value") && v.isJsonPrimitive()) {
            v = new JsonPrimitive(COMMENT.matcher(v.getAsString()).replaceAll(""));
          }
          inputs.add(names.get(i), v);
        }
      }
      JsonArray in = Json.arr(n, "inputs");
      for (int i = 0; in != null && i < in.size(); i++) {
        if (!in.get(i).isJsonObject()) {
          continue;
        }
        JsonObject input = in.get(i).getAsJsonObject();
        String name = Json.str(input, "name");
        JsonElement link = input.get("link");
        if (name != null && link != null && link.isJsonPrimitive()) {
          JsonArray target = links.get(link.getAsString());
          if (target != null) {
            inputs.add(name, target);
          }
        }
      }
      JsonObject node = new JsonObject();
      node.addProperty("class_type", type);
      node.add("inputs", inputs);
      graph.add(id.getAsString(), node);
    }
    return graph;
  }
}
