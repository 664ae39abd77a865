package dev.stepwise.engine.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import dev.stepwise.engine.ModelPackException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ShardedSafetensorsTest {
  private static final String S1 = "diffusion_pytorch_model-00001-of-00002.safetensors";
  private static final String S2 = "diffusion_pytorch_model-00002-of-00002.safetensors";

  @TempDir Path root;
  Path dir;

  @BeforeEach
  void shards() throws Exception {
    dir = Files.createDirectory(root.resolve("unet"));
    new SafetensorsWriter()
        .putF32("conv_in.weight", new long[] {2, 2}, new float[] {1, 2, 3, 4})
        .putF16("conv_in.bias", new long[] {2}, new float[] {0.5f, -1})
        .write(dir.resolve(S1));
    new SafetensorsWriter()
        .putBf16("conv_out.weight", new long[] {1}, new float[] {-2})
        .write(dir.resolve(S2));
  }

  private Path index(String weightMap) throws Exception {
    Path p = dir.resolve("diffusion_pytorch_model.safetensors.index.json");
    Files.writeString(
        p,
        "{\"metadata\": {\"total_size\": 22}, \"weight_map\": {" + weightMap + "}}",
        StandardCharsets.UTF_8);
    return p;
  }

  private static String map(String name, String file) {
    return "\"" + name + "\": \"" + file + "\"";
  }

  private String goodMap() {
    return map("conv_in.weight", S1)
        + ","
        + map("conv_in.bias", S1)
        + ","
        + map("conv_out.weight", S2);
  }

  private String failure(String weightMap) throws Exception {
    Path p = index(weightMap);
    return assertThrows(ModelPackException.class, () -> ShardedSafetensors.open(p)).getMessage();
  }

  @Test
  void loadsEveryTensorFromItsShard() throws Exception {
    try (ShardedSafetensors s = ShardedSafetensors.open(index(goodMap()));
        NDManager m = NDManager.newBaseManager()) {
      assertEquals(Set.of("conv_in.weight", "conv_in.bias", "conv_out.weight"), s.names());
      assertEquals(22, s.totalSize());
      assertEquals(2, s.shards().size());
      assertEquals(dir.resolve(S1), s.shards().get(0).path());
      assertArrayEquals(new long[] {2, 2}, s.shape("conv_in.weight"));
      assertNull(s.shape("nope"));
      assertArrayEquals(new float[] {1, 2, 3, 4}, s.load("conv_in.weight", m).toFloatArray());
      assertArrayEquals(new float[] {0.5f, -1}, s.load("conv_in.bias", m).toFloatArray());
      assertArrayEquals(new float[] {-2}, s.readFloats("conv_out.weight"));
      assertThrows(ModelPackException.class, () -> s.load("nope", m));
    }
  }

  @Test
  void tensorsOutsideTheWeightMapAreNotExposed() throws Exception {
    try (ShardedSafetensors s =
        ShardedSafetensors.open(
            index(map("conv_in.weight", S1) + "," + map("conv_out.weight", S2)))) {
      assertEquals(Set.of("conv_in.weight", "conv_out.weight"), s.names());
    }
  }

  @Test
  void missingShardIsNamed() throws Exception {
    String msg = failure(goodMap() + "," + map("extra", "model-00003.safetensors"));
    assertTrue(msg.contains("shard \"model-00003.safetensors\", which is missing"), msg);
  }

  @Test
  void keyMissingInItsShardIsNamed() throws Exception {
    String msg = failure(goodMap() + "," + map("ghost.weight", S2));
    assertTrue(
        msg.contains(
            "maps tensor \"ghost.weight\" to " + S2 + ", but that shard has no such tensor"),
        msg);
  }

  @Test
  void keyMappedToTheWrongShardIsRefused() throws Exception {
    String msg = failure(map("conv_in.weight", S2));
    assertTrue(msg.contains("\"conv_in.weight\" to " + S2), msg);
  }

  @Test
  void pathTraversalIsRefused() throws Exception {
    new SafetensorsWriter()
        .putF32("x", new long[] {1}, new float[] {1})
        .write(root.resolve("x.safetensors"));
    String msg = failure(map("x", "../x.safetensors"));
    assertTrue(msg.contains("shard name \"../x.safetensors\" points outside its folder"), msg);
    msg = failure(map("x", root.resolve("x.safetensors").toString()));
    assertTrue(msg.contains("must be a relative file name"), msg);
    msg = failure(map("x", "sub/../../x.safetensors"));
    assertTrue(msg.contains("points outside"), msg);
  }

  @Test
  void sameTensorInTwoShardsIsRefused() throws Exception {
    new SafetensorsWriter()
        .putF32("conv_in.weight", new long[] {1}, new float[] {9})
        .write(dir.resolve("dup.safetensors"));
    String msg = failure(goodMap() + "," + map("other", "dup.safetensors"));
    assertTrue(msg.contains("tensor \"conv_in.weight\" is stored in both"), msg);
  }

  @Test
  void malformedIndexesAreRefused() throws Exception {
    Path p = dir.resolve("bad.index.json");
    Files.writeString(p, "{\"weight_map\": {\"a\": 3}}");
    String msg =
        assertThrows(ModelPackException.class, () -> ShardedSafetensors.open(p)).getMessage();
    assertTrue(msg.contains("weight_map value for \"a\" must be a shard file name"), msg);
    Files.writeString(p, "{\"metadata\": {}}");
    msg = assertThrows(ModelPackException.class, () -> ShardedSafetensors.open(p)).getMessage();
    assertTrue(msg.contains("needs a \"weight_map\" object"), msg);
    Files.writeString(p, "{\"weight_map\": {}, \"metadata\": {\"total_size\": -4}}");
    msg = assertThrows(ModelPackException.class, () -> ShardedSafetensors.open(p)).getMessage();
    assertTrue(msg.contains("metadata.total_size -4"), msg);
    Files.writeString(p, "{\"weight_map\": {\"a\": \"x\", \"a\": \"y\"}}");
    msg = assertThrows(ModelPackException.class, () -> ShardedSafetensors.open(p)).getMessage();
    assertTrue(msg.contains("repeats the key \"a\""), msg);
  }
}
