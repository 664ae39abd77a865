package dev.stepwise.app.settings;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stepwise.app.studio.GenerationSettings;
import dev.stepwise.engine.PreviewMethod;
import dev.stepwise.recipe.Sampler;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SettingsStoreTest {

  @Test
  void roundTripKeepsEverySetting(@TempDir Path dir) {
    SettingsStore store = new SettingsStore(dir.resolve("sub").resolve("studio.json"));
    GenerationSettings g =
        new GenerationSettings(
            "a red fox",
            "blurry",
            7.5,
            33,
            "1234",
            true,
            Sampler.DPMPP_2M,
            true,
            96,
            128,
            4,
            "/m/p",
            PreviewMethod.FULL,
            Map.of("/m/p", "/d/taesd_decoder.safetensors", "/m/q", "/d/taesd"));
    StudioSettings s = new StudioSettings(1400, 900, true, Theme.DARK, g, false, true, false);
    store.save(s);
    assertTrue(Files.isRegularFile(store.file()));
    assertEquals(s, store.load());
    assertEquals(PreviewMethod.FULL, store.load().generation().previewMethod());
    assertEquals(Path.of("/d/taesd"), store.load().generation().previewDecoderFor(Path.of("/m/q")));
    assertEquals(false, store.load().pixels(), "the canvas's Pixels toggle is remembered off");
    assertEquals(true, store.load().onBackends(), "new jobs on the backends, remembered");
    assertEquals(false, store.load().keepTextEncoders(), "text encoders dropped, remembered");
  }

  @Test
  void missingOrBrokenFilesGiveTheDefaults(@TempDir Path dir) throws Exception {
    SettingsStore store = new SettingsStore(dir.resolve("studio.json"));
    assertEquals(StudioSettings.defaults(), store.load());
    Files.writeString(store.file(), "{ not json");
    assertEquals(StudioSettings.defaults(), store.load());
    Files.writeString(store.file(), "{\"windowWidth\": 5, \"theme\": \"DARK\"}");
    StudioSettings partial = store.load();
    assertEquals(StudioSettings.MIN_WIDTH, partial.windowWidth());
    assertEquals(Theme.DARK, partial.theme());
    assertEquals(GenerationSettings.defaults(), partial.generation());
    assertEquals(true, partial.pixels(), "an older file without the toggle: crisp pixels on");
    assertEquals(false, partial.onBackends(), "an older file: jobs on this computer");
    assertEquals(true, partial.keepTextEncoders(), "an older file: text encoders kept");
    Files.writeString(
        store.file(),
        "{\"generation\": {\"prompt\": \"a fox\", \"previewMethod\": \"SOMETHING\"}}");
    assertEquals(PreviewMethod.AUTO, store.load().generation().previewMethod());
    assertEquals("a fox", store.load().generation().prompt());
  }

  @Test
  void themeNamesParseAndToggle() {
    assertEquals(Theme.DARK, Theme.parse(" dark "));
    assertEquals(Theme.LIGHT, Theme.parse("purple"));
    assertEquals(Theme.LIGHT, Theme.DARK.toggled());
    assertTrue(Theme.DARK.stylesheet().endsWith("dark.css"));
  }

  @Test
  void guidanceSavedUnderItsOldNameIsKept(@TempDir Path dir) throws Exception {
    SettingsStore store = new SettingsStore(dir.resolve("studio.json"));
    Files.writeString(store.file(), "{\"generation\": {\"guidanceScale\": 7.5, \"steps\": 30}}");
    assertEquals(7.5, store.load().generation().guidance());
    store.save(store.load());
    String saved = Files.readString(store.file());
    assertTrue(saved.contains("\"guidance\": 7.5") && !saved.contains("guidanceScale"), saved);
  }
}
