package dev.stepwise.engine;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.stepwise.engine.unet.UNetConfig;
import dev.stepwise.engine.vae.VaeConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Values that used to end in "an internal error" (issue 20, item 12) are refused in one sentence
 * that names the field and the value.
 */
@Tag("hostile")
class ConfigRefusalsTest {
  @TempDir Path dir;

  private static JsonObject json(Path file) throws Exception {
    return JsonParser.parseString(Files.readString(file)).getAsJsonObject();
  }

  @Test
  void unetNormGroupsAndDownsamplePadding() throws Exception {
    JsonObject c = json(TestPacks.tinySd().resolve("unet/config.json"));
    c.addProperty("norm_num_groups", 0);
    ModelPackException e = assertThrows(ModelPackException.class, () -> UNetConfig.fromJson(c));
    assertTrue(
        e.getMessage().contains("norm_num_groups") && e.getMessage().contains("0"), e.getMessage());
    JsonObject d = json(TestPacks.tinySd().resolve("unet/config.json"));
    d.addProperty("downsample_padding", -5);
    e = assertThrows(ModelPackException.class, () -> UNetConfig.fromJson(d));
    assertTrue(
        e.getMessage().contains("downsample_padding") && e.getMessage().contains("-5"),
        e.getMessage());
  }

  @Test
  void vaeNormGroups() throws Exception {
    JsonObject c = json(TestPacks.tinySd().resolve("vae/config.json"));
    c.addProperty("norm_num_groups", 0);
    ModelPackException e = assertThrows(ModelPackException.class, () -> VaeConfig.fromJson(c));
    assertTrue(
        e.getMessage().contains("norm_num_groups") && e.getMessage().contains("0"), e.getMessage());
  }

  @Test
  void aTokenIdBeyondTheTextEncodersVocabularyIsRefused() throws Exception {
    Path pack = TestPacks.copyOfTinySd(dir.resolve("pack"));
    Path tok = pack.resolve("tokenizer/tokenizer.json");
    JsonObject t = json(tok);
    t.getAsJsonObject("model").getAsJsonObject("vocab").addProperty("zebra", 1_000_000);
    Files.writeString(tok, t.toString());
    try (DiffusionModel model = DiffusionModel.load(pack, Device.cpu())) {
      EngineException e =
          assertThrows(
              EngineException.class,
              () ->
                  new Pipeline(model)
                      .run(
                          GenerationRequest.builder().prompt("a zebra").steps(1).build(),
                          new GenerationListener() {},
                          new CancellationToken()));
      assertTrue(
          e.getMessage().contains("1000000") && e.getMessage().contains("vocab_size"),
          e.getMessage());
    }
  }
}
