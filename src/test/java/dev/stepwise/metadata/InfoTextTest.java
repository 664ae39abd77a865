package dev.stepwise.metadata;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class InfoTextTest {
  /** The example from A1111's parse_generation_parameters docstring. */
  static final String A1111_EXAMPLE =
      "girl with an artist's beret, determined, blue eyes, desert scene, computer monitors, heavy"
          + " makeup, by Alphonse Mucha and Charlie Bowater, ((eyeshadow)), (coquettish), detailed,"
          + " intricate\n"
          + "Negative prompt: ugly, fat, obese, chubby, (((deformed))), [blurry], bad anatomy,"
          + " disfigured, poorly drawn face, mutation, mutated, (extra_limb), (ugly), (poorly drawn"
          + " hands), messy drawing\n"
          + "Steps: 20, Sampler: Euler a, CFG scale: 7, Seed: 965400086, Size: 512x512, Model hash:"
          + " 45dee52b";

  static GenerationParameters params(String prompt, String negative, Map<String, String> extras) {
    return new GenerationParameters(
        prompt,
        negative,
        20,
        "DPM++ 2M",
        "Karras",
        7.0,
        42L,
        512,
        768,
        "abcdef0123",
        "v1-5-pruned-emaonly",
        "Stepwise 0.1.0",
        extras);
  }

  @Test
  void parsesTheA1111Example() {
    GenerationParameters p = InfoText.parse(A1111_EXAMPLE);
    assertTrue(p.prompt().startsWith("girl with an artist's beret, determined"));
    assertTrue(p.prompt().endsWith("detailed, intricate"));
    assertTrue(p.negativePrompt().startsWith("ugly, fat, obese"));
    assertTrue(p.negativePrompt().endsWith("messy drawing"));
    assertEquals(20, p.steps());
    assertEquals("Euler a", p.sampler());
    assertNull(p.scheduleType());
    assertEquals(7.0, p.guidance());
    assertEquals(965400086L, p.seed());
    assertEquals(512, p.width());
    assertEquals(512, p.height());
    assertEquals("45dee52b", p.modelHash());
    assertNull(p.modelName());
    assertNull(p.version());
    assertTrue(p.extras().isEmpty());
    assertEquals(A1111_EXAMPLE, InfoText.format(p));
  }

  @Test
  void formatsInA1111KeyOrder() {
    Map<String, String> extras = new LinkedHashMap<>();
    extras.put("Eta", "0.67");
    extras.put("Clip skip", "2");
    extras.put("Face restoration", "CodeFormer");
    extras.put("User", "ann");
    extras.put("Image CFG scale", "1.5");
    String text = InfoText.format(params("a cat", "blurry", extras));
    assertEquals(
        "a cat\nNegative prompt: blurry\n"
            + "Steps: 20, Sampler: DPM++ 2M, Schedule type: Karras, CFG scale: 7, Image CFG scale:"
            + " 1.5, Seed: 42, Face restoration: CodeFormer, Size: 512x768, Model hash: abcdef0123,"
            + " Model: v1-5-pruned-emaonly, Eta: 0.67, Clip skip: 2, Version: Stepwise 0.1.0,"
            + " User: ann",
        text);
    GenerationParameters back = InfoText.parse(text);
    assertEquals(
        List.of("Image CFG scale", "Face restoration", "Eta", "Clip skip", "User"),
        List.copyOf(back.extras().keySet()));
    assertEquals(text, InfoText.format(back));
  }

  @Test
  void leavesOutNullFieldsAndTheEmptyNegativePrompt() {
    GenerationParameters p =
        new GenerationParameters(
            "x", "", 5, "Euler", null, 7.5, -3L, 64, 64, null, null, null, Map.of());
    assertEquals(
        "x\nSteps: 5, Sampler: Euler, CFG scale: 7.5, Seed: -3, Size: 64x64", InfoText.format(p));
  }

  @Test
  void numbersLookLikeA1111() {
    assertEquals("7", InfoText.formatNumber(7.0));
    assertEquals("7.5", InfoText.formatNumber(7.5));
    assertEquals("0.1", InfoText.formatNumber(0.1));
    assertEquals("12.25", InfoText.formatNumber(12.25));
    assertEquals("-2", InfoText.formatNumber(-2.0));
  }

  @Test
  void quotesValuesWithCommasColonsAndNewlines() {
    GenerationParameters p =
        new GenerationParameters(
            "x",
            "",
            20,
            "Euler",
            null,
            7,
            1,
            8,
            8,
            null,
            "a, b: c",
            null,
            Map.of("Note", "two\nlines", "Plain", "say \"hi\""));
    String text = InfoText.format(p);
    assertTrue(text.contains("Model: \"a, b: c\""), text);
    assertTrue(text.contains("Note: \"two\\nlines\""), text);
    assertTrue(text.contains("Plain: say \"hi\""), text); // A1111 quotes only , : and newline
    assertEquals(p, InfoText.parse(text));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "a, b, c",
        "weight: (cat:1.2), [dog:0.5]",
        "she said \"hello\", then left",
        "line one\nline two\nline three",
        "Steps: 10, Sampler: fake, CFG scale: 3",
        "ünïcödé 日本語の猫 😀 emoji",
        "",
        "\"quoted at both ends\"",
        "back\\slash \\n not a newline",
        "Size: 1x1",
      })
  void trickyPromptsRoundTrip(String prompt) {
    Map<String, String> extras = new LinkedHashMap<>();
    extras.put("Lora hashes", "\"x: 1, y: 2\"");
    extras.put("Padded", " spaces around ");
    extras.put("Starts quote", "\"odd");
    GenerationParameters p = params(prompt, "neg, with: colon\nand a second line 🐱", extras);
    assertEquals(p, InfoText.parse(InfoText.format(p)));
    GenerationParameters noNegative = params(prompt, "", Map.of());
    assertEquals(noNegative, InfoText.parse(InfoText.format(noNegative)));
  }

  @Test
  void lastLineWithFewerThanThreePairsIsPrompt() {
    GenerationParameters p = InfoText.parse("a cat\nStyle: oil, Mood: calm");
    assertEquals("a cat\nStyle: oil, Mood: calm", p.prompt());
    assertEquals(InfoText.DEFAULT_STEPS, p.steps());
    assertTrue(p.extras().isEmpty());
  }

  @Test
  void missingKeysGetDocumentedDefaults() {
    GenerationParameters p = InfoText.parse("just a prompt");
    assertEquals("just a prompt", p.prompt());
    assertEquals("", p.negativePrompt());
    assertEquals(InfoText.DEFAULT_STEPS, p.steps());
    assertEquals(InfoText.DEFAULT_SAMPLER, p.sampler());
    assertEquals(InfoText.DEFAULT_CFG_SCALE, p.guidance());
    assertEquals(InfoText.DEFAULT_SEED, p.seed());
    assertEquals(InfoText.DEFAULT_SIZE, p.width());
    assertEquals(InfoText.DEFAULT_SIZE, p.height());
    assertNull(p.modelHash());
  }

  @Test
  void negativePromptSpansLinesAndPromptLinesAreStripped() {
    GenerationParameters p =
        InfoText.parse(
            "  first  \n second\nNegative prompt:  bad\nworse \nSteps: 3, Seed: 9, Size: 8x16\n");
    assertEquals("first\nsecond", p.prompt());
    assertEquals("bad\nworse", p.negativePrompt());
    assertEquals(3, p.steps());
    assertEquals(9L, p.seed());
    assertEquals(8, p.width());
    assertEquals(16, p.height());
  }

  @Test
  void unknownKeysKeepOrderEmptyValuesAreSkippedAndBadQuotesStayRaw() {
    GenerationParameters p =
        InfoText.parse(
            "p\nSteps: 4, Zeta: 1, Empty: , Alpha: \"not \\q json\", Hires resize: 1024x1024,"
                + " Zeta: 2");
    assertEquals(List.of("Zeta", "Alpha", "Hires resize"), List.copyOf(p.extras().keySet()));
    assertEquals("2", p.extras().get("Zeta"));
    assertEquals("\"not \\q json\"", p.extras().get("Alpha"));
    assertEquals("1024x1024", p.extras().get("Hires resize"));
  }

  @Test
  void badNumbersAreRefusedWithOneSentence() {
    MetadataException e =
        assertThrows(
            MetadataException.class, () -> InfoText.parse("p\nSteps: many, Seed: 1, Size: 8x8"));
    assertEquals("Steps 'many' in the image parameters is not a whole number.", e.getMessage());
    assertThrows(
        MetadataException.class, () -> InfoText.parse("p\nSteps: 2, CFG scale: NaN, Size: 8x8"));
    assertThrows(
        MetadataException.class, () -> InfoText.parse("p\nSteps: 2, Seed: 1, Size: 8 by 8"));
    assertThrows(MetadataException.class, () -> InfoText.parse("p\nSteps: 0, Seed: 1, Size: 8x8"));
  }

  @Test
  void parseThenFormatIsStableOnRandomTexts() {
    java.util.Random r = new java.util.Random(5);
    String[] parts = {
      "Steps: 12",
      "Seed: 7",
      "Size: 64x32",
      "CFG scale: 4.5",
      "Sampler: Euler a",
      "Eta: 0.5",
      "Model: \"a, b\"",
      ", ",
      ",",
      ": ",
      "\n",
      "Negative prompt: ",
      "cat",
      " ",
      "\"",
      "\\",
      "猫",
      "Clip skip: 2",
      "Note: \"bad \\q\"",
      "Empty: ",
      "x-y/z: 1"
    };
    int parsed = 0;
    for (int i = 0; i < 5000; i++) {
      StringBuilder sb = new StringBuilder();
      for (int k = r.nextInt(14); k > 0; k--) {
        sb.append(parts[r.nextInt(parts.length)]);
      }
      String text = sb.toString();
      GenerationParameters p;
      try {
        p = InfoText.parse(text);
      } catch (MetadataException e) {
        continue; // a malformed number or a duplicate of a field key in extras
      }
      parsed++;
      GenerationParameters again = InfoText.parse(InfoText.format(p));
      assertEquals(p, again, () -> "text [" + text + "]");
    }
    assertTrue(parsed > 1000, "parsed " + parsed);
  }

  @Test
  void recordRefusesExtrasThatCannotRoundTrip() {
    assertThrows(MetadataException.class, () -> params("p", "", Map.of("Steps", "3")));
    assertThrows(MetadataException.class, () -> params("p", "", Map.of("bad:key", "3")));
    assertThrows(MetadataException.class, () -> params("p", "", Map.of("Empty", "")));
    assertThrows(MetadataException.class, () -> params("p", "", Map.of("X", "1")));
  }

  @Test
  void comfyUisCapitalCfgScaleIsTheGuidance() {
    GenerationParameters p =
        InfoText.parse("a cat\nSteps: 5, Sampler: euler_simple, CFG Scale: 4.5, Seed: 1");
    assertEquals(4.5, p.guidance());
    assertFalse(p.extras().containsKey("CFG Scale"));
  }
}
