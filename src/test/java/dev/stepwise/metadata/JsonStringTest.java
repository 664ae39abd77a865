package dev.stepwise.metadata;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.Random;
import org.junit.jupiter.api.Test;

class JsonStringTest {
  @Test
  void quotesLikePythonJsonDumpsWithoutAsciiEscaping() {
    // Expected strings are what json.dumps(text, ensure_ascii=False) prints.
    assertEquals("\"a, b\"", JsonString.quote("a, b"));
    assertEquals("\"say \\\"hi\\\"\"", JsonString.quote("say \"hi\""));
    assertEquals("\"back\\\\slash\"", JsonString.quote("back\\slash"));
    assertEquals("\"l1\\nl2\\r\\t\"", JsonString.quote("l1\nl2\r\t"));
    assertEquals("\"\\u0001\\u001f\"", JsonString.quote("\u0001\u001f"));
    assertEquals("\"café 猫 😀\"", JsonString.quote("café 猫 😀"));
  }

  @Test
  void unquoteAcceptsAllJsonEscapes() {
    assertEquals("a/\"\\\b\f\n\r\t", JsonString.unquote("\"a\\/\\\"\\\\\\b\\f\\n\\r\\t\""));
    assertEquals("é😀", JsonString.unquote("\"\\u00e9\\ud83d\\ude00\""));
    assertEquals("", JsonString.unquote("\"\""));
  }

  @Test
  void unquoteRefusesWhatJsonLoadsRefuses() {
    assertNull(JsonString.unquote("\""));
    assertNull(JsonString.unquote("\"a\"b\""));
    assertNull(JsonString.unquote("\"bad \\x escape\""));
    assertNull(JsonString.unquote("\"trailing\\\""));
    assertNull(JsonString.unquote("\"raw\nnewline\""));
    assertNull(JsonString.unquote("\"\\u12g4\""));
    assertNull(JsonString.unquote("no quotes"));
  }

  @Test
  void randomTextsRoundTrip() {
    Random r = new Random(7);
    String alphabet = "ab,:\"\\\n\r\t\u0001 é猫😀";
    for (int i = 0; i < 2000; i++) {
      StringBuilder sb = new StringBuilder();
      int len = r.nextInt(12);
      for (int k = 0; k < len; k++) {
        sb.appendCodePoint(
            alphabet.codePointAt(
                alphabet.offsetByCodePoints(
                    0, r.nextInt(alphabet.codePointCount(0, alphabet.length())))));
      }
      String s = sb.toString();
      assertEquals(s, JsonString.unquote(JsonString.quote(s)), () -> "text " + s);
    }
  }
}
