package dev.stepwise.metadata;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Readers for tools that write their settings as one JSON object: Fooocus, RuinedFooocus and
 * SwarmUI (in {@code parameters}), Stability Matrix ({@code parameters-json}), InvokeAI 3 and later
 * ({@code invokeai_metadata}), InvokeAI 2 ({@code sd-metadata}), NovelAI ({@code Comment}) and Draw
 * Things (XMP {@code exif:UserComment}).
 *
 * <p>Keys are matched without case or separators ({@code cfg_scale}, {@code CfgScale} and {@code
 * cfgscale} meet): prompt, negative prompt, steps, CFG scale (also {@code guidance_scale} and
 * NovelAI's {@code scale}), seed, width and height or a size, sampler, scheduler, model, model
 * hash, version and clip skip. Every other key is kept in the extras as written.
 */
final class JsonParameters {
  private static final Pattern NOVELAI_SOURCE = Pattern.compile("(.*\\S)\\s+([0-9A-Fa-f]{8})");

  private JsonParameters() {}

  /**
   * Reads a JSON {@code parameters} chunk: SwarmUI's {@code sui_image_params}, RuinedFooocus,
   * Fooocus, or any object naming at least a prompt (some Hugging Face Spaces write one).
   */
  static ParametersRead parameters(JsonObject o, String where) {
    JsonObject swarm = Json.obj(o, "sui_image_params");
    if (swarm != null) {
      RecipeDraft d = new RecipeDraft();
      fill(d, swarm, Map.of());
      for (String k : List.of("sui_extra_data", "sui_models")) {
        d.extra(k, o.get(k));
      }
      return d.finish(named("SwarmUI", Json.str(swarm, "swarm_version")));
    }
    String software = Json.str(o, "software");
    if ("RuinedFooocus".equals(software)) {
      RecipeDraft d = new RecipeDraft();
      fill(d, o, Map.of("software", "-"));
      return d.finish("RuinedFooocus");
    }
    String version = Json.str(o, "version");
    if ("fooocus".equals(Json.str(o, "metadata_scheme"))
        || (version != null && version.startsWith("Fooocus"))) {
      return fooocus(o, version);
    }
    if (!hasPrompt(o)) {
      throw new MetadataException(
          "The image's "
              + where
              + " holds JSON of a kind Stepwise does not read (its keys: "
              + RecipeDraft.clip(String.join(", ", o.keySet()))
              + ").");
    }
    RecipeDraft d = new RecipeDraft();
    fill(d, o, Map.of());
    return d.finish("JSON parameters from a tool that does not name itself");
  }

  private static ParametersRead fooocus(JsonObject o, String version) {
    RecipeDraft d = new RecipeDraft();
    fill(d, o, Map.of());
    String styles = Json.text(o.get("styles"));
    if (o.has("full_prompt") || (styles != null && !styles.equals("[]"))) {
      d.notices.add(
          "Fooocus added its styles "
              + (styles == null ? "" : RecipeDraft.clip(styles) + " ")
              + "and prompt expansion to the prompt (full_prompt); Stepwise uses the prompt as"
              + " written, so the image will differ.");
    }
    return d.finish(version == null ? "Fooocus" : version);
  }

  /** Stability Matrix's {@code parameters-json}. */
  static ParametersRead stabilityMatrix(JsonObject o) {
    RecipeDraft d = new RecipeDraft();
    fill(d, o, Map.of());
    return d.finish("Stability Matrix");
  }

  /** InvokeAI 3 and later: {@code invokeai_metadata}, whose {@code scheduler} names the sampler. */
  static ParametersRead invokeAi(JsonObject o) {
    RecipeDraft d = new RecipeDraft();
    fill(d, o, Map.of("scheduler", "sampler"));
    return d.finish(named("InvokeAI", Json.str(o, "app_version")));
  }

  /**
   * InvokeAI 2's {@code sd-metadata}: the settings under {@code image}, the prompt a list of
   * weighted prompts whose square-bracketed parts are the negative prompt.
   */
  static ParametersRead invokeAi2(JsonObject o) {
    RecipeDraft d = new RecipeDraft();
    JsonObject image = Json.obj(o, "image");
    if (image == null) {
      throw new MetadataException(
          "The image's sd-metadata (InvokeAI 2) has no 'image' object, so it holds no settings.");
    }
    JsonElement prompt = image.get("prompt");
    JsonArray list = prompt != null && prompt.isJsonArray() ? prompt.getAsJsonArray() : null;
    if (list != null && !list.isEmpty() && list.get(0).isJsonObject()) {
      if (list.size() > 1) {
        d.notices.add(
            "InvokeAI blended "
                + list.size()
                + " weighted prompts; Stepwise uses the first, so the image will differ.");
      }
      InvokeAiDream.splitPrompt(d, Json.str(list.get(0).getAsJsonObject(), "prompt"));
    } else if (prompt != null && prompt.isJsonPrimitive()) {
      InvokeAiDream.splitPrompt(d, prompt.getAsString());
    }
    JsonObject rest = image.deepCopy();
    rest.remove("prompt");
    fill(d, rest, Map.of());
    d.model = Json.str(o, "model_weights");
    d.modelHash = Json.str(o, "model_hash");
    d.version = Json.str(o, "app_version");
    return d.finish(named("InvokeAI", d.version));
  }

  /**
   * NovelAI: the JSON {@code Comment} (its {@code uc} is the negative prompt, {@code scale} the CFG
   * scale), the prompt from it or else from {@code Description}, the model from {@code Source}
   * ("NovelAI Diffusion V4.5 4BDE2A90": name and short hash).
   */
  static ParametersRead novelAi(JsonObject comment, Map<String, String> text) {
    RecipeDraft d = new RecipeDraft();
    JsonObject v4 = Json.obj(comment, "v4_prompt");
    JsonArray chars = Json.arr(Json.obj(v4, "caption"), "char_captions");
    if (chars != null && !chars.isEmpty()) {
      d.notices.add(
          "NovelAI placed "
              + chars.size()
              + " character prompts of their own; Stepwise reads only the base prompt, so the"
              + " image will differ.");
    }
    JsonObject rest = comment.deepCopy();
    rest.remove("v4_prompt");
    rest.remove("v4_negative_prompt");
    fill(d, rest, Map.of());
    if (d.prompt == null) {
      d.prompt = text.get("Description");
    }
    if ("native".equals(d.schedule)) {
      d.schedule = null; // the sampler's own schedule
    }
    String source = text.get("Source");
    if (source != null) {
      Matcher m = NOVELAI_SOURCE.matcher(source.strip());
      d.model = m.matches() ? m.group(1) : source.strip();
      d.modelHash = m.matches() ? m.group(2) : null;
    }
    return d.finish(source == null ? "NovelAI" : "NovelAI (" + source.strip() + ")");
  }

  /**
   * Draw Things' JSON: {@code c} the prompt, {@code uc} the negative, {@code scale} the CFG scale.
   */
  static ParametersRead drawThings(JsonObject o, String tool) {
    RecipeDraft d = new RecipeDraft();
    fill(d, o, Map.of("c", "prompt"));
    JsonElement strength = o.get("strength");
    if (strength != null && Json.num(strength) != null && Json.num(strength).doubleValue() < 1) {
      d.notices.add(
          "Draw Things started from an image at strength "
              + strength.getAsString()
              + "; Stepwise reuses the recipe from pure noise, so the image will differ.");
    }
    return d.finish(tool);
  }

  private static boolean hasPrompt(JsonObject o) {
    for (String k : o.keySet()) {
      String n = RecipeDraft.norm(k);
      if ((n.equals("prompt") || n.equals("positiveprompt")) && Json.str(o, k) != null) {
        return true;
      }
    }
    return false;
  }

  private static String named(String tool, String version) {
    return version == null || version.isBlank() ? tool : tool + " " + version.strip();
  }

  private static final Set<String> PROMPT = Set.of("prompt", "positiveprompt");
  private static final Set<String> NEGATIVE = Set.of("negativeprompt", "negative", "uc");
  private static final Set<String> CFG = Set.of("cfg", "cfgscale", "guidancescale", "scale");
  private static final Set<String> MODEL =
      Set.of("model", "basemodel", "basemodelname", "modelname", "modelweights");

  /**
   * Maps the members of {@code o} onto {@code d}: each field from its first member; a repeated or
   * unknown member, or one whose value is not of the field's kind, kept as an extra. {@code
   * aliases} renames normalised keys first ("-" drops the key).
   */
  static void fill(RecipeDraft d, JsonObject o, Map<String, String> aliases) {
    for (Map.Entry<String, JsonElement> e : o.entrySet()) {
      String key = e.getKey();
      String k = RecipeDraft.norm(key);
      k = aliases.getOrDefault(k, k);
      JsonElement v = e.getValue();
      if (v == null || v.isJsonNull() || k.equals("-")) {
        continue;
      }
      String s = v.isJsonPrimitive() && v.getAsJsonPrimitive().isString() ? v.getAsString() : null;
      if (PROMPT.contains(k) && d.prompt == null && s != null) {
        d.prompt = s;
      } else if (NEGATIVE.contains(k) && d.negative == null && s != null) {
        d.negative = s;
      } else if ((k.equals("steps") || k.equals("numinferencesteps")) && d.steps == null) {
        d.steps = d.count(v, key);
      } else if (CFG.contains(k) && d.cfg == null) {
        d.cfg = d.number(v, key);
      } else if ((k.equals("seed") || k.equals("noiseseed")) && d.seed == null) {
        d.seed = d.seed(v, key);
      } else if (k.equals("width") && d.width == null) {
        d.width = d.count(v, key);
      } else if (k.equals("height") && d.height == null) {
        d.height = d.count(v, key);
      } else if ((k.equals("resolution") || k.equals("size")) && s != null && d.width == null) {
        d.size(s, key);
      } else if ((k.equals("sampler") || k.equals("samplername"))
          && d.sampler == null
          && s != null) {
        d.sampler = s;
      } else if ((k.equals("scheduler") || k.equals("noiseschedule")) && d.schedule == null) {
        d.schedule = s;
      } else if (MODEL.contains(k) && d.model == null && (s != null || v.isJsonObject())) {
        model(d, v);
      } else if ((k.equals("modelhash") || k.equals("basemodelhash")) && d.modelHash == null) {
        d.modelHash = s;
      } else if ((k.equals("version") || k.equals("appversion") || k.equals("swarmversion"))
          && d.version == null
          && s != null) {
        d.version = s;
      } else if (k.equals("clipskip")) {
        Long n = d.whole(v, key, 1, 1000);
        if (n != null && n > 1) {
          d.extras.put("Clip skip", Long.toString(n)); // A1111's key, as Recipe reads it
        }
      } else {
        d.extra(key, v);
      }
    }
  }

  private static void model(RecipeDraft d, JsonElement v) {
    if (!v.isJsonObject()) {
      d.model = v.getAsString();
      return;
    }
    JsonObject m = v.getAsJsonObject();
    d.model = Json.str(m, "name") != null ? Json.str(m, "name") : Json.str(m, "model_name");
    if (d.modelHash == null) {
      d.modelHash = Json.str(m, "hash");
    }
  }
}
