package dev.stepwise.cli;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.stepwise.gallery.Recipe;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The images a {@code generate} run saved, and its {@code --json} object (docs/cli.md). The recipe
 * is {@code stepwise info --json}'s ({@link dev.stepwise.recipe.RecipeFields}) without its file,
 * tool and notices.
 */
final class RunReport {
  record Saved(int image, Path file, long seed, int w, int h, long bytes, long ms, Recipe r) {}

  private final int images;
  private final List<Saved> saved = new ArrayList<>();
  private String backend; // the server the job ran on, or null on the local engine

  RunReport(int images) {
    this.images = images;
  }

  synchronized void backend(String name) {
    backend = name;
  }

  synchronized void add(Saved s) {
    saved.add(s);
  }

  /**
   * {@code {"status", "images", "elapsed_ms", "files": [...], "notices": [...]}}, and {@code
   * "backend"} when the job ran on a server.
   */
  synchronized String json(String status, List<String> notices, long elapsedMs) {
    JsonObject o = new JsonObject();
    o.addProperty("status", status);
    o.addProperty("images", images);
    o.addProperty("elapsed_ms", elapsedMs);
    if (backend != null) {
      o.addProperty("backend", backend);
    }
    JsonArray files = new JsonArray();
    for (Saved s : saved) {
      JsonObject f = new JsonObject();
      f.addProperty("image", s.image());
      f.addProperty("file", s.file().toAbsolutePath().toString());
      f.addProperty("seed", s.seed());
      f.addProperty("width", s.w());
      f.addProperty("height", s.h());
      f.addProperty("bytes", s.bytes());
      f.addProperty("duration_ms", s.ms());
      JsonObject j = s.r().fields(s.file().toAbsolutePath().toString(), List.of()).toJson();
      for (String k : List.of("file", "tool", "notices")) {
        j.remove(k); // the file's own keys say these
      }
      f.add("recipe", j);
      files.add(f);
    }
    o.add("files", files);
    JsonArray n = new JsonArray();
    notices.forEach(n::add);
    o.add("notices", n);
    return o.toString();
  }

  /** What an interrupted run kept: the files when at most four, else their folder. */
  synchronized String keptSentence(Path folder) {
    if (saved.isEmpty()) {
      return "Interrupted before the first image was finished; nothing was saved.";
    }
    List<String> files = saved.stream().map(s -> s.file().toString()).toList();
    return "Interrupted; kept "
        + saved.size()
        + " of "
        + images
        + (images == 1 ? " image" : " images")
        + (files.size() <= 4 ? ": " + String.join(", ", files) : " in " + folder)
        + ".";
  }
}
