package dev.stepwise.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stepwise.engine.tokenizer.PromptTokenizer;
import dev.stepwise.engine.tokenizer.Tokenizers;
import dev.stepwise.engine.weights.SafetensorsFile;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The built-in pack's WordLevel tokenizer gives the PyTorch pipeline's ids for every evaluation
 * caption (goldens from models/training/make_pack_goldens.py, key tokenizer.eval_ids).
 */
class BuiltInTokenizerGoldenTest {

  @Test
  void evalCaptionIdsMatchPyTorch() {
    Path pack = TestPacks.builtIn();
    try (SafetensorsFile gold =
        SafetensorsFile.open(TestPacks.GOLDEN.resolve("stepwise-emoji.safetensors"))) {
      List<String> captions = List.of(gold.metadata().get("tokenizer.captions").split("\n"));
      long[] shape = gold.shape("tokenizer.eval_ids"); // [N, L]
      assertEquals(captions.size(), shape[0], "one id row per caption");
      assertTrue(captions.size() >= 50, "the evaluation list has " + captions.size() + " captions");
      int length = (int) shape[1];
      float[] ids = gold.readFloats("tokenizer.eval_ids"); // [N, L]
      PromptTokenizer tok = Tokenizers.load(pack.resolve("tokenizer"), length);
      for (int i = 0; i < captions.size(); i++) {
        int[] want = new int[length];
        for (int j = 0; j < length; j++) {
          want[j] = Math.round(ids[i * length + j]);
        }
        var got = tok.encode(captions.get(i));
        assertArrayEquals(want, got.ids(), "ids of \"" + captions.get(i) + "\"");
        assertEquals(
            List.of(), List.copyOf(got.unknownWords()), "every eval word is in the vocabulary");
      }
    }
  }
}
