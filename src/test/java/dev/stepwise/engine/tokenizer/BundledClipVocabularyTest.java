package dev.stepwise.engine.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The bundled CLIP merges (resources README.md) are CLIP's, byte for byte. */
class BundledClipVocabularyTest {

  @Test
  void rebuiltMergesTxtHasTheReadmesHash() throws Exception {
    List<String[]> merges = BundledClipMerges.read();
    assertEquals(48_894, merges.size());
    StringBuilder text = new StringBuilder("#version: 0.2\n");
    for (String[] m : merges) {
      text.append(m[0]).append(' ').append(m[1]).append('\n');
    }
    byte[] hash =
        MessageDigest.getInstance("SHA-256")
            .digest(text.toString().getBytes(StandardCharsets.UTF_8));
    assertEquals(
        "9fd691f7c8039210e0fced15865466c65820d09b63988b0174bfe25de299051a",
        HexFormat.of().formatHex(hash));
  }

  @Test
  void encodesTheKnownPrompts() {
    ClipBpeTokenizer t = ClipBpeTokenizer.bundled(77);
    assertEquals(49_408, t.vocabularySize());
    assertArrayEquals(
        new int[] {49406, 320, 1125, 539, 320, 2368, 49407},
        t.encode("a photo of a cat").tokenIds());
    assertArrayEquals(
        new int[] {49406, 3306, 267, 1002, 256, 49407}, t.encode("Hello, world!").tokenIds());
    assertEquals(49407, t.padId());
    assertEquals(0, t.withPadToken("!").padId()); // SD 2.x
  }
}
