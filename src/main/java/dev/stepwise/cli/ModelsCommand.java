package dev.stepwise.cli;

import dev.stepwise.Stepwise;
import dev.stepwise.engine.pack.ModelHashes;
import dev.stepwise.engine.pack.ModelsFolder;
import dev.stepwise.engine.pack.ModelsFolder.Entry;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code stepwise models}: what a models root holds (Stepwise's, an AUTOMATIC1111 or a ComfyUI
 * folder, read as it is), with each model's A1111 short hash.
 */
@Command(
    name = "models",
    mixinStandardHelpOptions = true,
    description =
        "Lists the checkpoints, LoRA, VAE and embeddings in a models folder (Stepwise's own, an"
            + " AUTOMATIC1111 or Forge install, or ComfyUI), with A1111's short model hash.",
    footer = {
      "  stepwise models",
      "  stepwise models --root ~/stable-diffusion-webui --hash",
      "  stepwise models --root ~/ComfyUI"
    })
final class ModelsCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(
      names = "--root",
      description =
          "Models folder, or an A1111 or ComfyUI install folder (default: $STEPWISE_MODELS or"
              + " $XDG_DATA_HOME/stepwise/models).")
  Path root;

  @Option(
      names = "--hash",
      description =
          "Hash files the cache does not know yet (reads each whole file: seconds per gigabyte).")
  boolean hash;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    if (root != null && !Files.isDirectory(root)) {
      throw new CliErrors.BadValue(
          "--root "
              + root
              + (Files.exists(root) ? " is not a folder" : " does not exist")
              + "; give a models folder or an AUTOMATIC1111 or ComfyUI install folder.");
    }
    ModelsFolder f = ModelsFolder.at(root != null ? root : ModelsFolder.defaultRoot());
    ModelHashes hashes = new ModelHashes(Stepwise.cacheDir().resolve("model-hashes.json"));
    out.println(
        "Models in "
            + Main.printable(f.root().toString())
            + " ("
            + f.layout().label()
            + " layout)");
    for (ModelsFolder.Kind kind : ModelsFolder.Kind.values()) {
      List<Entry> entries =
          switch (kind) {
            case CHECKPOINT -> f.checkpoints();
            case LORA -> f.loras();
            case VAE -> f.vaes();
            case EMBEDDING -> f.embeddings();
          };
      out.println(
          label(kind)
              + " ("
              + Main.printable(f.folder(kind).toString())
              + "): "
              + (entries.isEmpty() ? "none" : entries.size()));
      for (Entry e : entries) {
        out.println("  " + line(e, hashes));
      }
    }
    out.flush();
    return 0;
  }

  private String line(Entry e, ModelHashes hashes) {
    String name = Main.printable(e.name());
    if (e.refusal() != null) {
      return name + "  not opened: " + Main.printable(e.refusal());
    }
    String h = hashes.cachedHash(e.path());
    if (h == null && hash) {
      try {
        h = hashes.shortHash(e.path());
      } catch (RuntimeException ex) {
        return name + "  unreadable: " + Main.printable(CliErrors.message(ex));
      }
    }
    String size = e.folder() ? "folder" : gigabytes(e.bytes());
    return name + "  " + size + "  hash " + (h == null ? "(not yet; --hash)" : h);
  }

  private static String label(ModelsFolder.Kind kind) {
    return switch (kind) {
      case CHECKPOINT -> "checkpoints";
      case LORA -> "LoRA";
      case VAE -> "VAE";
      case EMBEDDING -> "embeddings";
    };
  }

  private static String gigabytes(long bytes) {
    return bytes < 0
        ? "size unknown"
        : bytes >= 1L << 30
            ? String.format(Locale.ROOT, "%.2f GB", bytes / (double) (1L << 30))
            : String.format(Locale.ROOT, "%.1f MB", bytes / (double) (1L << 20));
  }
}
