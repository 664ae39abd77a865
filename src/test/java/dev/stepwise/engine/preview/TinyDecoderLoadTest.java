package dev.stepwise.engine.preview;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import dev.stepwise.engine.ModelPackException;
import dev.stepwise.engine.weights.SafetensorsWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.OptionalDouble;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What TinyDecoder.load and checkFits refuse, each with one sentence naming the path and the fault.
 */
class TinyDecoderLoadTest {
  @TempDir Path tmp;

  /**
   * A TAESD decoder (taesd.py Decoder, original keys N.*) with zero weights, minus {@code skip}.
   */
  static SafetensorsWriter taesdOriginal(int latentChannels, String... skip) {
    SafetensorsWriter w = new SafetensorsWriter();
    int index = 1; // 0 is Clamp
    conv(w, index++ + "", latentChannels, 64, true, skip); // conv(latent, 64)
    index++; // ReLU
    int[] blocks = {3, 3, 3, 1};
    for (int i = 0; i < blocks.length; i++) {
      for (int j = 0; j < blocks[i]; j++) {
        String b = index++ + ".conv.";
        conv(w, b + "0", 64, 64, true, skip);
        conv(w, b + "2", 64, 64, true, skip);
        conv(w, b + "4", 64, 64, true, skip);
      }
      if (i < blocks.length - 1) {
        index++; // Upsample
        conv(w, index++ + "", 64, 64, false, skip);
      } else {
        conv(w, index++ + "", 64, 3, true, skip);
      }
    }
    return w;
  }

  private static void conv(
      SafetensorsWriter w, String name, int in, int out, boolean bias, String... skip) {
    if (!Arrays.asList(skip).contains(name + ".weight")) {
      w.putF32(name + ".weight", new long[] {out, in, 3, 3}, new float[out * in * 9]);
    }
    if (bias && !Arrays.asList(skip).contains(name + ".bias")) {
      w.putF32(name + ".bias", new long[] {out}, new float[out]);
    }
  }

  private static ModelPackException refused(Path p) {
    ModelPackException e =
        assertThrows(ModelPackException.class, () -> TinyDecoder.load(p, Device.cpu()).close());
    String m = e.getMessage();
    assertTrue(m.endsWith("."), "one sentence ending with a period: " + m);
    assertTrue(m.contains(p.toString()), "names the path " + p + ": " + m);
    return e;
  }

  private static void assertMentions(ModelPackException e, String... parts) {
    for (String part : parts) {
      assertTrue(e.getMessage().contains(part), "\"" + part + "\" in: " + e.getMessage());
    }
  }

  /** A diffusers folder whose config.json is {@code config} (the weights file is never reached). */
  private Path folderWithConfig(String name, String config) {
    Path dir = tmp.resolve(name);
    TinyGolden.write(dir.resolve("config.json"), config);
    TinyGolden.write(dir.resolve("diffusion_pytorch_model.safetensors"), "unused");
    return dir;
  }

  private Path taesdFile(String name, int channels) {
    Path p = tmp.resolve(name);
    taesdOriginal(channels).write(p);
    return p;
  }

  @Test
  void channelAndScalingMismatchesAreRefusedByCheckFits() {
    Path f1 = taesdFile("taef1_decoder.safetensors", 16);
    try (TinyDecoder d = TinyDecoder.load(f1, Device.cpu())) {
      assertEquals(16, d.latentChannels());
      assertEquals(OptionalDouble.empty(), d.madeForScalingFactor(), "taef1 is another family");
      ModelPackException e =
          assertThrows(ModelPackException.class, () -> d.checkFits(4, 0.18215, "SD 1.5"));
      assertEquals(
          "The preview decoder " + f1 + " reads 16 latent channels but SD 1.5 has 4.",
          e.getMessage());
      d.checkFits(16, 0.3611, "FLUX.1");
    }
    Path xl = taesdFile("taesdxl_decoder.safetensors", 4);
    try (TinyDecoder d = TinyDecoder.load(xl, Device.cpu())) {
      assertEquals(OptionalDouble.of(0.13025), d.madeForScalingFactor());
      ModelPackException e =
          assertThrows(ModelPackException.class, () -> d.checkFits(4, 0.18215, "SD 1.5"));
      assertEquals(
          "The preview decoder "
              + xl
              + " was made for latents scaled by 0.13025 but SD 1.5's autoencoder"
              + " scales them by 0.18215.",
          e.getMessage());
      d.checkFits(4, 0.13025, "SDXL");
      d.checkFits(4, 0.13030, "SDXL (0.04% off)");
      assertThrows(ModelPackException.class, () -> d.checkFits(4, 0.1305, "SDXL (0.2% off)"));
    }
  }

