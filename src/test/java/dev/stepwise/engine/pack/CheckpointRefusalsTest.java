package dev.stepwise.engine.pack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stepwise.engine.ModelPackException;
import dev.stepwise.engine.pack.LdmTestCheckpoints.Tensor;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad single-file checkpoints: one sentence each, and nothing loaded. */
@Tag("hostile")
class CheckpointRefusalsTest {
  @TempDir Path tmp;

  /** Opens {@code file}, expecting a refusal: one sentence ending in a period. */
  private static String refusal(Path file) {
    ModelPackException e =
        assertThrows(
            ModelPackException.class, () -> ModelPack.openCheckpoint(file, CheckpointOptions.NONE));
    String m = e.getMessage();
    assertTrue(m.endsWith("."), m);
    assertEquals(1, m.split("\\. [A-Z]").length, "one sentence: " + m);
    return m;
  }

  private Path write(String name, String... keys) {
    Map<String, Tensor> t = new TreeMap<>();
    for (String k : keys) {
      t.put(k, new Tensor(new long[] {2, 2}, null));
    }
    Path file = tmp.resolve(name);
    LdmTestCheckpoints.write(t, file, false);
    return file;
  }

  private static final String UNET_IN = "model.diffusion_model.input_blocks.0.0.weight";

  @Test
  void picklesAreRefusedUnopened() {
    for (String name : new String[] {"model.ckpt", "model.pt", "model.pth", "pytorch_model.bin"}) {
      String m = refusal(tmp.resolve(name)); // the file does not even exist: never touched
      assertTrue(
          m.contains("pickle") && m.contains("can run code") && m.contains(".safetensors"), m);
    }
  }

  @Test
  void otherFamiliesAreNamed() {
    // The SDXL refiner opens (SdxlRefinerTest); one without its UNet's added embedding does not.
    assertTrue(
        refusal(
                write(
                    "refiner.safetensors",
                    UNET_IN,
                    "first_stage_model.decoder.conv_in.weight",
                    "conditioner.embedders.0.model.x"))
            .contains("pooled-text embedding in its UNet"));
    assertTrue(
        refusal(
                write(
                    "sd3.safetensors",
                    "model.diffusion_model.joint_blocks.0.context_block.adaLN_modulation.1.bias"))
            .contains("Stable Diffusion 3"));
    assertTrue(
        refusal(write("flux.safetensors", "double_blocks.0.img_attn.norm.key_norm.scale"))
            .contains("a Flux checkpoint"));
    assertTrue(refusal(write("lora.safetensors", "lora_unet_x.alpha")).contains("LoRAs"));
    assertTrue(refusal(write("unet-only.safetensors", UNET_IN)).contains("an autoencoder"));
  }

  /** An SDXL file without its second encoder, its first, or its UNet's added embedding. */
  @Test
  void incompleteSdxlFilesNameWhatIsMissing() {
    String vae = "first_stage_model.decoder.conv_in.weight";
    String clip = "conditioner.embedders.0.transformer.text_model.x";
    String bigG = "conditioner.embedders.1.model.x";
    String label = "model.diffusion_model.label_emb.0.0.weight";
    assertTrue(
        refusal(write("a.safetensors", UNET_IN, vae, clip, label))
            .contains("holds no second text encoder (conditioner.embedders.1.model.*)"));
    assertTrue(
        refusal(write("b.safetensors", UNET_IN, vae, bigG, label))
            .contains("holds no first text encoder (conditioner.embedders.0.transformer.*)"));
    assertTrue(
        refusal(write("c.safetensors", UNET_IN, vae, clip, bigG))
            .contains("holds no pooled-text embedding in its UNet"));
  }

  private Path raw(String name, String header, int dataBytes) throws Exception {
    byte[] h = header.getBytes(StandardCharsets.UTF_8);
    Path file = tmp.resolve(name);
    try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
      f.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(h.length).array());
      f.write(h);
      f.write(new byte[dataBytes]);
    }
    return file;
  }

  @Test
  void damagedFilesAreRefused() throws Exception {
    String lying =
        "{\"" + UNET_IN + "\":{\"dtype\":\"F32\",\"shape\":[4,4],\"data_offsets\":[0,8]}}";
    refusal(raw("lying.safetensors", lying, 8));
    String huge =
        "{\""
            + UNET_IN
            + "\":{\"dtype\":\"F16\",\"shape\":[1048576,1048576],\"data_offsets\":[0,8]}}";
    refusal(raw("huge.safetensors", huge, 8));
    Path good = write("truncated.safetensors", UNET_IN);
    try (RandomAccessFile f = new RandomAccessFile(good.toFile(), "rw")) {
      f.setLength(Files.size(good) - 3);
    }
    refusal(good);
    assertTrue(refusal(tmp.resolve("notes.txt")).contains("is not a model"));
  }
}
