package dev.stepwise.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stepwise.engine.backend.ComfyFake;
import dev.stepwise.metadata.GenerationParameters;
import dev.stepwise.metadata.InfoText;
import dev.stepwise.metadata.PngText;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Issue 15: {@code generate --backend comfyui+http://...} against the ComfyUI fake, loopback. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ComfyCliTest {
  @TempDir Path dir;

  @Test
  void generateRunsOnAComfyServerAndRefusesWhatItCannotDo() throws Exception {
    try (ComfyFake fake = new ComfyFake()) {
      Path out = dir.resolve("comfy.png");
      CliTest.Run r =
          CliTest.cli(
              "generate",
              "--backend",
              fake.url(),
              "--model",
              "v1-5",
              "--prompt",
              "a lighthouse",
              "--seed",
              "12",
              "--steps",
              "3",
              "--width",
              "24",
              "--height",
              "16",
              "--batch",
              "2",
              "--sampler",
              "euler",
              "--out",
              "" + out,
              "--progress",
              "none");
      assertEquals(0, r.code(), r.err());
      assertEquals(2, fake.graphs.size());
      for (int i = 0; i < 2; i++) {
        Path file = dir.resolve("comfy-" + i + ".png");
        assertTrue(Files.isRegularFile(file), "saved " + file);
        GenerationParameters p = InfoText.parse(PngText.read(file).get("parameters"));
        assertEquals(12 + i, p.seed());
        assertEquals("Euler", p.sampler());
        assertEquals(24, p.width());
        assertEquals("v1-5", p.modelName());
      }

      CliTest.Run lora =
          CliTest.cli(
              "generate",
              "--backend",
              fake.url(),
              "--model",
              "v1-5",
              "--prompt",
              "a <lora:ink:1> lighthouse",
              "--out",
              "" + dir.resolve("no.png"));
      assertEquals(1, lora.code(), lora.err());
      assertEquals(
          "stepwise: The ComfyUI backend "
              + fake.url()
              + " cannot run <lora:...> tags in the prompt; that runs on the local engine (leave"
              + " out --backend).",
          lora.err().strip());
      CliTest.Run noModel =
          CliTest.cli(
              "generate",
              "--backend",
              fake.url(),
              "--prompt",
              "a",
              "--out",
              "" + dir.resolve("n.png"));
      assertEquals(1, noModel.code(), noModel.err());
      assertEquals(
          "stepwise: Name one of the ComfyUI server "
              + fake.url()
              + "'s checkpoints with --model: sd15/v1-5.safetensors, other.ckpt.",
          noModel.err().strip());
      assertEquals(2, fake.graphs.size(), "nothing more was sent");

      // A named ComfyUI backend from backends.json, by its kind
      System.setProperty("stepwise.config.dir", dir.resolve("config").toString());
      try {
        String plain = fake.url().substring("comfyui+".length());
        CliTest.Run add = CliTest.cli("backends", "add", "box", plain);
        assertEquals(0, add.code(), add.err());
        java.nio.file.Path file = dir.resolve("config").resolve("backends.json");
        Files.writeString(file, Files.readString(file).replace("\"a1111\"", "\"comfyui\""));
        CliTest.Run named =
            CliTest.cli(
                "generate",
                "--backend",
                "box",
                "--model",
                "other",
                "--prompt",
                "a",
                "--steps",
                "2",
                "--out",
                "" + dir.resolve("named.png"),
                "--json",
                "-q");
        assertEquals(0, named.code(), named.err());
        assertTrue(named.out().contains("\"backend\":\"box\""), named.out());
        assertEquals(
            "other.ckpt",
            fake.graphs
                .get(2)
                .getAsJsonObject("1")
                .getAsJsonObject("inputs")
                .get("ckpt_name")
                .getAsString());
      } finally {
        System.clearProperty("stepwise.config.dir");
      }
    }
  }
}
