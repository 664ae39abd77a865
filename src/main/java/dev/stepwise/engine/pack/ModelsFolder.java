package dev.stepwise.engine.pack;

import dev.stepwise.files.UserDirs;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * A models root as artists keep one: Stepwise's own ({@code checkpoints/}, {@code lora/}, {@code
 * vae/}, {@code embeddings/}, and pack folders directly inside, as earlier versions kept them), an
 * AUTOMATIC1111 or Forge install ({@code models/Stable-diffusion}, {@code models/Lora}, {@code
 * models/VAE}, {@code embeddings/}) or a ComfyUI one ({@code models/checkpoints}, {@code
 * models/loras}, {@code models/vae}, {@code models/embeddings}), read as it is. The root may be the
 * install folder or its {@code models/} folder.
 *
 * <p>Only names and sizes are read here: nothing is opened, so a listing of a folder of large or
 * broken files is quick and never fails on one of them. One level of sub-folders is listed too, as
 * A1111 users sort their checkpoints into folders.
 */
public final class ModelsFolder {
  /** Whose layout a models root has. */
  public enum Layout {
    STEPWISE("Stepwise"),
    A1111("AUTOMATIC1111"),
    COMFYUI("ComfyUI");

    private final String label;

    Layout(String label) {
      this.label = label;
    }

    /** The layout's name as the user knows it. */
    public String label() {
      return label;
    }
  }

  /** What a model file is. */
  public enum Kind {
    CHECKPOINT,
    LORA,
    VAE,
    EMBEDDING
  }

  /**
   * One model file or pack folder found.
   *
   * @param name the file name without its extension (a pack folder's name), as prompts and A1111
   *     recipes name it
   * @param path the file or folder
   * @param kind which list it is in
   * @param folder whether it is a diffusers pack folder rather than a single file
   * @param refusal null when Stepwise can open it, else one sentence saying why not
   * @param bytes the file's size (0 for a folder)
   */
  public record Entry(
      String name, Path path, Kind kind, boolean folder, String refusal, long bytes) {}

  private static final int MAX_ENTRIES = 10_000;

  private final Path root;
  private final Layout layout;
  private final Path checkpoints;
  private final Path loras;
  private final Path vaes;
  private final Path embeddings;

  private ModelsFolder(
      Path root, Layout layout, Path checkpoints, Path loras, Path vaes, Path embeddings) {
    this.root = root;
    this.layout = layout;
    this.checkpoints = checkpoints;
    this.loras = loras;
    this.vaes = vaes;
    this.embeddings = embeddings;
  }

  /**
   * The models root Stepwise uses when none is chosen: {@code $STEPWISE_MODELS}, else {@code
   * $XDG_DATA_HOME/stepwise/models} (where earlier versions kept pack folders).
   */
  public static Path defaultRoot() {
    String env = System.getenv("STEPWISE_MODELS");
    return env != null && !env.isBlank()
        ? Path.of(env)
        : UserDirs.data().resolve("stepwise").resolve("models");
  }

  /**
   * Reads {@code root}'s layout: A1111 when it (or, for its {@code models/} folder, that folder)
   * holds {@code Stable-diffusion}; ComfyUI when it holds {@code models/checkpoints}, or is a
   * {@code models/} folder with {@code checkpoints} and one of ComfyUI's own folders ({@code
   * loras}, {@code clip}, {@code unet}, {@code diffusion_models}); else Stepwise's own. The root
   * need not exist (it then lists nothing).
   */
  public static ModelsFolder at(Path root) {
    Path r = root.toAbsolutePath().normalize();
    Path parent = r.getParent() == null ? r : r.getParent();
    if (isDir(r.resolve("models/Stable-diffusion")) || isDir(r.resolve("Stable-diffusion"))) {
      Path install = isDir(r.resolve("models/Stable-diffusion")) ? r : parent;
      Path models = install.resolve("models");
      return new ModelsFolder(
          r,
          Layout.A1111,
          models.resolve("Stable-diffusion"),
          models.resolve("Lora"),
          models.resolve("VAE"),
          install.resolve("embeddings"));
    }
    Path comfy =
        isDir(r.resolve("models/checkpoints"))
            ? r.resolve("models")
            : isDir(r.resolve("checkpoints")) && comfyOnly(r) ? r : null;
    if (comfy != null) {
      return new ModelsFolder(
          r,
          Layout.COMFYUI,
          comfy.resolve("checkpoints"),
          comfy.resolve("loras"),
          comfy.resolve("vae"),
          comfy.resolve("embeddings"));
    }
    return new ModelsFolder(
        r,
        Layout.STEPWISE,
        r.resolve("checkpoints"),
        r.resolve("lora"),
        r.resolve("vae"),
        r.resolve("embeddings"));
  }

