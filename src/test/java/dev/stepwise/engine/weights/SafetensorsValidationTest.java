package dev.stepwise.engine.weights;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stepwise.engine.ModelPackException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every malformed layout is refused at open with a message naming the file and the bad value. */
@Tag("hostile")
class SafetensorsValidationTest {
  @TempDir Path dir;

  private static String entry(String name, String dtype, String shape, long begin, long end) {
    return "\""
        + name
        + "\":{\"dtype\":\""
        + dtype
        + "\",\"shape\":"
        + shape
        + ",\"data_offsets\":["
        + begin
        + ","
        + end
        + "]}";
  }

  private static byte[] file(String header, int dataBytes) {
    return RawSafetensors.bytes(header, new byte[dataBytes]);
  }

  static Stream<Arguments> malformed() {
    String two = "{" + entry("a", "F32", "[2]", 0, 8) + "," + entry("b", "F16", "[2]", 8, 12) + "}";
    byte[] good = file(two, 12);
    return Stream.of(
        Arguments.of("shorter than 8 bytes", new byte[] {1, 0, 0}, "is 3 bytes long"),
        Arguments.of(
            "truncated data",
            Arrays.copyOf(good, good.length - 1),
            "tensor \"b\" ends at data offset 12 but the file holds only 11"),
        Arguments.of(
            "trailing bytes",
            Arrays.copyOf(good, good.length + 5),
            "5 trailing bytes are not allowed"),
        Arguments.of(
            "header over the limit",
            RawSafetensors.bytes(100_000_001L, "{}", new byte[0]),
            "header length 100000001 exceeds the limit of 100000000"),
        Arguments.of(
            "header length above 2^63",
            RawSafetensors.bytes(-8L, "{}", new byte[0]),
            "header length 18446744073709551608 exceeds"),
        Arguments.of(
            "header longer than the file",
            RawSafetensors.bytes(4000, "{}", new byte[0]),
            "header length 4000 is larger than the 2 bytes"),
        Arguments.of("header not JSON", file("{\"a\": nope}", 0), "is not valid JSON"),
        Arguments.of("header not an object", file("[1, 2, 3]", 0), "must start with '{'"),
        Arguments.of(
            "header not UTF-8",
            RawSafetensors.bytes(4, "{\"", new byte[] {(byte) 0xC3, (byte) 0x28}),
            "is not valid UTF-8"),
        Arguments.of(
            "duplicate key",
            file(
                "{" + entry("a", "F32", "[1]", 0, 4) + "," + entry("a", "F32", "[1]", 4, 8) + "}",
                8),
            "repeats the key \"a\""),
        Arguments.of(
            "gap between tensors",
            file(
                "{" + entry("a", "F32", "[1]", 0, 4) + "," + entry("b", "F32", "[1]", 8, 12) + "}",
                12),
            "tensor \"b\" starts at data offset 8 but the previous tensor ends at 4"),
        Arguments.of(
            "first tensor not at 0",
            file("{" + entry("a", "F32", "[1]", 4, 8) + "}", 8),
            "tensor \"a\" starts at data offset 4 but the previous tensor ends at 0"),
        Arguments.of(
            "overlapping tensors",
            file(
                "{" + entry("a", "F32", "[2]", 0, 8) + "," + entry("b", "F32", "[1]", 4, 8) + "}",
                8),
            "must not overlap"),
        Arguments.of(
            "offsets out of range",
            file("{" + entry("a", "F32", "[4]", 0, 16) + "}", 8),
            "tensor \"a\" ends at data offset 16 but the file holds only 8"),
        Arguments.of(
            "end before begin",
            file("{" + entry("a", "F32", "[0]", 8, 4) + "}", 8),
            "has data_offsets [8, 4]; the end must not be before the begin"),
        Arguments.of(
            "byte length differs from shape x dtype",
            file("{" + entry("a", "F32", "[3]", 0, 8) + "}", 8),
            "spanning 8 bytes, but shape [3] of F32 needs 12 bytes"),
        Arguments.of(
            "negative shape",
            file("{" + entry("a", "F32", "[-1]", 0, 0) + "}", 0),
            "\"shape\" value -1 at index 0"),
        Arguments.of(
            "fractional shape",
            file("{" + entry("a", "F32", "[1.5]", 0, 4) + "}", 4),
            "\"shape\" value 1.5"),
        Arguments.of(
            "shape overflow",
            file("{" + entry("a", "F32", "[4294967296,4294967296]", 0, 0) + "}", 0),
            "overflows a 64-bit integer"),
        Arguments.of(
            "bytes overflow",
            file("{" + entry("a", "F64", "[4611686018427387904]", 0, 0) + "}", 0),
            "not a whole number of bytes or overflows"),
        Arguments.of(
            "unknown dtype",
            file("{" + entry("a", "Q4_K", "[1]", 0, 1) + "}", 1),
            "tensor \"a\" has unknown dtype \"Q4_K\""),
        Arguments.of(
            "lower-case dtype",
            file("{" + entry("a", "f32", "[1]", 0, 4) + "}", 4),
            "unknown dtype \"f32\""),
        Arguments.of(
            "missing dtype",
            file("{\"a\":{\"shape\":[1],\"data_offsets\":[0,4]}}", 4),
            "needs a \"dtype\" string"),
        Arguments.of(
            "missing offsets",
            file("{\"a\":{\"dtype\":\"F32\",\"shape\":[1]}}", 4),
            "needs \"data_offsets\" as an array of 2"),
        Arguments.of(
            "three offsets",
            file("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4,8]}}", 4),
            "has \"data_offsets\" with 3 values"),
        Arguments.of(
            "string offsets",
            file("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[\"0\",4]}}", 4),
            "\"data_offsets\" value \"0\""),
        Arguments.of("entry not an object", file("{\"a\": 5}", 0), "must be an object"),
        Arguments.of(
            "metadata not strings",
            file("{\"__metadata__\":{\"epoch\":3}}", 0),
            "__metadata__ value for \"epoch\" must be a string"),
        Arguments.of(
            "metadata not an object",
            file("{\"__metadata__\":[\"x\"]}", 0),
            "__metadata__ must be an object"),
        Arguments.of(
            "sub-byte dtype not filling bytes",
            file("{" + entry("a", "F4", "[3]", 0, 1) + "}", 1),
            "not a whole number of bytes"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("malformed")
  void refusedAtOpenWithAClearMessage(String what, byte[] content, String expected)
      throws Exception {
    Path p = RawSafetensors.write(dir, "bad.safetensors", content);
    ModelPackException e = assertThrows(ModelPackException.class, () -> SafetensorsFile.open(p));
    assertTrue(e.getMessage().contains(expected), what + ": " + e.getMessage());
    assertTrue(e.getMessage().contains(p.toString()), what + ": " + e.getMessage());
  }

  @Test
  void acceptsAnyKeyOrderUnpaddedHeadersAndZeroSizeTensorsAtTheSameOffset() throws Exception {
    // Entries listed out of offset order; two empty tensors sharing offset 4; no padding.
    String h =
        "{"
            + entry("z", "F32", "[1]", 4, 8)
            + ","
            + entry("e1", "F16", "[0]", 4, 4)
            + ","
            + entry("a", "F32", "[1]", 0, 4)
            + ","
            + entry("e2", "BF16", "[2,0]", 4, 4)
            + ",\"__metadata__\":null}";
    Path p =
        RawSafetensors.write(
            dir, "ok.safetensors", RawSafetensors.bytes(h, RawSafetensors.f32(1f, 2f)));
    try (SafetensorsFile f = SafetensorsFile.open(p)) {
      assertEquals(4, f.names().size());
      assertEquals("a", f.entries().get(0).name());
      assertEquals("z", f.entries().get(3).name());
      assertEquals(2f, f.readFloats("z")[0]);
      assertTrue(f.metadata().isEmpty());
    }
  }

  @Test
  void emptyFileWithOnlyMetadataIsValid() throws Exception {
    Path p =
        RawSafetensors.write(
            dir,
            "empty.safetensors",
            RawSafetensors.bytes("{\"__metadata__\":{\"a\":\"b\"}}   ", new byte[0]));
    try (SafetensorsFile f = SafetensorsFile.open(p)) {
      assertTrue(f.names().isEmpty());
      assertEquals("b", f.metadata().get("a"));
    }
  }

  @Test
  void missingFileAndFolderAreNamed() throws Exception {
    Path missing = dir.resolve("none.safetensors");
    ModelPackException e =
        assertThrows(ModelPackException.class, () -> SafetensorsFile.open(missing));
    assertTrue(e.getMessage().contains(missing + " does not exist"), e.getMessage());
    Path folder = Files.createDirectory(dir.resolve("folder.safetensors"));
    e = assertThrows(ModelPackException.class, () -> SafetensorsFile.open(folder));
    assertTrue(e.getMessage().contains("is a folder"), e.getMessage());
  }

  @Test
  void headerTextIsDecodedAsUtf8() throws Exception {
    String name = "gew\u00fcrz.\u4e2d";
    String h = "{" + entry(name, "F32", "[1]", 0, 4) + "}";
    Path p =
        RawSafetensors.write(
            dir,
            "utf.safetensors",
            RawSafetensors.bytes(
                h.getBytes(StandardCharsets.UTF_8).length, h, RawSafetensors.f32(4f)));
    try (SafetensorsFile f = SafetensorsFile.open(p)) {
      assertEquals(4f, f.readFloats(name)[0]);
    }
  }
}
