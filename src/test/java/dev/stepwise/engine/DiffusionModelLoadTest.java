package dev.stepwise.engine;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A pack whose config.json contradicts its weights is refused, naming the first offending key. */
class DiffusionModelLoadTest {
  @TempDir Path tmp;

  private Path copyOfTinySd() {
    return TestPacks.copyOfTinySd(tmp.resolve("pack"));
  }

  private static void edit(Path file, String from, String to) throws IOException {
    String s = Files.readString(file);
    assertTrue(s.contains(from), file + " lacks " + from);
    Files.writeString(file, s.replace(from, to));
  }

  @Test
  void unetConfigContradictingTheWeightsNamesTheKeyAndShapes() throws IOException {
    Path pack = copyOfTinySd();
    edit(pack.resolve("unet/config.json"), "\"in_channels\": 4", "\"in_channels\": 5");
    EngineException e =
        assertThrows(EngineException.class, () -> DiffusionModel.load(pack, Device.cpu()));
    assertTrue(e.getMessage().contains("in_channels"), e.getMessage());
    Path pack2 = tmp.resolve("pack");
    edit(pack2.resolve("unet/config.json"), "\"in_channels\": 5", "\"in_channels\": 4");
    edit(pack2.resolve("unet/config.json"), "\"layers_per_block\": 1", "\"layers_per_block\": 2");
    e = assertThrows(EngineException.class, () -> DiffusionModel.load(pack2, Device.cpu()));
    assertTrue(e.getMessage().contains("unet/diffusion_pytorch_model.safetensors"), e.getMessage());
    assertTrue(e.getMessage().contains("down_blocks.0.resnets.1"), e.getMessage());
  }

  @Test
  void textEncoderWidthMustMatchCrossAttention() throws IOException {
    Path pack = copyOfTinySd();
    edit(
        pack.resolve("unet/config.json"),
        "\"cross_attention_dim\": 32",
        "\"cross_attention_dim\": 48");
    EngineException e =
        assertThrows(EngineException.class, () -> DiffusionModel.load(pack, Device.cpu()));
    assertTrue(e.getMessage().contains("cross_attention_dim 48"), e.getMessage());
  }
}