  /** Whether a models folder has one of the folders only ComfyUI keeps there. */
  private static boolean comfyOnly(Path models) {
    for (String name : new String[] {"loras", "clip", "unet", "diffusion_models"}) {
      if (isDir(models.resolve(name))) {
        return true;
      }
    }
    return false;
  }

  /** The root as given, absolute. */
  public Path root() {
    return root;
  }

  /** Whose layout the root has. */
  public Layout layout() {
    return layout;
  }

  /** The folder this layout keeps {@code kind} in. */
  public Path folder(Kind kind) {
    return switch (kind) {
      case CHECKPOINT -> checkpoints;
      case LORA -> loras;
      case VAE -> vaes;
      case EMBEDDING -> embeddings;
    };
  }

  /**
   * The checkpoints: single files and diffusers pack folders in the checkpoint folder (and, in
   * Stepwise's layout, pack folders directly in the root), by name.
   */
  public List<Entry> checkpoints() {
    List<Entry> out = list(Kind.CHECKPOINT, checkpoints);
    if (layout == Layout.STEPWISE) {
      List<Entry> direct = new ArrayList<>();
      collect(Kind.CHECKPOINT, root, 0, direct);
      for (Entry e : direct) {
        if (e.folder()) {
          out.add(e);
        }
      }
      out.sort(BY_NAME);
    }
    return out;
  }

  /** The LoRA files, by name. */
  public List<Entry> loras() {
    return list(Kind.LORA, loras);
  }

  /** The LoRA files in {@code dir} and its subfolders (one level), by name. */
  public static List<Entry> lorasIn(Path dir) {
    return list(Kind.LORA, dir);
  }

  /** The separate autoencoders (single files or diffusers {@code AutoencoderKL} folders). */
  public List<Entry> vaes() {
    return list(Kind.VAE, vaes);
  }

  /** The textual-inversion embeddings, by name. */
  public List<Entry> embeddings() {
    return list(Kind.EMBEDDING, embeddings);
  }

  private static final Comparator<Entry> BY_NAME =
      Comparator.comparing((Entry e) -> e.name().toLowerCase(Locale.ROOT))
          .thenComparing(e -> e.path().toString());

  private static List<Entry> list(Kind kind, Path dir) {
    List<Entry> out = new ArrayList<>();
    collect(kind, dir, 1, out);
    out.sort(BY_NAME);
    return out;
  }

  private static void collect(Kind kind, Path dir, int depth, List<Entry> out) {
    if (!isDir(dir)) {
      return;
    }
    try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
      for (Path p : s) {
        if (out.size() >= MAX_ENTRIES) {
          return;
        }
        String file = p.getFileName().toString();
        if (file.startsWith(".")) {
          continue;
        }
        if (isDir(p)) {
          if (Files.isRegularFile(p.resolve("model_index.json"))
              || (kind == Kind.VAE && Files.isRegularFile(p.resolve("config.json")))) {
            out.add(new Entry(file, p, kind, true, null, 0));
          } else if (depth > 0) {
            collect(kind, p, depth - 1, out);
          }
          continue;
        }
        Entry e = fileEntry(kind, p, file);
        if (e != null) {
          out.add(e);
        }
      }
    } catch (IOException | SecurityException e) {
      // An unreadable folder lists nothing; the other folders still list.
    }
  }

  private static Entry fileEntry(Kind kind, Path p, String file) {
    String lower = file.toLowerCase(Locale.ROOT);
    int dot = file.lastIndexOf('.');
    if (dot <= 0 || !Files.isRegularFile(p)) {
      return null;
    }
    String name = file.substring(0, dot);
    long bytes;
    try {
      bytes = Files.size(p);
    } catch (IOException e) {
      bytes = -1;
    }
    if (lower.endsWith(".safetensors")) {
      return new Entry(name, p, kind, false, null, bytes);
    }
    if (PickleFiles.isPickle(p)) {
      return new Entry(name, p, kind, false, PickleFiles.refusal(p), bytes);
    }
    return null;
  }

  private static boolean isDir(Path p) {
    return Files.isDirectory(p, LinkOption.values());
  }
}
