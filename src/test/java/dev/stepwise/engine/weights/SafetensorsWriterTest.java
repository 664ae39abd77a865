package dev.stepwise.engine.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsWriterTest {
  @TempDir Path dir;

  /** Expected layout spelled out: length, JSON, spaces to a multiple of 8, data. */
  private static byte[] layout(String json, byte[] data) {
    int padded = (json.length() + 7) / 8 * 8;
    String header = json + " ".repeat(padded - json.length());
    return RawSafetensors.bytes(padded, header, data);
  }

  @Test
  void producesTheSameBytesAsUpstreamSerialize() {
    // Cases from huggingface/safetensors tensor.rs tests (test_serialization,
    // test_serialization_forced_alignement, test_empty): 64-byte header needs no padding, a
    // 65-byte one gets 7 spaces, metadata alone gets 5.
    float[] v = {0, 1, 2, 3, 4, 5};
    assertArrayEquals(
        layout(
            "{\"attn.0\":{\"dtype\":\"F32\",\"shape\":[1,2,3],\"data_offsets\":[0,24]}}",
            RawSafetensors.f32(v)),
        new SafetensorsWriter().putF32("attn.0", new long[] {1, 2, 3}, v).toBytes());
    byte[] aligned = new SafetensorsWriter().putF32("attn0", new long[] {1, 1, 2, 3}, v).toBytes();
    assertEquals(72, aligned[0]);
    assertArrayEquals(
        layout(
            "{\"attn0\":{\"dtype\":\"F32\",\"shape\":[1,1,2,3],\"data_offsets\":[0,24]}}",
            RawSafetensors.f32(v)),
        aligned);
    assertArrayEquals(
        layout("{\"__metadata__\":{\"framework\":\"pt\"}}", new byte[0]),
        new SafetensorsWriter().metadata("framework", "pt").toBytes());
    assertArrayEquals(layout("{}", new byte[0]), new SafetensorsWriter().toBytes());
  }

  @Test
  void ordersTensorsByElementSizeThenNameWhateverTheInsertionOrder() {
    SafetensorsWriter a = new SafetensorsWriter();
    a.putF16("b.half", new long[] {1}, new float[] {1});
    a.putF32("z.full", new long[] {1}, new float[] {2});
    a.putF32("a.full", new long[] {1}, new float[] {3});
    SafetensorsWriter b = new SafetensorsWriter();
    b.putF32("a.full", new long[] {1}, new float[] {3});
    b.putF32("z.full", new long[] {1}, new float[] {2});
    b.putF16("b.half", new long[] {1}, new float[] {1});
    assertArrayEquals(a.toBytes(), b.toBytes());
    byte[] bytes = a.toBytes();
    int n = (int) ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
    assertEquals(0, n % 8);
    String json = new String(bytes, 8, n, StandardCharsets.UTF_8);
    // F32 tensors first (4-byte aligned), then the F16 one.
    assertEquals(
        "{\"a.full\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
            + "\"z.full\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]},"
            + "\"b.half\":{\"dtype\":\"F16\",\"shape\":[1],\"data_offsets\":[8,10]}}",
        json.stripTrailing());
  }

  @Test
  void writesAtomicallyAndReplacesWithoutLeavingTemporaryFiles() throws Exception {
    Path target = dir.resolve("sub/w.safetensors");
    new SafetensorsWriter().putF32("x", new long[] {1}, new float[] {1}).write(target);
    new SafetensorsWriter().putF32("y", new long[] {2}, new float[] {7, 8}).write(target);
    try (Stream<Path> s = Files.list(target.getParent())) {
      assertEquals(List.of(target), s.toList());
    }
    try (SafetensorsFile f = SafetensorsFile.open(target)) {
      assertEquals(List.of("y"), List.copyOf(f.names()));
      assertArrayEquals(new float[] {7, 8}, f.readFloats("y"));
    }
  }

  @Test
  void namesNeedingEscapesRoundTrip() {
    Path p = dir.resolve("esc.safetensors");
    String name = "a\"b\\c</d>\u00e9";
    new SafetensorsWriter().putF32(name, new long[] {1}, new float[] {5}).write(p);
    try (SafetensorsFile f = SafetensorsFile.open(p)) {
      assertEquals(5f, f.readFloats(name)[0]);
    }
  }

  @Test
  void refusesInconsistentInput() {
    SafetensorsWriter w = new SafetensorsWriter();
    assertThrows(
        IllegalArgumentException.class, () -> w.putF32("a", new long[] {3}, new float[] {1, 2}));
    assertThrows(
        IllegalArgumentException.class, () -> w.putF32("a", new long[] {-1}, new float[0]));
    assertThrows(
        IllegalArgumentException.class,
        () -> w.putRaw("a", SafetensorsDtype.F16, new long[] {2}, new byte[3]));
    assertThrows(
        IllegalArgumentException.class,
        () -> w.putF32("__metadata__", new long[] {1}, new float[] {1}));
    w.putF32("a", new long[] {1}, new float[] {1});
    assertThrows(
        IllegalArgumentException.class, () -> w.putF16("a", new long[] {1}, new float[] {1}));
  }
}
