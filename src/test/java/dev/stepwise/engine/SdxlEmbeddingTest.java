package dev.stepwise.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.stepwise.engine.lora.LoraTargets.Part;
import dev.stepwise.engine.prompt.Embedding;
import dev.stepwise.engine.prompt.Embeddings;
import dev.stepwise.engine.weights.SafetensorsWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SDXL textual-inversion embeddings ({@code clip_l} [n, 768] and {@code clip_g} [n, 1280] on real
 * SDXL; [n, 16] and [n, 24] on tiny-sdxl): each encoder takes its own rows in place of the name's
 * tokens. The oracle: an embedding whose rows are the token embeddings of "red" and "cat" gives the
 * same conditioning, bit for bit, as the words "red cat".
 */
class SdxlEmbeddingTest {
  private static final String TOKENS = "text_model.embeddings.token_embedding.weight";
  private static DiffusionModel model;
  private static float[] rows1; // [V, D1], encoder 1's token embedding
  private static float[] rows2; // [V, D2], encoder 2's
  private static int d1;
  private static int d2;

  @TempDir static Path tmp;

  @BeforeAll
  static void load() {
    model = DiffusionModel.load(TestPacks.byName("tiny-sdxl"), Device.cpu());
    NDArray t1 = model.loraTargets().weight(Part.TEXT_ENCODER, TOKENS); // [V, D1]
    NDArray t2 = model.loraTargets().weight(Part.TEXT_ENCODER_2, TOKENS); // [V, D2]
    d1 = (int) t1.getShape().get(1);
    d2 = (int) t2.getShape().get(1);
    rows1 = t1.toFloatArray();
    rows2 = t2.toFloatArray();
  }

  @AfterAll
  static void close() {
    if (model != null) {
      model.close();
    }
  }

  /** The token embedding rows [words, d] of {@code words} from {@code table} [V, d]. */
  private static float[] rows(float[] table, int d, String... words) {
    float[] out = new float[words.length * d];
    for (int i = 0; i < words.length; i++) {
      int id = model.tokenizer().encode(words[i]).ids()[1]; // after the start token
      System.arraycopy(table, id * d, out, i * d, d);
    }
    return out;
  }

  private static void write(Path dir, String name, float[] l, long n, float[] g, long n2) {
    new SafetensorsWriter()
        .putF32("clip_l", new long[] {n, l.length / n}, l)
        .putF32("clip_g", new long[] {n2, g.length / n2}, g)
        .write(dir.resolve(name + ".safetensors"));
  }

  private static float[][] encode(String prompt, Embeddings e, Set<Embedding> used) {
    try (NDManager job = model.newJobManager()) {
      SdxlText.Encoded z = model.sdxl().encode(prompt, "prompt", e, used, job, new ArrayList<>());
      return new float[][] {z.context().toFloatArray(), z.pooled().toFloatArray()};
    }
  }

  /** Columns [from, to) of every row of a context [1, L, D1 + D2]. */
  private static float[] columns(float[] context, int from, int to) {
    int width = d1 + d2;
    int rows = context.length / width;
    float[] out = new float[rows * (to - from)];
    for (int r = 0; r < rows; r++) {
      System.arraycopy(context, r * width + from, out, r * (to - from), to - from);
    }
    return out;
  }

  @Test
  void eachEncoderTakesItsOwnRowsInPlaceOfTheName() throws IOException {
    Path dir = Files.createDirectories(tmp.resolve("embeddings"));
    write(dir, "zorb", rows(rows1, d1, "red", "cat"), 2, rows(rows2, d2, "red", "cat"), 2);
    // clip_g in the other order: only the second encoder's half must follow it.
    write(dir, "zarb", rows(rows1, d1, "red", "cat"), 2, rows(rows2, d2, "cat", "red"), 2);
    new SafetensorsWriter()
        .putF32("emb_params", new long[] {1, d1}, new float[d1])
        .write(dir.resolve("sdone.safetensors"));
    write(dir, "uneven", new float[d1], 1, new float[2 * d2], 2);
    List<String> notes = new ArrayList<>();
    Embeddings all = model.embeddings(dir, notes);
    assertEquals(List.of("zarb", "zorb"), all.all().stream().map(Embedding::name).toList());
    assertEquals(2, notes.size(), notes.toString());
    assertTrue(
        notes.stream().anyMatch(n -> n.startsWith("The embedding sdone was skipped: its vectors")),
        notes.toString());
    assertTrue(notes.stream().anyMatch(n -> n.contains("uneven.safetensors was skipped")));
    notes.forEach(n -> assertTrue(n.endsWith("."), n));

    Set<Embedding> used = new LinkedHashSet<>();
    float[][] named = encode("(a zorb emoji:1.1)", all, used);
    float[][] words = encode("(a red cat emoji:1.1)", Embeddings.none(), new LinkedHashSet<>());
    assertEquals(List.of("zorb"), used.stream().map(Embedding::name).toList());
    assertArrayEquals(words[0], named[0], "the context equals the words' bit for bit");
    assertArrayEquals(words[1], named[1], "the pooled embedding too");
    // A plain prompt naming it is read as A1111 reads it; it equals the plain words to rounding.
    float[] plain = encode("a red cat emoji", Embeddings.none(), new LinkedHashSet<>())[0];
    assertTrue(TestPacks.relErr(encode("a zorb emoji", all, used)[0], plain) <= 1e-6);

    float[][] swapped = encode("(a zarb emoji:1.1)", all, used);
    float[][] reversed = encode("(a cat red emoji:1.1)", Embeddings.none(), new LinkedHashSet<>());
    assertArrayEquals(columns(words[0], 0, d1), columns(swapped[0], 0, d1), "clip_l: red cat");
    assertArrayEquals(
        columns(reversed[0], d1, d1 + d2), columns(swapped[0], d1, d1 + d2), "clip_g: cat red");
    assertFalse(Arrays.equals(words[0], swapped[0]));
  }

  @Test
  void aRunRecordsTiHashesAndAnSdModelSkipsTheSdxlFile() throws IOException {
    Path dir = Files.createDirectories(tmp.resolve("run"));
    write(dir, "zorb", rows(rows1, d1, "red", "cat"), 2, rows(rows2, d2, "red", "cat"), 2);
    GenerationRequest.Builder b =
        GenerationRequest.builder().steps(2).guidance(5).seed(3).embeddings(dir);
    GeneratedImage named = image(b.prompt("a zorb emoji").build());
    assertTrue(named.parameters().get("TI hashes").matches("zorb: [0-9a-f]{12}"));
    assertArrayEquals(
        image(b.prompt("(a red cat emoji:1.1)").build()).image().rgb(),
        image(b.prompt("(a zorb emoji:1.1)").build()).image().rgb());
    try (DiffusionModel sd = DiffusionModel.load(TestPacks.tinySd(), Device.cpu())) {
      List<String> notes = new ArrayList<>();
      assertTrue(sd.embeddings(dir, notes).isEmpty());
      assertEquals(1, notes.size(), notes.toString());
      assertTrue(notes.get(0).startsWith("The embedding zorb was skipped: it is an SDXL"));
    }
  }

  private static GeneratedImage image(GenerationRequest r) {
    return new Pipeline(model)
        .run(r, new GenerationListener() {}, new CancellationToken())
        .images()
        .get(0);
  }
}
