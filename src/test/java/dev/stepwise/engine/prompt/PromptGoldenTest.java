package dev.stepwise.engine.prompt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.stepwise.engine.DiffusionModel;
import dev.stepwise.engine.EngineException;
import dev.stepwise.engine.TestPacks;
import dev.stepwise.engine.tokenizer.PromptTokenizer;
import dev.stepwise.engine.tokenizer.WordLevelTokenizer;
import dev.stepwise.engine.weights.SafetensorsFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Parity with the Python reference (models/training/stepwise_train/prompt_weights.py) through
 * src/test/resources/golden/prompt-weights.safetensors (make_prompt_goldens.py; docs/goldens.md,
 * "Prompt emphasis"): parsed runs exactly, windows and weights exactly, conditioning to 1e-3.
 */
class PromptGoldenTest {
  private static final Path FILE = TestPacks.GOLDEN.resolve("prompt-weights.safetensors");

  private static JsonArray meta(SafetensorsFile g, String key) {
    return JsonParser.parseString(g.metadata().get(key)).getAsJsonArray();
  }

  private static List<PromptAttention.Run> runs(JsonArray json) {
    List<PromptAttention.Run> out = new ArrayList<>();
    for (JsonElement e : json) {
      JsonArray r = e.getAsJsonArray();
      out.add(new PromptAttention.Run(r.get(0).getAsString(), r.get(1).getAsDouble()));
    }
    return out;
  }

  @Test
  void parsedRunsEqualThePythonReferenceExactly() {
    try (SafetensorsFile g = SafetensorsFile.open(FILE)) {
      JsonArray cases = meta(g, "parse");
      assertTrue(cases.size() > 100, "hand-written and random prompts: " + cases.size());
      for (JsonElement c : cases) {
        String prompt = c.getAsJsonArray().get(0).getAsString();
        JsonElement want = c.getAsJsonArray().get(1);
        if (want.isJsonNull()) {
          assertThrows(EngineException.class, () -> PromptAttention.parse(prompt), prompt);
        } else {
          assertEquals(runs(want.getAsJsonArray()), PromptAttention.parse(prompt), prompt);
        }
      }
    }
  }

  @Test
  void windowsWeightsAndConditioningMatchThePythonReference(@TempDir Path tmp) throws Exception {
    Map<String, DiffusionModel> models = new HashMap<>();
    try (SafetensorsFile g = SafetensorsFile.open(FILE);
        NDManager manager = NDManager.newBaseManager(Device.cpu())) {
      Path commaJson = tmp.resolve("tokenizer.json");
      Files.writeString(commaJson, g.metadata().get("comma_tokenizer"));
      PromptTokenizer comma = WordLevelTokenizer.fromTokenizerJson(commaJson, 77);
      for (JsonElement e : meta(g, "cases")) {
        JsonObject c = e.getAsJsonObject();
        String name = c.get("name").getAsString();
        String prompt = c.get("prompt").getAsString();
        List<PromptAttention.Run> parsed = PromptAttention.parse(prompt);
        assertEquals(runs(c.getAsJsonArray("runs")), parsed, name);
        DiffusionModel model = null;
        PromptTokenizer tok = comma;
        if (!c.get("pack").isJsonNull()) {
          String pack = c.get("pack").getAsString();
          model =
              models.computeIfAbsent(
                  pack, p -> DiffusionModel.load(TestPacks.byName(p), Device.cpu()));
          tok = model.tokenizer();
        }
        PromptChunks chunks = PromptChunks.of(tok, parsed);
        JsonArray windows = c.getAsJsonArray("windows");
        JsonArray weights = c.getAsJsonArray("weights");
        assertEquals(windows.size(), chunks.windows().size(), name + " chunks");
        for (int i = 0; i < windows.size(); i++) {
          JsonArray w = windows.get(i).getAsJsonArray();
          JsonArray m = weights.get(i).getAsJsonArray();
          int[] ids = new int[w.size()];
          float[] mults = new float[m.size()];
          for (int j = 0; j < ids.length; j++) {
            ids[j] = w.get(j).getAsInt();
            mults[j] = (float) m.get(j).getAsDouble();
          }
          assertArrayEquals(ids, chunks.windows().get(i), name + " window " + i);
          assertArrayEquals(mults, chunks.weights().get(i), name + " weights " + i);
        }
        if (model != null) {
          NDArray z = model.encodeText(prompt, "prompt", manager, new ArrayList<>()); // [1, L, D]
          checkConditioning(g, name, z);
        }
      }
    } finally {
      models.values().forEach(DiffusionModel::close);
    }
  }

  private static void checkConditioning(SafetensorsFile g, String name, NDArray z) {
    if (g.names().contains(name + ".z")) {
      assertArrayEquals(g.shape(name + ".z"), z.getShape().getShape(), name);
      double e = TestPacks.relErr(z.toFloatArray(), g.readFloats(name + ".z"));
      assertTrue(e <= 1e-3, name + " conditioning rel err " + e);
      return;
    }
    long[] rowsShape = g.shape(name + ".rows"); // [1, L]
    assertEquals(rowsShape[1], z.getShape().get(1), name + " tokens");
    float[] rows = z.sum(new int[] {2}).toFloatArray(); // [1, L]
    float[] head = z.get(":, :, 0:4").toFloatArray(); // [1, L, 4]
    double e1 = TestPacks.relErr(rows, g.readFloats(name + ".rows"));
    double e2 = TestPacks.relErr(head, g.readFloats(name + ".head"));
    assertTrue(e1 <= 1e-3 && e2 <= 1e-3, name + " rel err rows " + e1 + ", head " + e2);
  }

  @Test
  void theGoldenStaysSmall() throws Exception {
    assertTrue(Files.size(FILE) < 64 * 1024, "golden size " + Files.size(FILE));
  }
}
