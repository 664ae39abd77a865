package dev.stepwise.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stepwise.engine.TestPacks;
import dev.stepwise.engine.weights.SafetensorsWriter;
import dev.stepwise.metadata.GenerationParameters;
import dev.stepwise.metadata.InfoText;
import dev.stepwise.metadata.PngText;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code generate} with {@code <lora:name:w>} tags: files found, "Lora hashes" written. */
class LoraCliTest {
  @TempDir Path dir;

  private Path lora(Path folder) throws Exception {
    Files.createDirectories(folder);
    float[] down = new float[32];
    float[] up = new float[32];
    for (int i = 0; i < 32; i++) {
      down[i] = (i % 5) * 0.1f;
      up[i] = (i % 3) * 0.2f;
    }
    Path p = folder.resolve("mine.safetensors");
    new SafetensorsWriter()
        .putF32(
            "lora_te_text_model_encoder_layers_0_self_attn_q_proj.lora_down.weight",
            new long[] {1, 32},
            down)
        .putF32(
            "lora_te_text_model_encoder_layers_0_self_attn_q_proj.lora_up.weight",
            new long[] {32, 1},
            up)
        .write(p);
    return p;
  }

  @Test
  void aLoraFromTheModelsRootIsAppliedAndItsHashWritten() throws Exception {
    Path root = dir.resolve("models");
    lora(root.resolve("lora"));
    Path out = dir.resolve("img.png");
    CliTest.Run r =
        CliTest.cli(
            "generate",
            "--model",
            TestPacks.tinySd().toString(),
            "--models-root",
            root.toString(),
            "--prompt",
            "a red heart emoji <lora:mine:0.7>",
            "--steps",
            "2",
            "--seed",
            "1",
            "--out",
            out.toString());
    assertEquals(0, r.code(), r.err());
    String text = PngText.read(out).get("parameters");
    GenerationParameters p = InfoText.parse(text);
    assertEquals("a red heart emoji <lora:mine:0.7>", p.prompt());
    assertTrue(text.matches("(?s).*Lora hashes: \"mine: [0-9a-f]{12}\".*"), text);
  }

  @Test
  void anUnknownLoraIsOneLineNamingTheFolder() throws Exception {
    Path folder = dir.resolve("loras");
    lora(folder);
    CliTest.Run r =
        CliTest.cli(
            "generate",
            "--model",
            TestPacks.tinySd().toString(),
            "--lora-dir",
            folder.toString(),
            "--prompt",
            "a cat <lora:other:1>",
            "--steps",
            "2",
            "--out",
            dir.resolve("x.png").toString());
    assertEquals(1, r.code());
    assertTrue(r.err().contains("\"other\"") && r.err().contains(folder.toString()), r.err());
    assertEquals(1, r.err().strip().lines().count(), r.err());
  }
}
