package dev.stepwise.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonParser;
import dev.stepwise.engine.weights.SafetensorsFile;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * SDXL prompts read as A1111 reads them (issue 21): emphasis weights both encoders' penultimate
 * states per chunk with each encoder's mean restored, BREAK on a short window has no effect (a
 * notice), the pooled embedding is unweighted. Against the PyTorch reference,
 * src/test/resources/golden/sdxl-prompt-weights.safetensors (make_prompt_goldens.py), to 1e-3.
 */
class SdxlPromptGoldenTest {
  private static final Path FILE =
      Path.of("src/test/resources/golden/sdxl-prompt-weights.safetensors");

  @Test
  void weightedSdxlPromptsMatchTheReference() throws Exception {
    try (SafetensorsFile g = SafetensorsFile.open(FILE);
        DiffusionModel m = DiffusionModel.load(TestPacks.byName("tiny-sdxl"), Device.cpu());
        NDManager job = NDManager.newBaseManager()) {
      JsonArray cases = JsonParser.parseString(g.metadata().get("cases")).getAsJsonArray();
      assertEquals(1, cases.size());
      for (JsonElement e : cases) {
        String name = e.getAsJsonObject().get("name").getAsString();
        String prompt = e.getAsJsonObject().get("prompt").getAsString();
        List<String> notices = new ArrayList<>();
        SdxlText.Encoded enc = m.sdxl().encode(prompt, "prompt", job, notices);
        double ez = TestPacks.relErr(enc.context().toFloatArray(), g.readFloats(name + ".z"));
        double ep = TestPacks.relErr(enc.pooled().toFloatArray(), g.readFloats(name + ".pooled"));
        assertTrue(ez <= 1e-3 && ep <= 1e-3, name + ": rel err " + ez + ", pooled " + ep);
        assertTrue(notices.isEmpty(), notices.toString());
        // On a 16-token window BREAK has no effect but a notice, as for SD 1.x.
        List<String> said = new ArrayList<>();
        NDArray broken =
            m.sdxl().encode(prompt.replace("heart", "heart BREAK"), "prompt", job, said).context();
        assertTrue(TestPacks.relErr(broken.toFloatArray(), enc.context().toFloatArray()) == 0);
        assertTrue(said.size() == 1 && said.get(0).startsWith("BREAK in the prompt"), "" + said);
        // Weighting changed the context: the same words at weight 1 give another one.
        NDArray plain = m.sdxl().encode(words(e), "prompt", job, new ArrayList<>()).context();
        assertFalse(TestPacks.relErr(plain.toFloatArray(), g.readFloats(name + ".z")) <= 1e-3);
        assertTrue(TestPacks.relErr(enc.pooled().toFloatArray(), pooledOf(m, e, job)) <= 1e-6);
      }
    }
  }

  /** The case's words without brackets, weights or BREAK. */
  private static String words(JsonElement e) {
    StringBuilder b = new StringBuilder();
    for (JsonElement run : e.getAsJsonObject().getAsJsonArray("runs")) {
      String text = run.getAsJsonArray().get(0).getAsString();
      b.append(text.equals("BREAK") ? " " : text);
    }
    return b.toString().replaceAll("\\s+", " ").trim();
  }

  /** The pooled embedding of the plain words: emphasis leaves it alone. */
  private static float[] pooledOf(DiffusionModel m, JsonElement e, NDManager job) {
    return m.sdxl().encode(words(e), "prompt", job, new ArrayList<>()).pooled().toFloatArray();
  }
}
