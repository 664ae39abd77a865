package dev.stepwise.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.stepwise.engine.bench.UNetBenchmark;
import dev.stepwise.engine.nn.RandomWeights;
import dev.stepwise.engine.nn.WeightPrecision;
import dev.stepwise.engine.pack.CheckpointOptions;
import dev.stepwise.engine.pack.LdmTestCheckpoints;
import dev.stepwise.engine.pack.LdmTestCheckpoints.Tensor;
import dev.stepwise.engine.pack.ModelPack;
import dev.stepwise.engine.weights.HalfFloats;
import dev.stepwise.engine.weights.TensorSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Single-file LDM checkpoints (issue 13): the tiny packs written as SD 1.x- and SD 2.x-like
 * checkpoints give the same pixels as their folders, the configuration inferred from the tensors
 * matches the folders' (beside the fields no tensor carries), and a full-size SD 1.5 checkpoint,
 * written as a sparse file, maps to exactly the diffusers parameter counts.
 */
class SingleFileCheckpointTest {
  @TempDir Path tmp;

  /** Fields the tensors do not carry: taken from the folder for a tiny pack. */
  private static final Map<String, List<String>> NOT_INFERRED =
      Map.of(
          "unet",
              List.of("attention_head_dim", "norm_num_groups", "sample_size", "upcast_attention"),
          "vae", List.of("norm_num_groups", "scaling_factor", "sample_size"),
          "text_encoder", List.of("num_attention_heads"),
          "scheduler", List.of("prediction_type", "timestep_spacing"));

  private static Map<String, Tensor> read(TensorSource s) {
    Map<String, Tensor> out = new TreeMap<>();
    try (NDManager m = NDManager.newBaseManager()) {
      for (String n : s.names()) {
        if (!n.endsWith("position_ids")) {
          NDArray a = s.load(n, m);
          out.put(n, new Tensor(a.getShape().getShape(), a.toFloatArray()));
        }
      }
    }
    return out;
  }

  private Path checkpointOf(Path folder, boolean sd2) {
    Path file = tmp.resolve(folder.getFileName() + ".safetensors");
    try (ModelPack p = ModelPack.open(folder)) {
      Map<String, Tensor> ldm =
          LdmTestCheckpoints.toLdm(
              read(p.unetWeights()),
              p.unetConfig(),
              read(p.vaeWeights()),
              p.vaeConfig().getAsJsonArray("block_out_channels").size(),
              read(p.textEncoderWeights()),
              sd2);
      ldm.put("model_ema.decay", new Tensor(new long[] {}, new float[] {0.9999f}));
      ldm.put("model_ema.diffusion_modelconv_inweight", new Tensor(new long[] {2}, null));
      ldm.put("alphas_cumprod", new Tensor(new long[] {1000}, null));
      LdmTestCheckpoints.write(ldm, file, sd2);
    }
    return file;
  }

  private static CheckpointOptions optionsFrom(Path folder) {
    Map<String, JsonObject> fields = new HashMap<>();
    try (ModelPack p = ModelPack.open(folder)) {
      Map<String, JsonObject> configs =
          Map.of(
              "unet", p.unetConfig(),
              "vae", p.vaeConfig(),
              "text_encoder", p.textEncoderConfig(),
              "scheduler", p.schedulerConfig());
      NOT_INFERRED.forEach(
          (c, keys) -> {
            JsonObject o = new JsonObject();
            keys.forEach(k -> o.add(k, configs.get(c).get(k)));
            fields.put(c, o);
          });
    }
    return new CheckpointOptions(folder.resolve("tokenizer"), fields);
  }

  /**
   * Every field the checkpoint's config has equals the folder's (numbers by value), where the
   * folder writes it.
   */
  private static void assertSameFields(JsonObject inferred, JsonObject folder, String what) {
    for (Map.Entry<String, JsonElement> e : inferred.entrySet()) {
      if (!e.getKey().startsWith("_")
          && !e.getKey().equals("architectures")
          && folder.has(e.getKey())) {
        assertEquals(folder.get(e.getKey()), e.getValue(), what + " " + e.getKey());
      }
    }
  }

  private static RgbImage image(DiffusionModel m) {
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
        .image();
  }

  private void samePixelsAsFolder(Path folder, boolean sd2) {
    Path file = checkpointOf(folder, sd2);
    try (ModelPack a = ModelPack.open(folder);
        ModelPack b = ModelPack.openCheckpoint(file, optionsFrom(folder))) {
      assertTrue(b.isCheckpoint());
      assertSameFields(b.unetConfig(), a.unetConfig(), "unet");
      assertSameFields(b.vaeConfig(), a.vaeConfig(), "vae");
      assertSameFields(b.textEncoderConfig(), a.textEncoderConfig(), "text_encoder");
      assertSameFields(b.schedulerConfig(), a.schedulerConfig(), "scheduler");
      assertTrue(
          b.notices().stream().anyMatch(n -> n.contains("EMA tensors")), b.notices().toString());
    }
    try (DiffusionModel a = DiffusionModel.load(folder, Device.cpu());
        DiffusionModel b =
            DiffusionModel.load(
                ModelPack.openCheckpoint(file, optionsFrom(folder)), Device.cpu())) {
      RgbImage x = image(a);
      RgbImage y = image(b);
      assertEquals(x.width(), y.width());
      assertArrayEquals(x.rgb(), y.rgb(), "the checkpoint's image differs from the folder's");
    }
  }

