package dev.stepwise.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import dev.stepwise.engine.weights.SafetensorsDtype;
import dev.stepwise.engine.weights.SafetensorsFile;
import dev.stepwise.engine.weights.SafetensorsWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A pack whose config.json contradicts its weights is refused, naming the first offending key; an
 * F32 folder pack loads as its F16 twin does.
 */
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

  /**
   * tiny-sd stores F16 (the golden tests check it); the same pack with every weights file widened
   * to F32, a lossless copy, makes the same pixels, so F32 folder packs stay covered.
   */
  @Test
  void anF32CopyOfTinySdMakesTheSameImage() {
    Path pack = copyOfTinySd();
    for (String file :
        new String[] {
          "unet/diffusion_pytorch_model.safetensors",
          "vae/diffusion_pytorch_model.safetensors",
          "text_encoder/model.safetensors"
        }) {
      Path path = pack.resolve(file);
      SafetensorsWriter w = new SafetensorsWriter();
      try (SafetensorsFile f = SafetensorsFile.open(path)) {
        for (String n : f.names()) {
          assertEquals(SafetensorsDtype.F16, f.entry(n).dtype(), file + " " + n);
          w.putF32(n, f.shape(n), f.readFloats(n));
        }
      }
      w.write(path);
      try (SafetensorsFile f = SafetensorsFile.open(path)) {
        f.names().forEach(n -> assertEquals(SafetensorsDtype.F32, f.entry(n).dtype(), n));
      }
    }
    try (DiffusionModel half = DiffusionModel.load(TestPacks.tinySd(), Device.cpu());
        DiffusionModel wide = DiffusionModel.load(pack, Device.cpu())) {
      assertArrayEquals(image(half), image(wide), "the F32 copy's image differs");
    }
  }

  private static byte[] image(DiffusionModel m) {
    GenerationRequest r =
        GenerationRequest.builder()
            .prompt("a red heart")
            .steps(3)
            .guidance(4)
            .seed(11)
            .previewMethod(PreviewMethod.OFF)
            .build();
    return new Pipeline(m)
        .run(r, new GenerationListener() {}, new CancellationToken())
        .images()
        .get(0)
        .image()
        .rgb();
  }
}