  @Test
  void namesHintAtTheScalingFactor() {
    assertEquals(OptionalDouble.of(0.18215), TinyDecoder.inferScaling("taesd_decoder.safetensors"));
    assertEquals(OptionalDouble.of(0.18215), TinyDecoder.inferScaling("TAESD"));
    assertEquals(
        OptionalDouble.of(0.13025), TinyDecoder.inferScaling("taesdxl_decoder.safetensors"));
    assertEquals(
        OptionalDouble.of(0.13025),
        TinyDecoder.inferScaling("diffusion_pytorch_model.safetensors", "TaesdXL"));
    for (String other :
        new String[] {
          "taesd3_decoder.safetensors", "taef1", "taef2_decoder.safetensors", "taesana"
        }) {
      assertEquals(OptionalDouble.empty(), TinyDecoder.inferScaling(other, "taesd"), other);
    }
    assertEquals(
        OptionalDouble.empty(), TinyDecoder.inferScaling("decoder.safetensors", "previews"));
    // Through load: a folder named taesd holding a neutral name.
    Path dir = tmp.resolve("taesd");
    taesdOriginal(4).write(dir.resolve("decoder.safetensors"));
    try (TinyDecoder d = TinyDecoder.load(dir, Device.cpu())) {
      assertEquals(OptionalDouble.of(0.18215), d.madeForScalingFactor());
      assertEquals(8, d.factor());
      assertEquals(1_222_531L, d.parameterCount());
      d.checkFits(4, 0.18215, "SD 2.1");
    }
  }

  @Test
  void aTruncatedFileIsRefused() throws IOException {
    Path good = taesdFile("taesd_decoder.safetensors", 4);
    byte[] bytes = Files.readAllBytes(good);
    Path cut = tmp.resolve("cut").resolve("taesd_decoder.safetensors");
    Files.createDirectories(cut.getParent());
    Files.write(cut, Arrays.copyOf(bytes, bytes.length - 100));
    refused(cut);
    refused(cut.getParent());
  }

  @Test
  void aMissingDecoderKeyIsRefusedByName() {
    Path p = tmp.resolve("taesd_decoder.safetensors");
    taesdOriginal(4, "5.conv.2.bias").write(p);
    assertMentions(refused(p), "decoder.layers.4.conv.2.bias", "N+1");
    Path noFirst = tmp.resolve("nofirst").resolve("taesd_decoder.safetensors");
    taesdOriginal(4, "1.weight").write(noFirst);
    assertMentions(refused(noFirst), "1.weight");
  }

  @Test
  void extraTensorsEncodersAndStrangeKeysAreRefused() {
    Path extra = tmp.resolve("extra.safetensors");
    taesdOriginal(4)
        .putF32("4.pool.0.weight", new long[] {256, 64, 1, 1}, new float[256 * 64])
        .write(extra);
    assertMentions(refused(extra), "4.pool.0.weight", "does not use");
    Path encoder = tmp.resolve("enc_decoder.safetensors");
    new SafetensorsWriter()
        .putF32("0.weight", new long[] {64, 3, 3, 3}, new float[64 * 27])
        .write(encoder);
    assertMentions(refused(encoder), "index 0", "encoder");
    Path odd = tmp.resolve("odd_decoder.safetensors");
    new SafetensorsWriter().putF32("model.x", new long[] {1}, new float[1]).write(odd);
    assertMentions(refused(odd), "model.x", "neither");
  }

