package dev.stepwise.app.studio;

import dev.stepwise.Stepwise;
import dev.stepwise.engine.ModelLocator;
import dev.stepwise.engine.pack.ModelHashes;
import dev.stepwise.engine.pack.ModelsFolder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Lists the models the chooser offers: the built-in pack, then every checkpoint of the models
 * folder ({@link ModelsFolder}: Stepwise's own, an AUTOMATIC1111 or a ComfyUI folder, read as it
 * is), diffusers pack folders and single-file {@code .safetensors} checkpoints alike, each with its
 * A1111 short hash when the hash cache knows it. Pickle files are not offered ({@code stepwise
 * models} names them and says why).
 */
public final class ModelCatalog {
  private final Path builtIn;
  private final Path root;
  private final ModelHashes hashes;

  /**
   * A catalog of {@code builtIn} (listed even when missing, so the user sees what is expected) and
   * the checkpoints of the models folder {@code root}, labelled with the hashes {@code hashes}
   * knows (null for none).
   */
  public ModelCatalog(Path builtIn, Path root, ModelHashes hashes) {
    this.builtIn = builtIn;
    this.root = root;
    this.hashes = hashes;
  }

  /** A catalog of the built-in pack and {@code root} with the hash cache of this installation. */
  public ModelCatalog(Path builtIn, Path root) {
    this(builtIn, root, new ModelHashes(Stepwise.cacheDir().resolve("model-hashes.json")));
  }

  /** The catalog of this installation: {@link ModelLocator#builtIn()} and the default folder. */
  public static ModelCatalog standard() {
    return forRoot("");
  }

  /** The catalog of the models folder a setting names (empty: the default folder). */
  public static ModelCatalog forRoot(String rootSetting) {
    return new ModelCatalog(
        ModelLocator.builtIn(),
        rootSetting == null || rootSetting.isBlank() ? userModels() : Path.of(rootSetting));
  }

  /**
   * The default models folder: {@code $STEPWISE_MODELS} or {@code $XDG_DATA_HOME/stepwise/models}.
   */
  public static Path userModels() {
    return ModelsFolder.defaultRoot();
  }

  /** The built-in pack's folder. */
  public Path builtIn() {
    return builtIn;
  }

  /** The models folder this catalog lists. */
  public Path userFolder() {
    return root;
  }

  /** The built-in pack first, then the folder's checkpoints by name. */
  public List<ModelChoice> list() {
    List<ModelChoice> out = new ArrayList<>();
    String suffix = Files.isDirectory(builtIn) ? "" : " (not installed)";
    out.add(new ModelChoice(builtIn.getFileName() + " (built-in)" + suffix, builtIn, true));
    for (ModelsFolder.Entry e : ModelsFolder.at(root).checkpoints()) {
      if (e.refusal() == null) {
        out.add(choice(e.path(), hashes == null ? null : hashes.cachedHash(e.path())));
      }
    }
    return out;
  }

  /** A chooser entry for a pack folder or checkpoint file the user opened. */
  public static ModelChoice choice(Path model) {
    return choice(model, null);
  }

  private static ModelChoice choice(Path model, String hash) {
    Path abs = model.toAbsolutePath().normalize();
    Path name = abs.getFileName();
    String label = name == null ? abs.toString() : name.toString();
    if (!Files.isDirectory(abs) && label.toLowerCase(Locale.ROOT).endsWith(".safetensors")) {
      label = label.substring(0, label.length() - ".safetensors".length());
    }
    return new ModelChoice(label, abs, false, hash);
  }
}
