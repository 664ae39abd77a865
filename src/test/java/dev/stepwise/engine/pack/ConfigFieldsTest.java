package dev.stepwise.engine.pack;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.gson.JsonParser;
import dev.stepwise.engine.ModelPackException;
import java.util.List;
import org.junit.jupiter.api.Test;

class ConfigFieldsTest {
  private static ConfigFields fields(String json) {
    return new ConfigFields(JsonParser.parseString(json).getAsJsonObject(), "unet/config.json");
  }

  @Test
  void absentAndNullFieldsTakeTheDefault() {
    ConfigFields f = fields("{\"a\": null}");
    assertEquals(7, f.integer("a", 7));
    assertEquals(7, f.integer("missing", 7));
    assertEquals("x", f.string("a", "x"));
    assertEquals(List.of("D"), f.strings("a", List.of("D")));
  }

  @Test
  void aSingleIntIsRepeatedPerBlockAndListsMustMatch() {
    ConfigFields f = fields("{\"heads\": 8, \"list\": [5, 10, 20, 20], \"short\": [1, 2]}");
    assertArrayEquals(new int[] {8, 8, 8, 8}, f.ints("heads", new int[] {1}, 4));
    assertArrayEquals(new int[] {5, 10, 20, 20}, f.ints("list", new int[] {1}, 4));
    ModelPackException e =
        assertThrows(ModelPackException.class, () -> f.ints("short", new int[] {1}, 4));
    assertEquals("unet/config.json: short has 2 entries but there are 4 blocks.", e.getMessage());
  }

  @Test
  void wrongTypesNameFileFieldAndValue() {
    ConfigFields f = fields("{\"n\": 2.5, \"s\": 3, \"b\": \"yes\", \"l\": [\"A\", 1]}");
    assertEquals(
        "unet/config.json: n must be an integer, got 2.5.",
        assertThrows(ModelPackException.class, () -> f.integer("n", 0)).getMessage());
    assertEquals(
        "unet/config.json: s must be a string, got 3.",
        assertThrows(ModelPackException.class, () -> f.string("s", "")).getMessage());
    assertEquals(
        "unet/config.json: b must be true or false, got \"yes\".",
        assertThrows(ModelPackException.class, () -> f.bool("b", false)).getMessage());
    assertThrows(ModelPackException.class, () -> f.strings("l", List.of()));
  }
}