  @Test
  void badConfigsAreRefusedNamingFieldAndValue() {
    assertMentions(
        refused(folderWithConfig("mixed", "{\"decoder_block_out_channels\": [64, 32, 64, 64]}")),
        "config.json",
        "decoder_block_out_channels",
        "[64, 32, 64, 64]",
        "one width");
    assertMentions(
        refused(
            folderWithConfig(
                "huge", "{\"decoder_block_out_channels\": [100000, 100000, 100000, 100000]}")),
        "decoder_block_out_channels",
        "100000",
        "1 to 512");
    assertMentions(
        refused(folderWithConfig("negative", "{\"upsampling_scaling_factor\": -2}")),
        "upsampling_scaling_factor",
        "-2",
        "1 to 8");
    assertMentions(
        refused(folderWithConfig("shift", "{\"shift_factor\": 0.1159}")),
        "shift_factor",
        "0.1159",
        "only 0");
    assertMentions(
        refused(folderWithConfig("kl", "{\"_class_name\": \"AutoencoderKL\"}")),
        "_class_name",
        "AutoencoderKL");
    assertMentions(
        refused(folderWithConfig("notjson", "{\"latent_channels\": 4,,}")), "config.json", "JSON");
    assertMentions(
        refused(folderWithConfig("big", "{\"x\": \"" + "a".repeat(1 << 20) + "\"}")), "bytes");
  }

  @Test
  void picklesAreNeverRead() throws IOException {
    Path pth = tmp.resolve("taesd_decoder.pth");
    Files.write(pth, new byte[] {(byte) 0x80, 2, 'c'});
    assertMentions(refused(pth), "pickle", "convert it to safetensors");
    assertMentions(refused(tmp), "taesd_decoder.pth", "convert it to safetensors");
    Path diffusers = tmp.resolve("bin");
    TinyGolden.write(diffusers.resolve("config.json"), "{}");
    Files.write(diffusers.resolve("diffusion_pytorch_model.bin"), new byte[] {1});
    assertMentions(refused(diffusers), "diffusion_pytorch_model.bin", "convert it to safetensors");
  }

  @Test
  void emptyMissingAmbiguousAndOtherLocationsAreRefused() throws IOException {
    Path empty = tmp.resolve("empty");
    Files.createDirectories(empty);
    assertMentions(refused(empty), "neither config.json");
    assertMentions(refused(tmp.resolve("nowhere")), "does not exist");
    Path two = tmp.resolve("two");
    taesdOriginal(4).write(two.resolve("taesd_decoder.safetensors"));
    taesdOriginal(4).write(two.resolve("taesdxl_decoder.safetensors"));
    assertMentions(
        refused(two), "taesd_decoder.safetensors, taesdxl_decoder.safetensors", "choose one");
    Path text = tmp.resolve("notes.txt");
    Files.writeString(text, "hello");
    assertMentions(refused(text), ".safetensors");
    Path noWeights = tmp.resolve("noweights");
    TinyGolden.write(noWeights.resolve("config.json"), "{}");
    assertMentions(refused(noWeights), "diffusion_pytorch_model.safetensors is missing");
  }

  @Test
  void decodeToPixelsChecksItsInputAndTheDecoderCloses() {
    TinyDecoder d = TinyDecoder.load(taesdFile("taesd_decoder.safetensors", 4), Device.cpu());
    // Zero weights and biases: the network gives 0, so y = 0 * 2 - 1 and every pixel is 0.
    float[] out = d.decodeToPixels(new float[4 * 2 * 3], 2, 3);
    assertEquals(3 * 16 * 24, out.length);
    for (float v : out) {
      assertEquals(0f, v, 0f);
    }
    assertThrows(IllegalArgumentException.class, () -> d.decodeToPixels(new float[5], 2, 3));
    d.close();
    assertThrows(IllegalStateException.class, () -> d.decodeToPixels(new float[4 * 2 * 3], 2, 3));
  }
}
