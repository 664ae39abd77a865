package dev.stepwise.cli;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.stepwise.gallery.Recipe;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What a {@code generate} run saved, image by image as each is saved, and the one JSON object
 * {@code generate --json} prints on stdout at the end:
 *
 * <pre>{@code
 * {"status": "ok" | "interrupted" | "failed", "error": sentence (failed only),
 *  "images": n asked, "elapsed_ms": ...,
 *  "files": [{"image": from 1, "file": absolute path, "seed", "width", "height", "bytes",
 *             "duration_ms", "recipe": {...}}],
 *  "notices": [sentence, ...]}
 * }</pre>
 *
 * <p>The recipe object uses the recipe keys shared with {@code stepwise info --json} (issue 17):
 * {@code prompt}, {@code negative_prompt}, {@code steps}, {@code sampler} (the CLI name, e.g.
 * {@code euler_a}), {@code cfg_scale}, {@code seed}, {@code width}, {@code height}, {@code model}
 * (the model's name), followed by {@code schedule} ({@code karras} or {@code default}), {@code
 * eta}, {@code clip_skip} and {@code model_hash}. Thread-safe.
 */
final class RunReport {
  /** One saved image. */
  record Saved(
      int image,
      Path file,
      long seed,
      int width,
      int height,
      long bytes,
      long durationMs,
      Recipe recipe) {}

  private final int images;
  private final List<Saved> saved = new ArrayList<>();

  RunReport(int images) {
    this.images = images;
  }

  synchronized void add(Saved s) {
    saved.add(s);
  }

  synchronized List<Saved> saved() {
    return List.copyOf(saved);
  }

  /** The run's JSON object, on one line. */
  synchronized String json(String status, String error, List<String> notices, long elapsedMs) {
    JsonObject o = new JsonObject();
    o.addProperty("status", status);
    if (error != null) {
      o.addProperty("error", error);
    }
    o.addProperty("images", images);
    o.addProperty("elapsed_ms", elapsedMs);
    JsonArray files = new JsonArray();
    for (Saved s : saved) {
      JsonObject f = new JsonObject();
      f.addProperty("image", s.image());
      f.addProperty("file", s.file().toAbsolutePath().toString());
      f.addProperty("seed", s.seed());
      f.addProperty("width", s.width());
      f.addProperty("height", s.height());
      f.addProperty("bytes", s.bytes());
      f.addProperty("duration_ms", s.durationMs());
      f.add("recipe", recipe(s.recipe()));
      files.add(f);
    }
    o.add("files", files);
    JsonArray n = new JsonArray();
    notices.forEach(n::add);
    o.add("notices", n);
    return o.toString();
  }

  /** The recipe in the shared snake_case keys (see the class comment). */
  static JsonObject recipe(Recipe r) {
    JsonObject o = new JsonObject();
    o.addProperty("prompt", r.prompt());
    o.addProperty("negative_prompt", r.negativePrompt());
    o.addProperty("steps", r.steps());
    o.addProperty("sampler", r.sampler());
    o.addProperty("cfg_scale", r.guidance());
    o.addProperty("seed", r.seed());
    o.addProperty("width", r.width());
    o.addProperty("height", r.height());
    o.addProperty("model", r.modelName());
    o.addProperty("schedule", r.karras() ? "karras" : "default");
    o.addProperty("eta", r.eta());
    o.addProperty("clip_skip", r.clipSkip());
    o.addProperty("model_hash", r.modelHash());
    return o;
  }

  /**
   * The line an interrupted run ends with, saying what was kept: the files themselves when there
   * are at most four, else the folder they are in.
   */
  synchronized String keptSentence(Path folder) {
    if (saved.isEmpty()) {
      return "Interrupted before the first image was finished; nothing was saved.";
    }
    StringBuilder b =
        new StringBuilder("Interrupted; kept ")
            .append(saved.size())
            .append(" of ")
            .append(images)
            .append(images == 1 ? " image" : " images");
    if (saved.size() <= 4) {
      b.append(": ");
      for (int i = 0; i < saved.size(); i++) {
        b.append(i == 0 ? "" : ", ").append(saved.get(i).file());
      }
    } else {
      b.append(" in ").append(folder);
    }
    return b.append('.').toString();
  }
}
