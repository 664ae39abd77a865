package dev.stepwise.metadata;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
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
  private static final Path CORPUS = Path.of("src/test/resources/metadata-corpus");

  static JsonObject reference() throws IOException {
    return JsonParser.parseString(
            Files.readString(CORPUS.resolve("a1111-reference.json"), StandardCharsets.UTF_8))
        .getAsJsonObject();
  }

  static Stream<String> files() throws IOException {
    return reference().keySet().stream();
  }

  @ParameterizedTest
  @MethodSource("files")
  void promptsAndKeysAreWhatA1111Reads(String file) throws IOException {
    JsonObject want = reference().getAsJsonObject(file);
    Map<String, String> chunks = ForeignParameters.readText(CORPUS.resolve(file));
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
