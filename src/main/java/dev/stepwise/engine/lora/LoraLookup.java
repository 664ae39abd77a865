package dev.stepwise.engine.lora;

import dev.stepwise.engine.EngineException;
import dev.stepwise.engine.pack.ModelsFolder;
import dev.stepwise.engine.pack.PickleFiles;
import java.nio.file.Path;
import java.util.List;

/**
 * Finds the file of a {@code <lora:name>} tag among a folder's LoRA files ({@link
 * ModelsFolder#lorasIn}): the file whose name without extension is {@code name}, as A1111 names
 * them (extensions-builtin/Lora/networks.py list_available_networks), else the one that equals it
 * ignoring case.
 */
public final class LoraLookup {
  private LoraLookup() {}

  /**
   * The LoRA folder of the models root Stepwise uses when none is chosen ({@link
   * ModelsFolder#defaultRoot()}: {@code $STEPWISE_MODELS} or the data folder's {@code models}).
   */
  public static Path defaultFolder() {
    return ModelsFolder.at(ModelsFolder.defaultRoot()).folder(ModelsFolder.Kind.LORA);
  }

  /**
   * The file of the LoRA {@code name} in {@code folder}.
   *
   * @throws EngineException when there is none, or it is a pickle file
   */
  public static Path find(String name, Path folder) {
    List<ModelsFolder.Entry> all = ModelsFolder.lorasIn(folder);
    ModelsFolder.Entry hit = null;
    for (ModelsFolder.Entry e : all) {
      if (e.name().equals(name)) {
        hit = e;
        break;
      }
      if (hit == null && e.name().equalsIgnoreCase(name)) {
        hit = e;
      }
    }
    if (hit == null) {
      throw new EngineException(
          "The prompt asks for the LoRA \""
              + name
              + "\", but "
              + folder
              + " holds no LoRA of that name ("
              + all.size()
              + (all.size() == 1 ? " LoRA file there)." : " LoRA files there)."));
    }
    if (PickleFiles.isPickle(hit.path())) {
      throw new EngineException(PickleFiles.refusal("The LoRA " + hit.path().getFileName()));
    }
    return hit.path();
  }
}
