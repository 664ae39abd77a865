package dev.stepwise.metadata;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class ParamLineTest {
  /** A1111's regex from modules/infotext_utils.py, run by java.util.regex: the naive twin. */
  private static final Pattern A1111 =
      Pattern.compile(
          "\\s*(\\w[\\w \\-/]+):\\s*(\"(?:\\\\.|[^\\\\\"])+\"|[^,]*)(?:,|$)",
          Pattern.UNICODE_CHARACTER_CLASS | Pattern.UNIX_LINES);

  private static List<String> regex(String line) {
    List<String> out = new ArrayList<>();
    Matcher m = A1111.matcher(line);
    while (m.find()) {
      out.add(m.group(1) + "=" + m.group(2));
    }
    return out;
  }

  private static List<String> scan(String line) {
    List<String> out = new ArrayList<>();
    for (String[] kv : ParamLine.findAll(line)) {
      out.add(kv[0] + "=" + kv[1]);
    }
    return out;
  }

  @Test
  void typicalLine() {
    assertEquals(
        List.of("Steps=20", "Sampler=Euler a", "Model=\"a, b\"", "Size=512x512"),
        scan("Steps: 20, Sampler: Euler a, Model: \"a, b\", Size: 512x512"));
  }

  @Test
  void matchesTheRegexOnRandomLines() {
    Random r = new Random(42);
    String alphabet = "ab_1 \t,:\"\\-/é.";
    for (int i = 0; i < 20000; i++) {
      StringBuilder sb = new StringBuilder();
      int len = r.nextInt(24);
      for (int k = 0; k < len; k++) {
        sb.append(alphabet.charAt(r.nextInt(alphabet.length())));
      }
      String line = sb.toString();
      assertEquals(regex(line), scan(line), () -> "line [" + line + "]");
    }
  }

  @Test
  void matchesTheRegexOnStructuredLines() {
    Random r = new Random(3);
    String[] parts = {
      "Key a",
      "K",
      "x-y/z",
      " ",
      ": ",
      ":",
      ", ",
      ",",
      "\"q, r\"",
      "\"",
      "\\\"",
      "7.5",
      "a:b",
      "\"x\"y"
    };
    for (int i = 0; i < 20000; i++) {
      StringBuilder sb = new StringBuilder();
      int len = r.nextInt(10);
      for (int k = 0; k < len; k++) {
        sb.append(parts[r.nextInt(parts.length)]);
      }
      String line = sb.toString();
      assertEquals(regex(line), scan(line), () -> "line [" + line + "]");
    }
  }

  @Test
  void longLineWithoutColonsDoesNotHang() {
    // The regex needs quadratic time here (about 10^10 steps); the scan is linear.
    String line = "word ".repeat(200_000);
    List<String[]> found =
        assertTimeoutPreemptively(Duration.ofSeconds(20), () -> ParamLine.findAll(line));
    assertEquals(0, found.size());
  }

  @Test
  void longLineOfUnclosedQuotesDoesNotHang() {
    String line = "k: \"\\\", ".repeat(100_000);
    List<String[]> found =
        assertTimeoutPreemptively(Duration.ofSeconds(20), () -> ParamLine.findAll(line));
    assertEquals(regex("k: \"\\\", k: \"\\\", ").size() * 50_000, found.size());
  }

  @Test
  void stripUsesPythonWhitespace() {
    assertEquals("a b", ParamLine.strip("\u00a0\t a b \u3000\u0085"));
  }
}
