package dev.stepwise.app.settings;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonParseException;
import dev.stepwise.files.AtomicWrite;
import dev.stepwise.files.UserDirs;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads and writes {@link StudioSettings} as a JSON file, by default {@code
 * $XDG_CONFIG_HOME/stepwise/studio.json} (or {@code ~/.config/stepwise/studio.json}; the system
 * property {@code stepwise.config.dir} overrides the folder). A missing or unreadable file gives
 * the defaults: settings never stop the studio from opening.
 */
public final class SettingsStore {
  private static final Logger LOG = LoggerFactory.getLogger(SettingsStore.class);
  private static final Gson GSON =
      new GsonBuilder().setPrettyPrinting().serializeSpecialFloatingPointValues().create();

  private final Path file;

  /** A store backed by {@code file}. */
  public SettingsStore(Path file) {
    this.file = file;
  }

  /** The store at the standard location. */
  public static SettingsStore standard() {
    return new SettingsStore(configDir().resolve("studio.json"));
  }

  /** The studio's config folder. */
  public static Path configDir() {
    return UserDirs.stepwiseConfig();
  }

  /** The file this store reads and writes. */
  public Path file() {
    return file;
  }

  /** The stored settings, or the defaults when there are none or they cannot be read. */
  public StudioSettings load() {
    if (!Files.isRegularFile(file)) {
      return StudioSettings.defaults();
    }
    try {
      StudioSettings s =
          GSON.fromJson(Files.readString(file, StandardCharsets.UTF_8), StudioSettings.class);
      // The canonical constructor fills what an older or hand-edited file lacks.
      return s == null
          ? StudioSettings.defaults()
          : new StudioSettings(
              s.windowWidth(),
              s.windowHeight(),
              s.maximized(),
              s.theme(),
              s.generation(),
              s.pixels(),
              s.onBackends(),
              s.keepTextEncoders());
    } catch (IOException | JsonParseException | IllegalArgumentException e) {
      LOG.warn("settings file {} could not be read; using defaults", file, e);
      return StudioSettings.defaults();
    }
  }

  /** Writes {@code s} atomically ({@link AtomicWrite}); failures are logged only. */
  public void save(StudioSettings s) {
    try {
      Files.createDirectories(file.toAbsolutePath().getParent());
      AtomicWrite.writeString(file, GSON.toJson(s));
    } catch (IOException | RuntimeException e) {
      LOG.warn("settings could not be saved to {}", file, e);
    }
  }
}