  /**
   * A BF16 file (the third dtype checkpoints come in): every weight reads back as the folder's
   * rounded to bfloat16 (round to nearest even, {@link HalfFloats#floatToBf16}), and it generates a
   * finite image (DJL aborts on BF16 tensors, so the engine must widen them on load).
   */
  @Test
  void bf16CheckpointReadsAsTheFoldersWeightsRoundedToBf16() {
    Path folder = TestPacks.tinySd();
    Path file = tmp.resolve("tiny-sd-bf16.safetensors");
    try (ModelPack p = ModelPack.open(folder)) {
      LdmTestCheckpoints.write(
          LdmTestCheckpoints.toLdm(
              read(p.unetWeights()),
              p.unetConfig(),
              read(p.vaeWeights()),
              p.vaeConfig().getAsJsonArray("block_out_channels").size(),
              read(p.textEncoderWeights()),
              false),
          file,
          "BF16");
    }
    try (ModelPack a = ModelPack.open(folder);
        ModelPack b = ModelPack.openCheckpoint(file, optionsFrom(folder))) {
      int compared = 0;
      for (TensorSource[] pair :
          new TensorSource[][] {
            {a.unetWeights(), b.unetWeights()},
            {a.vaeWeights(), b.vaeWeights()},
            {a.textEncoderWeights(), b.textEncoderWeights()}
          }) {
        Map<String, Tensor> want = read(pair[0]);
        Map<String, Tensor> got = read(pair[1]);
        assertEquals(want.keySet(), got.keySet());
        for (var e : want.entrySet()) {
          float[] w = e.getValue().values().clone();
          for (int i = 0; i < w.length; i++) {
            w[i] = HalfFloats.bf16ToFloat(HalfFloats.floatToBf16(w[i]));
          }
          assertArrayEquals(w, got.get(e.getKey()).values(), e.getKey());
          compared++;
        }
      }
      assertTrue(compared > 50, "compared " + compared + " tensors");
    }
    try (DiffusionModel m =
        DiffusionModel.load(ModelPack.openCheckpoint(file, optionsFrom(folder)), Device.cpu())) {
      RgbImage img = image(m);
      assertEquals(32, img.width());
    }
  }

  @Test
  void sd1LikeCheckpointMakesTheFoldersImage() {
    samePixelsAsFolder(TestPacks.tinySd(), false);
  }

  @Test
  void sd2LikeOpenClipCheckpointMakesTheFoldersImage() {
    samePixelsAsFolder(TestPacks.tinySd2(), true);
  }

  /**
   * {@code --weights float32} widens an fp16 file's layer weights once at load instead of per pass:
   * the same values reach the same fp32 compute, so the pixels are identical.
   */
  @Test
  void fp16CheckpointHeldAsFloat32MakesTheSameImage() {
    Path folder = TestPacks.tinySd2();
    Path file = checkpointOf(folder, true);
    try (DiffusionModel a =
            DiffusionModel.load(
                ModelPack.openCheckpoint(file, optionsFrom(folder)),
                Device.cpu(),
                WeightPrecision.AS_STORED);
        DiffusionModel b =
            DiffusionModel.load(
                ModelPack.openCheckpoint(file, optionsFrom(folder)),
                Device.cpu(),
                WeightPrecision.FLOAT32)) {
      assertArrayEquals(image(a).rgb(), image(b).rgb(), "float32 weights changed the image");
    }
  }

  @Test
  void sd15ShapedSparseCheckpointHasTheDiffusersParameterCounts() throws Exception {
    Path file = tmp.resolve("sd15-random.safetensors");
    Map<String, RandomWeights> shapes = Sd15Checkpoint.write(file);
    RandomWeights unet = shapes.get("unet");
    RandomWeights vae = shapes.get("vae");
    RandomWeights clip = shapes.get("text");
    assertTrue(Files.size(file) > 2_000_000_000L); // fp16: about 2.1 GB, nearly all of it holes
    try (ModelPack p = ModelPack.open(file)) {
      assertEquals(859_520_964L, count(p.unetWeights()));
      assertEquals(83_653_863L, count(p.vaeWeights()));
      assertEquals(123_060_480L, count(p.textEncoderWeights()));
      assertEquals(unet.requested().keySet(), p.unetWeights().names());
      assertEquals(vae.requested().keySet(), p.vaeWeights().names());
      assertEquals(clip.requested().keySet(), p.textEncoderWeights().names());
      for (var e : unet.requested().entrySet()) {
        assertArrayEquals(e.getValue(), p.unetWeights().shape(e.getKey()), e.getKey());
      }
      for (var e : vae.requested().entrySet()) {
        assertArrayEquals(e.getValue(), p.vaeWeights().shape(e.getKey()), e.getKey());
      }
      // The SD 1.5 configuration, inferred from the shapes alone.
      assertEquals(UNetBenchmark.sd15Config().blockOutChannels().length, 4);
      assertEquals("[320,640,1280,1280]", p.unetConfig().get("block_out_channels").toString());
      assertEquals(768, p.unetConfig().get("cross_attention_dim").getAsInt());
      assertEquals(8, p.unetConfig().get("attention_head_dim").getAsInt());
      assertFalse(p.unetConfig().get("use_linear_projection").getAsBoolean());
      assertEquals(12, p.textEncoderConfig().get("num_attention_heads").getAsInt());
      assertEquals(12, p.textEncoderConfig().get("num_hidden_layers").getAsInt());
      assertEquals("epsilon", p.schedulerConfig().get("prediction_type").getAsString());
      assertEquals(0.18215, p.vaeConfig().get("scaling_factor").getAsDouble());
      assertEquals("sd15-random", p.name());
    }
  }

  private static long count(TensorSource s) {
    long n = 0;
    for (String name : s.names()) {
      long k = 1;
      for (long d : s.shape(name)) {
        k *= d;
      }
      n += k;
    }
    return n;
  }
}
