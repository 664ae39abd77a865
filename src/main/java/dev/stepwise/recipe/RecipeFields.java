package dev.stepwise.recipe;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.util.List;

/**
 * One image's recipe in the command line's JSON, the one schema of {@code stepwise info --json} and
 * {@code library list --json} (docs/gallery.md): {@code sampler} a Stepwise CLI name, {@code
 * schedule} {@code karras} or {@code default}, {@code model} and {@code model_hash} null when the
 * image names none, {@code clip_skip} 1 for the last layer, {@code variation_seed} null and {@code
 * variation_strength} 0 when the image has no variation seed, {@code backend} the server's name,
 * present only for an image made on a backend. {@code generate --json} gives each file's recipe in
 * the same schema.
 *
 * @param file the image as the user named it
 * @param tool the tool the recipe was read from, such as {@code "ComfyUI, KSampler node 3"}
 * @param backend the backend server the image was made on, by name (no credentials), or null for
 *     the local engine and other tools' images
 * @param notices sentences on what was mapped to a near value or left out; never null
 */
public record RecipeFields(
    String file,
    String tool,
    String prompt,
    String negativePrompt,
    int steps,
    String sampler,
    boolean karras,
    double cfgScale,
    long seed,
    int width,
    int height,
    String model,
    String modelHash,
    double eta,
    int clipSkip,
    Long variationSeed,
    double variationStrength,
    String backend,
    List<String> notices) {

  /** Copies the notices. */
  public RecipeFields {
    notices = List.copyOf(notices);
  }

  /** This recipe as a JSON object. */
  public JsonObject toJson() {
    JsonObject o = new JsonObject();
    o.addProperty("file", file);
    o.addProperty("tool", tool);
    o.addProperty("prompt", prompt);
    o.addProperty("negative_prompt", negativePrompt);
    o.addProperty("steps", steps);
    o.addProperty("sampler", sampler);
    o.addProperty("schedule", karras ? "karras" : "default");
    o.addProperty("cfg_scale", cfgScale);
    o.addProperty("seed", seed);
    o.addProperty("width", width);
    o.addProperty("height", height);
    o.addProperty("model", model);
    o.addProperty("model_hash", modelHash);
    o.addProperty("eta", eta);
    o.addProperty("clip_skip", clipSkip);
    o.addProperty("variation_seed", variationSeed);
    o.addProperty("variation_strength", variationStrength);
    if (backend != null) {
      o.addProperty("backend", backend); // only for an image a backend server made
    }
    JsonArray n = new JsonArray();
    notices.forEach(n::add);
    o.add("notices", n);
    return o;
  }

  /** The record of a file whose recipe could not be read: its name and the one sentence why. */
  public static JsonObject refused(String file, String error) {
    JsonObject o = new JsonObject();
    o.addProperty("file", file);
    o.addProperty("error", error);
    return o;
  }

  /**
   * The records as a JSON array, indented, nulls written, and every character beyond ASCII written
   * as a {@code \}{@code u} escape, so the output is the same JSON whatever the terminal's
   * encoding.
   */
  public static String array(List<JsonObject> records) {
    JsonArray a = new JsonArray();
    records.forEach(a::add);
    String s =
        new GsonBuilder()
            .setPrettyPrinting()
            .serializeNulls()
            .disableHtmlEscaping()
            .create()
            .toJson((JsonElement) a);
    StringBuilder out = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x7f) {
        out.append(c);
      } else {
        out.append(String.format(java.util.Locale.ROOT, "\\u%04x", (int) c));
      }
    }
    return out.toString();
  }
}
