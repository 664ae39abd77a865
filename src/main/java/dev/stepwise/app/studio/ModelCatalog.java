package dev.stepwise.app.studio;

import dev.stepwise.engine.ModelLocator;
import dev.stepwise.files.UserDirs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Lists the model packs the chooser offers: the built-in pack, then every pack folder in the user's
 * data folder ({@code $XDG_DATA_HOME/stepwise/models} or {@code ~/.local/share/stepwise/models}).
 */
public final class ModelCatalog {
  private final Path builtIn;
  private final Path userFolder;

  /**
   * A catalog of {@code builtIn} (listed even when missing, so the user sees what is expected) and
   * the pack folders directly inside {@code userFolder}.
   */
  public ModelCatalog(Path builtIn, Path userFolder) {
    this.builtIn = builtIn;
    this.userFolder = userFolder;
  }

  /** The catalog of this installation: {@link ModelLocator#builtIn()} and the XDG data folder. */
  public static ModelCatalog standard() {
    return new ModelCatalog(ModelLocator.builtIn(), userModels());
  }

  /** The user's model folder: {@code $XDG_DATA_HOME/stepwise/models} or the XDG default. */
  public static Path userModels() {
    return UserDirs.data().resolve("stepwise").resolve("models");
  }

  /** The built-in pack's folder. */
  public Path builtIn() {
    return builtIn;
  }

  /** The user's model folder this catalog lists. */
  public Path userFolder() {
    return userFolder;
  }

  /** The built-in pack first, then the user's packs by folder name. */
  public List<ModelChoice> list() {
    List<ModelChoice> out = new ArrayList<>();
    String suffix = Files.isDirectory(builtIn) ? "" : " (not installed)";
    out.add(new ModelChoice(builtIn.getFileName() + " (built-in)" + suffix, builtIn, true));
    if (Files.isDirectory(userFolder)) {
      try (Stream<Path> s = Files.list(userFolder)) {
        s.filter(p -> Files.isRegularFile(p.resolve("model_index.json")))
            .sorted()
            .forEach(p -> out.add(choice(p)));
      } catch (IOException e) {
        // An unreadable folder lists nothing; the chooser still offers "Open a model folder...".
      }
    }
    return out;
  }

  /** A chooser entry for a folder the user opened. */
  public static ModelChoice choice(Path folder) {
    Path abs = folder.toAbsolutePath().normalize();
    Path name = abs.getFileName();
    return new ModelChoice(name == null ? abs.toString() : name.toString(), abs, false);
  }
}
