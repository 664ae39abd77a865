package dev.stepwise.metadata;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The corpus's A1111-text files read as AUTOMATIC1111's own parser reads them: a1111-reference.json
 * comes from a port of its parse_generation_parameters (metadata-corpus/make_a1111_reference.py).
 */
class A1111ReferenceTest {
  static JsonObject reference() throws IOException {
    return MetadataCorpus.json("a1111-reference.json");
  }

  static Stream<String> files() throws IOException {
    return reference().keySet().stream();
  }

  @ParameterizedTest
  @MethodSource("files")
  void promptsAndKeysAreWhatA1111Reads(String file) throws IOException {
    JsonObject want = reference().getAsJsonObject(file);
    Map<String, String> chunks = ForeignParameters.readText(MetadataCorpus.file(file));
    String text =
        chunks.containsKey("parameters") ? chunks.get("parameters") : chunks.get(ExifComment.KEY);
    GenerationParameters p = InfoText.parse(text);
    assertEquals(want.get("prompt").getAsString(), p.prompt(), file);
    assertEquals(want.get("negative").getAsString(), p.negativePrompt(), file);
    Map<String, String> pairs = new LinkedHashMap<>();
    for (Map.Entry<String, JsonElement> e : want.getAsJsonObject("pairs").entrySet()) {
      pairs.put(e.getKey(), e.getValue().getAsString());
    }
    assertEquals(pairs, InfoText.values(text), file);
  }
}
