package dev.stepwise.metadata;

import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every reader given what an attacker or a broken tool writes: deep nesting, 10 MB values, values
 * of the wrong kind, cyclic and oversized ComfyUI graphs, damaged Exif blocks. Each gives a recipe
 * or one sentence, within a bound that only a hang would pass.
 */
@Tag("hostile")
class ForeignParametersHostileTest {
  private static final List<String> KEYS =
      List.of(
          ("parameters parameters-json invokeai_metadata sd-metadata Dream Comment prompt workflow "
                  + XmpParameters.KEY
                  + " "
                  + ExifComment.KEY)
              .split(" "));

  static Stream<Arguments> cases() {
    String cyclic =
        ForeignParametersTest.q(
            "{'1': {'class_type': 'KSampler', 'inputs': {'latent_image': ['1', 0], 'positive':"
                + " ['2', 0], 'negative': 5, 'seed': ['1', 0], 'steps': ['2', 0], 'cfg': ['3', 0],"
                + " 'model': ['2', 0], 'sampler_name': ['2', 0]}}, '2': {'class_type': 'X',"
                + " 'inputs': {'a': ['1', 0], 'model': ['2', 0], 'text': ['3', 0]}}, '3':"
                + " {'class_type': 'Y', 'inputs': {'string_a': ['3', 0], 'string_b': ['2', 0],"
                + " 'value': ['3', 0]}}}");
    StringBuilder chain =
        new StringBuilder(
            "{'0': {'class_type': 'K', 'inputs': {'latent_image': ['0', 0], 'positive': ['1',"
                + " 0]}}");
    StringBuilder big = new StringBuilder("{'0': {'class_type': 'K', 'inputs': {}}");
    for (int i = 1; i < 20_000; i++) {
      String n = ", '" + i + "': {'class_type': 'C', 'inputs': {";
      chain.append(i < 9000 ? n + "'c': ['" + (i + 1) + "', 0], 'd': ['" + i / 2 + "', 0]}}" : "");
      big.append(n + "}}");
    }
    chain.append("}");
    big.append("}");
    List<String> payloads =
        List.of(
            "{\"a\":" + "[".repeat(200_000) + "]".repeat(200_000) + "}",
            "{\"a\":".repeat(100_000) + "1" + "}".repeat(100_000),
            "{\"prompt\": \"" + "x".repeat(10 << 20) + "\", \"steps\": 20, \"c\": \"y\"}",
            "y ".repeat(5 << 20),
            "\"" + "z".repeat(10 << 20),
            "{\"prompt\": 5, \"negative_prompt\": [], \"steps\": \"many\", \"seed\": {\"a\": 1},"
                + " \"cfg_scale\": true, \"width\": -3, \"height\": 1e400, \"sampler\": 7,"
                + " \"resolution\": \"big\", \"model\": [1], \"sui_image_params\": 3, \"image\":"
                + " [], \"c\": 1, \"clip_skip\": 1e30, \"Comment\": 4}",
            "{\"sui_image_params\": {\"prompt\": [], \"seed\": 99999999999999999999999, \"steps\":"
                + " 0.5}}",
            "{\"image\": {\"prompt\": [{\"weight\": 1}, 3], \"steps\": -1}}",
            cyclic,
            ForeignParametersTest.q(chain.toString()),
            ForeignParametersTest.q(big.toString()),
            "{\"nodes\": [1, {\"id\": [], \"type\": 5}, {\"id\": 1, \"type\": \"KSampler\","
                + " \"widgets_values\": \"x\", \"inputs\": 7}, {\"id\": 2, \"type\": \"KSampler\","
                + " \"widgets_values\": [null, null], \"inputs\": [{\"name\": \"latent_image\","
                + " \"link\": 1}, {\"name\": \"positive\", \"link\": 1}]}], \"links\": [[1],"
                + " {\"id\": {}}, [1, 2, 0, 2, 0]]}",
            "<exif:UserComment><rdf:li>{&quot;c&quot;: &#99999999999; &#x110000;",
            "\"[a [b [c\" -s -S x -W 1e9 -H -3 -C nan -A",
            "prompt\nSteps: 1e99, Sampler: , CFG scale: inf, Seed: 1x, Size: 0x0");
    List<Arguments> out = new ArrayList<>();
    for (String k : KEYS) {
      for (String p : payloads) {
        out.add(Arguments.of(k, p));
      }
    }
    return out.stream();
  }

  @ParameterizedTest(name = "{0} #{index}")
  @MethodSource("cases")
  void everyReaderGivesARecipeOrOneSentence(String key, String payload) {
    Map<String, String> text = new HashMap<>();
    text.put(key, payload);
    if (key.equals("Comment")) {
      text.put("Software", "NovelAI");
    }
    assertTimeoutPreemptively(Duration.ofSeconds(60), () -> readOrSentence(text));
  }

  static void readOrSentence(Map<String, String> text) {
    try {
      ParametersRead r = ForeignParameters.read(text);
      for (String n : r.notices()) {
        assertOneSentence(n);
      }
    } catch (MetadataException e) {
      assertOneSentence(e.getMessage());
    }
  }

  static void assertOneSentence(String s) {
    assertTrue(s.endsWith(".") && !s.contains("\n") && s.length() < 700, s);
  }

  @Test
  void mutatedCorpusTextsGiveARecipeOrOneSentence() throws Exception {
    List<Map<String, String>> texts = new ArrayList<>();
    for (String f : MetadataCorpus.images()) {
      texts.add(ForeignParameters.readText(MetadataCorpus.file(f)));
    }
    Random r = new Random(17);
    assertTimeoutPreemptively(
        Duration.ofSeconds(120),
        () -> {
          for (int i = 0; i < 4000; i++) {
            Map<String, String> t = new HashMap<>(texts.get(i % texts.size()));
            for (Map.Entry<String, String> e : t.entrySet()) {
              StringBuilder v = new StringBuilder(e.getValue());
              for (int k = r.nextInt(4); k >= 0 && v.length() > 0; k--) {
                int at = r.nextInt(v.length());
                v.setCharAt(at, "{}[]\",:0 -x\\\n".charAt(r.nextInt(13)));
              }
              if (r.nextInt(3) == 0) {
                v.setLength(r.nextInt(v.length() + 1));
              }
              e.setValue(v.toString());
            }
            readOrSentence(t);
          }
        });
  }

  @Test
  void damagedJpegAndWebpFilesGiveOneSentence(@TempDir Path dir) throws Exception {
    Random r = new Random(5);
    for (String name : List.of("civitai.jpg", "swarmui.webp")) {
      byte[] good = Files.readAllBytes(MetadataCorpus.file(name));
      for (int i = 0; i < 1500; i++) {
        byte[] bad = good.clone();
        for (int k = r.nextInt(6); k >= 0; k--) {
          bad[12 + r.nextInt(bad.length - 12)] = (byte) r.nextInt(256);
        }
        if (r.nextInt(4) == 0) {
          bad = java.util.Arrays.copyOf(bad, 12 + r.nextInt(bad.length - 12));
        }
        Path f = dir.resolve("m" + name);
        Files.write(f, bad);
        assertTimeoutPreemptively(
            Duration.ofSeconds(20),
            () -> {
              try {
                readOrSentence(ForeignParameters.readText(f));
              } catch (MetadataException e) {
                assertOneSentence(e.getMessage());
              }
            });
      }
    }
  }
}
