package dev.stepwise.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A1111 prompt syntax through {@link DiffusionModel#encodeText} and {@link Pipeline}: the built-in
 * pack's 20-token window (one window) and tiny-sd2's 77-token window (75-token chunks).
 */
class PromptEmphasisTest {

  private static float[] encode(DiffusionModel model, NDManager m, String prompt, List<String> n) {
    return model.encodeText(prompt, "prompt", m, n).toFloatArray();
  }

  @Test
  void weightOneAndPlainPromptsGiveBitIdenticalConditioningOnTheBuiltInPack() {
    try (DiffusionModel model = DiffusionModel.load(TestPacks.builtIn(), Device.cpu());
        NDManager m = model.newJobManager()) {
      List<String> notes = new ArrayList<>();
      float[] plain = encode(model, m, "a red heart face", notes);
      assertArrayEquals(plain, encode(model, m, "a (red:1.0) heart face", notes));
      assertArrayEquals(plain, encode(model, m, "(a red heart face:1.0)", notes));
      assertArrayEquals(plain, encode(model, m, "a ((red:1.0):1.0) (heart:1.0) face", notes));
      assertEquals(List.of(), notes);
    }
  }

  @Test
  void aWeightOf1Point3ScalesItsTokenAndKeepsTheMeanOnTheBuiltInPack() {
    try (DiffusionModel model = DiffusionModel.load(TestPacks.builtIn(), Device.cpu());
        NDManager m = model.newJobManager()) {
      List<String> notes = new ArrayList<>();
      NDArray plainArray = model.encodeText("a red heart face", "prompt", m, notes); // [1, L, D]
      int l = (int) plainArray.getShape().get(1);
      int d = (int) plainArray.getShape().get(2);
      float[] plain = plainArray.toFloatArray();
      float[] weighted = encode(model, m, "a (red:1.3) heart face", notes);
      assertEquals(plain.length, weighted.length, "one window, no chunking");
      assertFalse(Arrays.equals(plain, weighted));
      int red = model.tokenizer().contentOffset() + 1; // BOS, "a", "red"
      double sum = 0;
      double weightedSum = 0;
      for (int i = 0; i < plain.length; i++) {
        sum += plain[i];
        weightedSum += plain[i] * (i / d == red ? 1.3 : 1.0);
      }
      double ratio = sum / weightedSum; // A1111: mean(z) / mean(z * w)
      double after = 0;
      for (int i = 0; i < plain.length; i++) {
        double want = plain[i] * (i / d == red ? 1.3 : 1.0) * ratio;
        assertEquals(want, weighted[i], 1e-4 * (1 + Math.abs(want)), "element " + i);
        after += weighted[i];
      }
      assertEquals(sum / (l * d), after / (l * d), 1e-5, "the mean is kept");
    }
  }

  @Test
  void breakAndLongPromptsConcatenateChunksOnA77TokenWindow() {
    try (DiffusionModel model = DiffusionModel.load(TestPacks.tinySd2(), Device.cpu());
        NDManager m = model.newJobManager()) {
      List<String> notes = new ArrayList<>();
      NDArray one = model.encodeText("a red heart", "prompt", m, notes); // [1, 77, D]
      NDArray two = model.encodeText("a red heart BREAK green tree", "prompt", m, notes);
      NDArray green = model.encodeText("green tree", "prompt", m, notes); // [1, 77, D]
      long dim = one.getShape().get(2);
      assertArrayEquals(new long[] {1, 77, dim}, one.getShape().getShape());
      assertArrayEquals(new long[] {1, 154, dim}, two.getShape().getShape());
      assertArrayEquals(one.toFloatArray(), two.get(":, 0:77, :").toFloatArray());
      assertArrayEquals(green.toFloatArray(), two.get(":, 77:154, :").toFloatArray());
      String longPrompt = String.join(" ", Collections.nCopies(100, "red"));
      NDArray longOne = model.encodeText(longPrompt, "prompt", m, notes);
      assertArrayEquals(new long[] {1, 154, dim}, longOne.getShape().getShape());
      assertEquals(List.of(), notes, "nothing is cut on a chunked window");
    }
  }

  @Test
  void aShortWindowCutsWithANotice() {
    try (DiffusionModel model = DiffusionModel.load(TestPacks.builtIn(), Device.cpu());
        NDManager m = model.newJobManager()) {
      List<String> notes = new ArrayList<>();
      String prompt = "(red:1.2) BREAK " + "heart ".repeat(30);
      NDArray z = model.encodeText(prompt, "prompt", m, notes);
      assertEquals(model.tokenizer().maxLength(), z.getShape().get(1));
      assertTrue(notes.stream().anyMatch(s -> s.contains("were left out")), notes.toString());
      assertTrue(
          notes.stream().anyMatch(s -> s.startsWith("BREAK in the prompt")), notes.toString());
      notes.forEach(s -> assertTrue(s.endsWith("."), s));
    }
  }

  @Test
  void promptAndNegativePromptOfDifferentLengthsAreEvaluatedApart() {
    try (DiffusionModel model = DiffusionModel.load(TestPacks.tinySd2(), Device.cpu())) {
      Pipeline pipeline = new Pipeline(model);
      GenerationRequest.Builder base =
          GenerationRequest.builder().prompt("a red heart").negativePrompt("blue").steps(2);
      byte[] oneChunk = run(pipeline, base.guidance(3).seed(5).build());
      byte[] twoChunks =
          run(pipeline, base.prompt("a red heart BREAK green tree").guidance(3).seed(5).build());
      assertFalse(Arrays.equals(oneChunk, twoChunks), "the second chunk conditions the image");
      byte[] again =
          run(pipeline, base.prompt("a red heart BREAK green tree").guidance(3).seed(5).build());
      assertArrayEquals(twoChunks, again);
    }
  }

  private static byte[] run(Pipeline p, GenerationRequest r) {
    return p.run(r, new GenerationListener() {}, new CancellationToken())
        .images()
        .get(0)
        .image()
        .rgb();
  }
}
