package dev.stepwise.engine.prompt;

import dev.stepwise.engine.ModelPackException;
import dev.stepwise.engine.pack.ModelHashes;
import dev.stepwise.engine.pack.PickleFiles;
import dev.stepwise.engine.weights.SafetensorsFile;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The textual-inversion embeddings a prompt may name, read from a folder as AUTOMATIC1111's {@code
 * EmbeddingDatabase} (modules/textual_inversion/textual_inversion.py) reads its {@code embeddings}
 * folder: every {@code .safetensors} file in it and its subfolders, named by its file name without
 * the extension. Three layouts are read: A1111's {@code string_to_param} ({@code string_to_param.*}
 * [n, D]), kohya's {@code emb_params} [n, D], and diffusers' (one tensor under its token, such as
 * {@code <cat-toy>}, [D] or [n, D]). SDXL embeddings hold {@code clip_l} [n, D1] and {@code clip_g}
 * [n, D2], one per text encoder, as A1111 reads them (textual_inversion.py
 * create_embedding_from_data keeps both; sd_hijack_clip.py gives each encoder its own by the
 * embedder's textual_inversion_key). Pickle files ({@code .pt}, {@code .bin}) are never opened. A
 * file that cannot be read, of the other family, or whose width is not the text encoder's, is
 * skipped with one sentence in {@link #notices()}.
 *
 * <p>Names are matched in a prompt's text, case-insensitively (CLIP lower-cases), where the name is
 * not part of a longer word (no letter, digit or underscore on either side); the longest name wins.
 * A1111 matches the name's token ids instead; for names made of whole words the two agree.
 */
public final class Embeddings {
  /** The most vectors one embedding may have: one 75-token chunk. */
  public static final int MAX_VECTORS = PromptChunks.CHUNK_LENGTH;

  private static final Embeddings NONE = new Embeddings(List.of(), List.of());

  private final List<Embedding> byLength; // longest name first
  private final List<String> notices;

  private Embeddings(List<Embedding> all, List<String> notices) {
    this.byLength =
        all.stream().sorted(Comparator.comparingInt((Embedding e) -> -e.name().length())).toList();
    this.notices = List.copyOf(notices);
  }

  /** No embeddings. */
  public static Embeddings none() {
    return NONE;
  }

  /** These embeddings, named as given (for tests and callers that read files themselves). */
  public static Embeddings of(List<Embedding> embeddings) {
    return new Embeddings(embeddings, List.of());
  }

  /**
   * Reads every embedding in {@code folder} (and its subfolders, one level deep) whose width is
   * {@code width}; a missing folder gives none.
   */
  public static Embeddings load(Path folder, int width) {
    return load(folder, width, 0);
  }

  /**
   * Reads every embedding in {@code folder} for an SDXL model whose encoders are {@code width} and
   * {@code width2} wide ({@code width} 0 for the refiner, which has only the second), or for an SD
   * 1.x / 2.x model when {@code width2} is 0.
   */
  public static Embeddings load(Path folder, int width, int width2) {
    List<Embedding> found = new ArrayList<>();
    List<String> notices = new ArrayList<>();
    List<Path> files = new ArrayList<>();
    collect(folder, 1, files);
    files.sort(Comparator.comparing(Path::toString));
    Map<String, Path> seen = new LinkedHashMap<>();
    for (Path f : files) {
      String file = f.getFileName().toString();
      if (PickleFiles.isPickle(f)) {
        notices.add("The embedding " + PickleFiles.refusal(f));
        continue;
      }
      if (!file.toLowerCase(Locale.ROOT).endsWith(".safetensors")) {
        continue;
      }
      String name = file.substring(0, file.length() - ".safetensors".length());
      if (name.isBlank() || seen.containsKey(name.toLowerCase(Locale.ROOT))) {
        notices.add(
            "The embedding "
                + f
                + " was skipped: another file already names the embedding \""
                + name
                + "\".");
        continue;
      }
      try {
        Embedding e = read(f, name);
        String why = misfit(e, width, width2);
        if (why != null) {
          notices.add("The embedding " + name + " was skipped: " + why);
          continue;
        }
        seen.put(name.toLowerCase(Locale.ROOT), f);
        found.add(e);
      } catch (ModelPackException e) {
        notices.add(e.getMessage());
      }
    }
    return new Embeddings(found, notices);
  }

  /**
   * Why {@code e} does not fit the model's encoders (see {@link #load(Path, int, int)}), or null.
   */
  private static String misfit(Embedding e, int width, int width2) {
    if (width2 == 0 && e.sdxl()) {
      return "it is an SDXL embedding (clip_l and clip_g) but this model's text encoder takes "
          + width
          + "-wide vectors of Stable Diffusion 1.x or 2.x.";
    }
    if (width2 > 0 && !e.sdxl()) {
      return "its vectors are "
          + e.width()
          + " wide, a Stable Diffusion 1.x or 2.x embedding, but this SDXL model takes clip_l and"
          + " clip_g vectors.";
    }
    if (width2 > 0 && ((width > 0 && e.width() != width) || e.width2() != width2)) {
      return String.format(
          Locale.ROOT,
          "its clip_l and clip_g vectors are %d and %d wide but this model's text encoders take %s"
              + " and %d.",
          e.width(),
          e.width2(),
          width > 0 ? Integer.toString(width) : "any",
          width2);
    }
    if (width2 == 0 && e.width() != width) {
      return "its vectors are "
          + e.width()
          + " wide but this model's text encoder takes "
          + width
          + " (SD 1.x embeddings are 768 wide, SD 2.x 1024).";
    }
    return null;
  }

  /** Reads one embedding file; its name is {@code name}. */
  public static Embedding read(Path file, String name) {
    try (SafetensorsFile f = SafetensorsFile.open(file)) {
      if (f.names().contains("clip_l") && f.names().contains("clip_g")) {
        return readSdxl(f, file, name);
      }
      String key;
      if (f.names().contains("emb_params")) {
        key = "emb_params";
      } else if (f.names().contains("string_to_param.*")) {
        key = "string_to_param.*";
      } else if (f.names().size() == 1) {
        key = f.names().iterator().next();
      } else {
        throw new ModelPackException(
            "The embedding "
                + file
                + " was skipped: it holds "
                + f.names().size()
                + " tensors and none is emb_params or string_to_param.*, so it is not one"
                + " textual-inversion embedding.");
      }
      long[] shape = f.shape(key);
      long n = shape.length == 1 ? 1 : shape.length == 2 ? shape[0] : -1;
      long d = shape.length == 0 ? -1 : shape[shape.length - 1];
      if (n < 1 || d < 1 || n > MAX_VECTORS) {
        throw new ModelPackException(
            "The embedding "
                + file
                + " was skipped: its tensor "
                + key
                + " has shape "
                + java.util.Arrays.toString(shape)
                + " where [D] or [n, D] with n at most "
                + MAX_VECTORS
                + " was expected.");
      }
      float[] values = f.readFloats(key);
      String hash = ModelHashes.sha256Hex(file).substring(0, 12);
      return new Embedding(name, (int) n, (int) d, values, hash, file);
    }
  }

  /** An SDXL embedding: {@code clip_l} [n, D1] and {@code clip_g} [n, D2], the same n. */
  private static Embedding readSdxl(SafetensorsFile f, Path file, String name) {
    long[] l = f.shape("clip_l"); // [n, D1]
    long[] g = f.shape("clip_g"); // [n, D2]
    boolean fits =
        l.length == 2
            && g.length == 2
            && l[0] == g[0]
            && l[0] >= 1
            && l[0] <= MAX_VECTORS
            && l[1] >= 1
            && g[1] >= 1;
    if (!fits) {
      throw new ModelPackException(
          "The embedding "
              + file
              + " was skipped: its clip_l "
              + java.util.Arrays.toString(l)
              + " and clip_g "
              + java.util.Arrays.toString(g)
              + " are not [n, D1] and [n, D2] with the same n of at most "
              + MAX_VECTORS
              + ".");
    }
    String hash = ModelHashes.sha256Hex(file).substring(0, 12);
    return new Embedding(
        name,
        (int) l[0],
        (int) l[1],
        f.readFloats("clip_l"),
        hash,
        file,
        (int) g[1],
        f.readFloats("clip_g"));
  }

  private static void collect(Path dir, int depth, List<Path> out) {
    if (dir == null || !Files.isDirectory(dir)) {
      return;
    }
    try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
      for (Path p : s) {
        if (p.getFileName().toString().startsWith(".")) {
          continue;
        }
        if (Files.isDirectory(p)) {
          if (depth > 0) {
            collect(p, depth - 1, out);
          }
        } else if (Files.isRegularFile(p) && out.size() < 10_000) {
          out.add(p);
        }
      }
    } catch (IOException | SecurityException e) {
      // An unreadable folder gives no embeddings.
    }
  }

  /** Every embedding, longest name first. */
  public List<Embedding> all() {
    return byLength;
  }

  /** Sentences about files that were skipped. */
  public List<String> notices() {
    return notices;
  }

  /** Whether there are none. */
  public boolean isEmpty() {
    return byLength.isEmpty();
  }

  /** A piece of a prompt's text: plain text, or the name of {@code embedding}. */
  public record Piece(String text, Embedding embedding) {}

  /** Whether {@code text} names any embedding. */
  public boolean mentionedIn(String text) {
    return split(text).stream().anyMatch(p -> p.embedding() != null);
  }

  /**
   * {@code text} cut into plain text and embedding names, in order; plain text only when no name
   * stands in it.
   */
  public List<Piece> split(String text) {
    List<Piece> out = new ArrayList<>();
    if (byLength.isEmpty()) {
      out.add(new Piece(text, null));
      return out;
    }
    String lower = text.toLowerCase(Locale.ROOT);
    int plainFrom = 0;
    int i = 0;
    while (i < text.length()) {
      Embedding hit = null;
      if (i == 0 || !isWordChar(text.charAt(i - 1))) {
        for (Embedding e : byLength) {
          String n = e.name().toLowerCase(Locale.ROOT);
          int end = i + n.length();
          if (lower.startsWith(n, i) && (end == text.length() || !isWordChar(text.charAt(end)))) {
            hit = e;
            break;
          }
        }
      }
      if (hit == null) {
        i++;
        continue;
      }
      if (i > plainFrom) {
        out.add(new Piece(text.substring(plainFrom, i), null));
      }
      out.add(new Piece(text.substring(i, i + hit.name().length()), hit));
      i += hit.name().length();
      plainFrom = i;
    }
    if (plainFrom < text.length() || out.isEmpty()) {
      out.add(new Piece(text.substring(plainFrom), null));
    }
    return out;
  }

  private static boolean isWordChar(char c) {
    return Character.isLetterOrDigit(c) || c == '_';
  }
}
