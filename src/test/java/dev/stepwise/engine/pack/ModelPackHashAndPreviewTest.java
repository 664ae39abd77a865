package dev.stepwise.engine.pack;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.ndarray.NDManager;
import dev.stepwise.engine.ModelPackException;
import dev.stepwise.engine.weights.SafetensorsWriter;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelPackHashAndPreviewTest {
  private static final String S1 = "diffusion_pytorch_model-00001-of-00002.safetensors";
  private static final String S2 = "diffusion_pytorch_model-00002-of-00002.safetensors";

  @TempDir Path tmp;

  private static String sha256(byte[] bytes) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
  }

  /** {@code sha256sum FILE}, or null when the tool is not installed. */
  private static String sha256sum(Path file) {
    try {
      Process p =
          new ProcessBuilder("sha256sum", file.toString()).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      return p.waitFor() == 0 ? out.substring(0, 64) : null;
    } catch (Exception e) {
      return null;
    }
  }

  @Test
  void unetHashIsTheShortSha256OfTheWeightsFile() throws Exception {
    Path root = TinyPack.create(tmp.resolve("p"));
    Path weights = root.resolve("unet/diffusion_pytorch_model.safetensors");
    String full = sha256(Files.readAllBytes(weights));
    String hash;
    try (ModelPack p = ModelPack.open(root)) {
      hash = p.unetHash();
      assertEquals(full.substring(0, 10), hash);
      assertEquals(hash, p.unetHash());
      assertEquals(weights, p.unetWeightsFile());
    }
    try (ModelPack again = ModelPack.open(root)) {
      assertEquals(hash, again.unetHash()); // stable across opens
    }
    String tool = sha256sum(weights);
    assumeTrue(tool != null, "sha256sum not installed");
    assertEquals(tool.substring(0, 10), hash);
  }

  @Test
  void hashStreamsFilesLargerThanOneBuffer() throws Exception {
    Path root = TinyPack.create(tmp.resolve("p"));
    float[] big = new float[700_000]; // 2.8 MB: several 1 MiB chunks plus a partial one
    for (int i = 0; i < big.length; i++) {
      big[i] = i * 0.5f;
    }
    Path weights = root.resolve("unet/diffusion_pytorch_model.safetensors");
    new SafetensorsWriter().putF32("w", new long[] {big.length}, big).write(weights);
    try (ModelPack p = ModelPack.open(root)) {
      assertEquals(sha256(Files.readAllBytes(weights)).substring(0, 10), p.unetHash());
    }
  }

  @Test
  void shardedUnetLoadsAndHashesTheShardsInFileNameOrder() throws Exception {
    Path root = TinyPack.create(tmp.resolve("p"));
    Path unet = root.resolve("unet");
    Files.delete(unet.resolve("diffusion_pytorch_model.safetensors"));
    new SafetensorsWriter().putF32("b", new long[] {1}, new float[] {2}).write(unet.resolve(S2));
    new SafetensorsWriter().putF32("a", new long[] {2}, new float[] {1, 3}).write(unet.resolve(S1));
    TinyPack.write(
        root,
        "unet/diffusion_pytorch_model.safetensors.index.json",
        "{\"weight_map\": {\"b\": \"" + S2 + "\", \"a\": \"" + S1 + "\"}}");
    TinyPack.write(root, "unet/diffusion_pytorch_model.fp16.safetensors.index.json", "{}");
    ByteArrayOutputStream cat = new ByteArrayOutputStream();
    cat.write(Files.readAllBytes(unet.resolve(S1)));
    cat.write(Files.readAllBytes(unet.resolve(S2)));
    try (ModelPack p = ModelPack.open(root);
        NDManager m = NDManager.newBaseManager()) {
      assertEquals(
          List.of(
              "unet/diffusion_pytorch_model.fp16.safetensors.index.json ignored:"
                  + " Stepwise uses unet/diffusion_pytorch_model.safetensors.index.json."),
          p.notices());
      assertEquals(Set.of("a", "b"), p.unetWeights().names());
      assertArrayEquals(new float[] {1, 3}, p.unetWeights().load("a", m).toFloatArray());
      assertEquals(sha256(cat.toByteArray()).substring(0, 10), p.unetHash());
    }
  }

  @Test
  void shardIndexEscapingTheFolderIsRefusedWhenWeightsOpen() throws Exception {
    Path root = TinyPack.create(tmp.resolve("p"));
    Path te = root.resolve("text_encoder");
    Files.move(te.resolve("model.safetensors"), root.resolve("stolen.safetensors"));
    TinyPack.write(
        root,
        "text_encoder/model.safetensors.index.json",
        "{\"weight_map\": {\"text_model.final_layer_norm.weight\": \"../stolen.safetensors\"}}");
    try (ModelPack p = ModelPack.open(root)) {
      ModelPackException e = assertThrows(ModelPackException.class, p::textEncoderWeights);
      assertTrue(
          e.getMessage().contains("\"../stolen.safetensors\" points outside"), e.getMessage());
    }
  }

  @Test
  void latentRgbFactorsAreReadAndValidated() throws Exception {
    Path root = TinyPack.create(tmp.resolve("p"));
    TinyPack.write(
        root,
        "preview/latent_rgb.json",
        "{\"factors\": [[0.298, 0.207, 0.208], [0.187, 0.286, 0.173],"
            + " [-0.158, 0.189, 0.264], [-0.184, -0.271, -0.473]], \"bias\": [0.1, 0, -0.1]}");
    try (ModelPack p = ModelPack.open(root)) {
      float[][] f = p.latentRgbFactors();
      assertEquals(4, f.length);
      assertArrayEquals(new float[] {-0.184f, -0.271f, -0.473f}, f[3]);
      assertArrayEquals(new float[] {0.1f, 0f, -0.1f}, p.latentRgbBias());
      f[0][0] = 99;
      assertEquals(0.298f, p.latentRgbFactors()[0][0]); // a copy each time
      assertTrue(p.notices().isEmpty()); // preview/ is not an "ignored component"
    }
    TinyPack.write(root, "preview/latent_rgb.json", "{\"factors\": [[1, 0, 0], [0, 1, 0]]}");
    String msg = assertThrows(ModelPackException.class, () -> ModelPack.open(root)).getMessage();
    assertTrue(
        msg.contains(
            "preview/latent_rgb.json has 2 factor rows; it needs one per latent" + " channel (4)"),
        msg);
    TinyPack.write(
        root,
        "preview/latent_rgb.json",
        "{\"factors\": [[1, 0], [0, 1, 0], [0, 0, 1], [1, 1, 1]]}");
    msg = assertThrows(ModelPackException.class, () -> ModelPack.open(root)).getMessage();
    assertTrue(msg.contains("factors[0] must be an array of three numbers"), msg);
    TinyPack.write(
        root,
        "preview/latent_rgb.json",
        "{\"factors\": [[1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 1, 1]]}");
    try (ModelPack p = ModelPack.open(root)) {
      assertArrayEquals(new float[3], p.latentRgbBias());
    }
  }
}
