package dev.stepwise.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.stepwise.engine.clip.ClipTextConfig;
import dev.stepwise.engine.clip.ClipTextModel;
import dev.stepwise.engine.nn.Parameters;
import dev.stepwise.engine.pack.LdmTestCheckpoints;
import dev.stepwise.engine.pack.LdmTestCheckpoints.Tensor;
import dev.stepwise.engine.pack.ModelHashes;
import dev.stepwise.engine.pack.ModelPack;
import dev.stepwise.engine.prompt.Embedding;
import dev.stepwise.engine.prompt.Embeddings;
import dev.stepwise.engine.weights.SafetensorsWriter;
import dev.stepwise.engine.weights.TensorSource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Clip skip, a separate VAE and textual-inversion embeddings on the tiny pack, each against a naive
 * twin: a text encoder built one layer shorter, a token embedding with the vectors appended as new
 * ids (diffusers' load_textual_inversion), and the pack's own autoencoder.
 */
class TextAndVaeChoicesTest {
  private static DiffusionModel model;
  @TempDir static Path tmp;

  @BeforeAll
  static void load() {
    model = DiffusionModel.load(TestPacks.tinySd(), Device.cpu());
  }

  @AfterAll
  static void close() {
    if (model != null) {
      model.close();
    }
  }

  private static float[] encode(String prompt, int clipSkip, Embeddings e, List<String> notes) {
    try (NDManager m = model.newJobManager()) {
      return model
          .encodeText(prompt, "prompt", clipSkip, e, m, notes, new HashSet<>())
          .toFloatArray();
    }
  }

  private static float[] encodeOld(String prompt) {
    try (NDManager m = model.newJobManager()) {
      return model.encodeText(prompt, "prompt", m, new ArrayList<>()).toFloatArray();
    }
  }

  /** The tiny pack's text encoder with another config over the same (or changed) weights. */
  private static float[] twin(ClipTextConfig c, TensorSource weights, int[] window) {
    try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
      ClipTextModel clip = new ClipTextModel(c, Parameters.strict(weights, m));
      long[] ids = new long[window.length];
      for (int i = 0; i < ids.length; i++) {
        ids[i] = window[i];
      }
      return clip.forward(m.create(ids, new Shape(1, ids.length))).toFloatArray(); // [1, L, D]
    }
  }

  private static ClipTextConfig config(ModelPack p) {
    return ClipTextConfig.fromJson(p.textEncoderConfig());
  }

  private static int[] window(String... words) {
    List<Integer> ids = new ArrayList<>();
    for (String w : words) {
      if (w.startsWith("#")) {
        ids.add(Integer.parseInt(w.substring(1)));
      } else {
        for (int id : model.tokenizer().tokenizePiece(w).ids()) {
          ids.add(id);
        }
      }
    }
    return model.tokenizer().window(ids.stream().mapToInt(Integer::intValue).toArray());
  }

  @Test
  void clipSkipOneIsTodaysConditioningBitForBit() {
    for (String p : List.of("a red heart emoji", "a (red:1.3) [heart] emoji", "")) {
      assertArrayEquals(encodeOld(p), encode(p, 1, Embeddings.none(), new ArrayList<>()), p);
    }
  }

  @Test
  void clipSkipTwoEqualsATextEncoderOneLayerShorter() {
    List<String> notes = new ArrayList<>();
    float[] got = encode("a red heart emoji", 2, Embeddings.none(), notes);
    try (ModelPack p = ModelPack.open(TestPacks.tinySd())) {
      ClipTextConfig c = config(p);
      ClipTextConfig shorter =
          new ClipTextConfig(
              c.vocabSize(),
              c.hiddenSize(),
              c.intermediateSize(),
              c.numHiddenLayers() - 1,
              c.numAttentionHeads(),
              c.maxPositionEmbeddings(),
              c.hiddenAct(),
              c.layerNormEps());
      float[] want = twin(shorter, p.textEncoderWeights(), window("a", "red", "heart", "emoji"));
      assertTrue(TestPacks.relErr(got, want) <= 1e-6, "rel err " + TestPacks.relErr(got, want));
    }
    assertFalse(java.util.Arrays.equals(got, encodeOld("a red heart emoji")));
    assertEquals(List.of(), notes);
  }

  @Test
  void clipSkipBeyondTheLayersIsOneSentenceAndSd2IgnoresIt() {
    EngineException e =
        assertThrows(EngineException.class, () -> model.clipSkipFor(3, new ArrayList<>()));
    assertTrue(e.getMessage().endsWith("use 1 to 2."), e.getMessage());
    try (DiffusionModel sd2 = DiffusionModel.load(TestPacks.tinySd2(), Device.cpu())) {
      List<String> notes = new ArrayList<>();
      assertEquals(1, sd2.clipSkipFor(2, notes));
      assertEquals(1, notes.size());
      assertTrue(notes.get(0).contains("AUTOMATIC1111 ignores clip skip"), notes.get(0));
    }
  }

  private static float[] vectors(int n, int d, float scale) {
    float[] v = new float[n * d];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) Math.sin(0.37 * i + 1) * scale;
    }
    return v;
  }

  @Test
  void anEmbeddingsVectorsTakeItsNamesPlaceAndOtherPromptsStayBitForBit() throws IOException {
    Path dir = Files.createDirectories(tmp.resolve("embeddings"));
    int d = model.unetConfig().crossAttentionDim();
    float[] v = vectors(2, d, 0.5f);
    new SafetensorsWriter()
        .putF32("emb_params", new long[] {2, d}, v)
        .write(dir.resolve("zorb.safetensors"));
    new SafetensorsWriter()
        .putF32("string_to_param.*", new long[] {1, d}, vectors(1, d, 0.3f))
        .write(dir.resolve("kitsch.safetensors"));
    new SafetensorsWriter()
        .putF32("<toy>", new long[] {d}, vectors(1, d, 0.2f))
        .write(dir.resolve("toy.safetensors"));
    new SafetensorsWriter()
        .putF32("emb_params", new long[] {1, 16}, vectors(1, 16, 1))
        .write(dir.resolve("narrow.safetensors"));
    List<String> notes = new ArrayList<>();
    Embeddings all = model.embeddings(dir, notes);
    assertEquals(
        List.of("kitsch", "zorb", "toy"), all.all().stream().map(Embedding::name).toList());
    assertEquals(1, notes.size(), notes.toString());
    assertTrue(notes.get(0).startsWith("The embedding narrow was skipped"), notes.get(0));
    assertTrue(notes.get(0).endsWith("."));

    // Without the name: unchanged, bit for bit.
    assertArrayEquals(encodeOld("a red cat"), encode("a red cat", 1, all, new ArrayList<>()));

    // With it: the twin appends the vectors to the token embedding as ids V and V+1.
    Set<Embedding> used = new LinkedHashSet<>();
    float[] got;
    try (NDManager m = model.newJobManager()) {
      got =
          model
              .encodeText("a Zorb cat", "prompt", 1, all, m, new ArrayList<>(), used)
              .toFloatArray();
    }
    assertEquals(List.of("zorb"), used.stream().map(Embedding::name).toList());
    assertEquals(12, used.iterator().next().shortHash().length());
    try (ModelPack p = ModelPack.open(TestPacks.tinySd())) {
      ClipTextConfig c = config(p);
      int vocab = c.vocabSize();
      ClipTextConfig wider =
          new ClipTextConfig(
              vocab + 2,
              c.hiddenSize(),
              c.intermediateSize(),
              c.numHiddenLayers(),
              c.numAttentionHeads(),
              c.maxPositionEmbeddings(),
              c.hiddenAct(),
              c.layerNormEps());
      TensorSource withRows = appended(p.textEncoderWeights(), v, vocab, d);
      float[] want = twin(wider, withRows, window("a", "#" + vocab, "#" + (vocab + 1), "cat"));
      assertArrayEquals(want, got);
      // Inside a weighted run the vectors are weighted like their words.
      float[] weighted = encode("a (zorb:1.2) cat", 1, all, new ArrayList<>());
      assertFalse(java.util.Arrays.equals(weighted, got));
    }
  }

  /** {@code src} with {@code rows} [2, D] appended to the token embedding [V, D]. */
  private static TensorSource appended(TensorSource src, float[] rows, int vocab, int d) {
    String key =
        src.names().stream()
            .filter(n -> n.endsWith("token_embedding.weight"))
            .findFirst()
            .orElseThrow();
    return new TensorSource() {
      @Override
      public Set<String> names() {
        return src.names();
      }

      @Override
      public long[] shape(String name) {
        return name.equals(key) ? new long[] {vocab + 2, d} : src.shape(name);
      }

      @Override
      public NDArray load(String name, NDManager manager) {
        NDArray a = src.load(name, manager);
        if (!name.equals(key)) {
          return a;
        }
        return a.concat(manager.create(rows, new Shape(2, d)), 0); // [V + 2, D]
      }

      @Override
      public String origin() {
        return src.origin();
      }

      @Override
      public void close() {
        src.close();
      }
    };
  }

  private static Map<String, Tensor> read(TensorSource s) {
    Map<String, Tensor> out = new TreeMap<>();
    try (NDManager m = NDManager.newBaseManager()) {
      for (String n : s.names()) {
        NDArray a = s.load(n, m);
        out.put(n, new Tensor(a.getShape().getShape(), a.toFloatArray()));
      }
    }
    return out;
  }

  /** The tiny pack's own autoencoder as a lone LDM file, with or without first_stage_model. */
  private static Path ldmVae(String file, boolean prefixed) {
    Path out = tmp.resolve(file);
    try (ModelPack p = ModelPack.open(TestPacks.tinySd())) {
      Map<String, Tensor> ldm =
          LdmTestCheckpoints.toLdm(
              Map.of(),
              p.unetConfig(),
              read(p.vaeWeights()),
              p.vaeConfig().getAsJsonArray("block_out_channels").size(),
              Map.of(),
              false);
      Map<String, Tensor> vae = new TreeMap<>();
      ldm.forEach((k, t) -> vae.put(prefixed ? k : k.substring("first_stage_model.".length()), t));
      vae.put("model_ema.decay", new Tensor(new long[] {}, new float[] {0.9999f}));
      LdmTestCheckpoints.write(vae, out, false);
    }
    return out;
  }

  private static GenerationResult run(Path vae) {
    GenerationRequest r =
        GenerationRequest.builder()
            .prompt("a red heart emoji")
            .steps(3)
            .guidance(3)
            .seed(5)
            .vae(vae)
            .previewMethod(PreviewMethod.OFF)
            .build();
    return new Pipeline(model).run(r, new GenerationListener() {}, new CancellationToken());
  }

  private static byte[] pixels(GenerationResult r) {
    return r.images().get(0).image().rgb();
  }

  @Test
  void thePacksOwnVaeAsASeparateFileGivesIdenticalPixelsAndIsRecorded() throws IOException {
    GenerationResult own = run(null);
    assertEquals(Map.of(), own.parameters());
    Path bare = ldmVae("own-vae.safetensors", false);
    GenerationResult sep = run(bare);
    assertArrayEquals(pixels(own), pixels(sep));
    assertEquals("own-vae.safetensors", sep.parameters().get("VAE"));
    assertEquals(ModelHashes.sha256Hex(bare).substring(0, 10), sep.parameters().get("VAE hash"));
    assertEquals(List.of("VAE hash", "VAE"), List.copyOf(sep.parameters().keySet()));
    assertArrayEquals(pixels(own), pixels(run(ldmVae("prefixed.safetensors", true))));
    Path folder = Files.createDirectories(tmp.resolve("diffusers-vae"));
    Files.copy(TestPacks.tinySd().resolve("vae/config.json"), folder.resolve("config.json"));
    Files.copy(
        TestPacks.tinySd().resolve("vae/diffusion_pytorch_model.safetensors"),
        folder.resolve("diffusion_pytorch_model.safetensors"));
    assertArrayEquals(pixels(own), pixels(run(folder)));
    assertArrayEquals(pixels(own), pixels(run(null)), "back to the pack's own");
  }

  @Test
  void aVaeWithEightLatentChannelsIsRefusedInOneSentence() {
    Path f = tmp.resolve("wide.safetensors");
    new SafetensorsWriter()
        .putF32("post_quant_conv.weight", new long[] {8, 8, 1, 1}, new float[64])
        .putF32("decoder.conv_in.weight", new long[] {16, 8, 3, 3}, new float[16 * 8 * 9])
        .write(f);
    ModelPackException e = assertThrows(ModelPackException.class, () -> run(f));
    assertEquals(
        "The VAE wide.safetensors has 8 latent channels but "
            + model.info().name()
            + " makes 4, so it cannot decode this model's images.",
        e.getMessage());
    assertArrayEquals(pixels(run(null)), pixels(run(null)));
  }
}
