package dev.stepwise.engine.weights;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import dev.stepwise.engine.ModelPackException;
import org.junit.jupiter.api.Test;

class StrictJsonTest {
  private static String fail(String text) {
    return assertThrows(ModelPackException.class, () -> StrictJson.parseObject(text, "f.json"))
        .getMessage();
  }

  @Test
  void parsesNestedValues() {
    JsonObject o = StrictJson.parseObject("{\"a\": [1, 2.5, \"x\", true, null], \"b\": {}}", "f");
    assertEquals(5, o.getAsJsonArray("a").size());
    assertEquals(2.5, o.getAsJsonArray("a").get(1).getAsDouble());
    assertEquals(0, o.getAsJsonArray("a").get(0).getAsBigDecimal().scale());
    assertTrue(o.getAsJsonObject("b").isEmpty());
  }

  @Test
  void refusesWhatLenientParsersAccept() {
    assertTrue(fail("{\"a\":1,\"a\":2}").contains("repeats the key \"a\""));
    assertTrue(fail("{\"a\":{\"b\":1,\"b\":1}}").contains("repeats the key \"b\""));
    assertTrue(fail("{\"a\":1} {}").contains("f.json"));
    assertTrue(fail("{\"a\":NaN}").contains("not valid JSON"));
    assertTrue(fail("{'a':1}").contains("not valid JSON"));
    assertTrue(fail("{\"a\":1,}").contains("not valid JSON"));
    assertTrue(fail("[1]").contains("must hold a JSON object, not an array"));
    assertTrue(fail("").contains("not valid JSON"));
    assertTrue(fail("[".repeat(100) + "]".repeat(100)).contains("f.json"));
    assertTrue(fail("{\"a\":1" + "0".repeat(45) + "}").contains("number literal of 46"));
    assertEquals(
        "f.json is not valid JSON (malformed JSON at line 1 column 6 path $.a).",
        fail("{\"a\":tru}"));
  }

  @Test
  void refusesMalformedUtf8() {
    byte[] bad = {'{', '"', (byte) 0xFF, '"', ':', '1', '}'};
    ModelPackException e =
        assertThrows(ModelPackException.class, () -> StrictJson.parseObject(bad, "g.json"));
    assertEquals("g.json is not valid UTF-8 text.", e.getMessage());
  }
}
