package dev.stepwise.engine.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.stepwise.engine.ModelPackException;
import java.io.RandomAccessFile;
import java.lang.ref.Reference;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsFileTest {
  @TempDir Path dir;

  private Path sample() {
    Path p = dir.resolve("sample.safetensors");
    new SafetensorsWriter()
        .putF32("w.f32", new long[] {2, 3}, new float[] {1.5f, -2f, 0f, 3.25f, 1e-3f, -7f})
        .putF16("w.f16", new long[] {4}, new float[] {1f, -0.5f, 65504f, 0.1f})
        .putBf16("w.bf16", new long[] {2, 2}, new float[] {1f, -2f, 1.5f, 3.140625f})
        .metadata("format", "pt")
        .write(p);
    return p;
  }

  @Test
  void roundTripsF32F16AndBf16ThroughDjlAndJava() {
    try (SafetensorsFile f = SafetensorsFile.open(sample());
        NDManager m = NDManager.newBaseManager()) {
      assertEquals(List.of("w.f32", "w.bf16", "w.f16"), List.copyOf(f.names())); // offset order
      assertEquals(Map.of("format", "pt"), f.metadata());
      assertArrayEquals(new long[] {2, 3}, f.shape("w.f32"));
      assertNull(f.shape("absent"));

      NDArray a = f.load("w.f32", m); // [2, 3]
      assertEquals(DataType.FLOAT32, a.getDataType());
      assertArrayEquals(new long[] {2, 3}, a.getShape().getShape());
      assertArrayEquals(new float[] {1.5f, -2f, 0f, 3.25f, 1e-3f, -7f}, a.toFloatArray());

      // F16: 0.1 is not representable; the nearest half is 0x2E66 = 1638/16384 = 0.0999755859375.
      float[] half = {1f, -0.5f, 65504f, 0.0999755859375f};
      assertArrayEquals(half, f.load("w.f16", m).toFloatArray()); // [4]
      assertArrayEquals(half, f.readFloats("w.f16"));

      // BF16 by hand: 0x3F80 = 1, 0xC000 = -2, 0x3FC0 = 1.5, 0x4049 = 3.140625.
      float[] bf = {1f, -2f, 1.5f, 3.140625f};
      NDArray b = f.load("w.bf16", m); // [2, 2]
      assertEquals(DataType.FLOAT32, b.getDataType());
      assertArrayEquals(new long[] {2, 2}, b.getShape().getShape());
      assertArrayEquals(bf, b.toFloatArray());
      assertArrayEquals(bf, f.readFloats("w.bf16"));
    }
  }

  @Test
  void bf16BitsAreReadExactlyFromRawBytes() throws Exception {
    String h = "{\"t\":{\"dtype\":\"BF16\",\"shape\":[3],\"data_offsets\":[0,6]}}";
    Path p =
        RawSafetensors.write(
            dir,
            "bf.safetensors",
            RawSafetensors.bytes(h, RawSafetensors.u16(0x3F80, 0xC0A0, 0x0001)));
    try (SafetensorsFile f = SafetensorsFile.open(p);
        NDManager m = NDManager.newBaseManager()) {
      // 0xC0A0 -> 0xC0A00000 = -5.0; 0x0001 -> 2^-133.
      float[] want = {1f, -5f, 0x1p-133f};
      assertArrayEquals(want, f.readFloats("t"));
      assertArrayEquals(want, f.load("t", m).toFloatArray());
    }
  }

  @Test
  void integerScalarAndEmptyTensorsLoad() throws Exception {
    ByteBuffer data = ByteBuffer.allocate(4 * 2 + 8 * 2 + 4).order(ByteOrder.LITTLE_ENDIAN);
    data.putInt(-3).putInt(1 << 20).putLong(76L).putLong(-1L).putFloat(2.5f);
    String h =
        "{\"i32\":{\"dtype\":\"I32\",\"shape\":[2],\"data_offsets\":[0,8]},"
            + "\"ids\":{\"dtype\":\"I64\",\"shape\":[1,2],\"data_offsets\":[8,24]},"
            + "\"s\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[24,28]},"
            + "\"e\":{\"dtype\":\"F16\",\"shape\":[0,3],\"data_offsets\":[28,28]}}";
    Path p = RawSafetensors.write(dir, "i.safetensors", RawSafetensors.bytes(h, data.array()));
    try (SafetensorsFile f = SafetensorsFile.open(p);
        NDManager m = NDManager.newBaseManager()) {
      assertArrayEquals(new float[] {-3f, 1 << 20}, f.load("i32", m).toFloatArray());
      assertArrayEquals(new float[] {76f, -1f}, f.load("ids", m).toFloatArray());
      NDArray s = f.load("s", m); // []
      assertEquals(0, s.getShape().dimension());
      assertEquals(2.5f, s.getFloat());
      NDArray e = f.load("e", m); // [0, 3]
      assertArrayEquals(new long[] {0, 3}, e.getShape().getShape());
      assertEquals(0, f.readFloats("e").length);
    }
  }

  @Test
  void unreadableDtypesAreRefusedAtLoadNamingTheTensor() {
    Path p = dir.resolve("f8.safetensors");
    new SafetensorsWriter()
        .putRaw("model.scale_f8", SafetensorsDtype.F8_E4M3, new long[] {2}, new byte[] {1, 2})
        .putRaw("d", SafetensorsDtype.F64, new long[] {1}, new byte[8])
        .putRaw("packed", SafetensorsDtype.F4, new long[] {2, 3}, new byte[3])
        .write(p);
    try (SafetensorsFile f = SafetensorsFile.open(p);
        NDManager m = NDManager.newBaseManager()) {
      assertArrayEquals(new long[] {2}, f.shape("model.scale_f8")); // recognised at open
      ModelPackException e =
          assertThrows(ModelPackException.class, () -> f.load("model.scale_f8", m));
      assertTrue(
          e.getMessage()
              .contains(
                  "tensor \"model.scale_f8\" has dtype F8_E4M3; Stepwise reads F32, F16 and"
                      + " BF16"),
          e.getMessage());
      assertTrue(e.getMessage().contains(p.toString()), e.getMessage());
      assertThrows(ModelPackException.class, () -> f.readFloats("d"));
      assertEquals(3, f.entry("packed").byteLength()); // 6 four-bit values fill 3 bytes
      ModelPackException f4 = assertThrows(ModelPackException.class, () -> f.load("packed", m));
      assertTrue(f4.getMessage().contains("has dtype F4;"), f4.getMessage());
      ModelPackException absent = assertThrows(ModelPackException.class, () -> f.load("nope", m));
      assertTrue(absent.getMessage().contains("\"nope\""), absent.getMessage());
    }
  }

  @Test
  void loadedArrayIsACopyNotAViewOfTheFile() throws Exception {
    Path p = sample();
    try (SafetensorsFile f = SafetensorsFile.open(p);
        NDManager m = NDManager.newBaseManager()) {
      NDArray a = f.load("w.f32", m); // [2, 3]
      NDArray h = f.load("w.f16", m); // [4]
      // Overwrite the data block in place (same size): a view of the mapping would change.
      SafetensorsEntry e = f.entry("w.f32");
      try (FileChannel ch = FileChannel.open(p, StandardOpenOption.WRITE)) {
        ch.write(ByteBuffer.wrap(RawSafetensors.f32(9, 9, 9, 9, 9, 9)), f.dataStart() + e.begin());
      }
      assertArrayEquals(new float[] {1.5f, -2f, 0f, 3.25f, 1e-3f, -7f}, a.toFloatArray());
      assertArrayEquals(new float[] {9, 9, 9, 9, 9, 9}, f.readFloats("w.f32")); // file did change
      // In-place ops on a mapped view would SIGSEGV; on the copy they must work.
      a.addi(1f);
      h.muli(2f);
      assertEquals(2.5f, a.getFloat(0, 0));
      assertEquals(2f, h.getFloat(0));
    }
  }

  @Test
  void djlDuplicateCopiesButToTypeWithCopyTrueStillAliases() throws Exception {
    // Why load() uses duplicate(): the behaviour of DJL 0.36 on a buffer-backed FLOAT32 array.
    Path p = Files.write(dir.resolve("rw.bin"), RawSafetensors.f32(1, 2, 3, 4));
    try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ, StandardOpenOption.WRITE);
        NDManager m = NDManager.newBaseManager()) {
      MappedByteBuffer buf = ch.map(FileChannel.MapMode.READ_WRITE, 0, 16);
      buf.order(ByteOrder.LITTLE_ENDIAN);
      NDArray view = m.create(buf, new Shape(4), DataType.FLOAT32); // [4]
      NDArray dup = view.duplicate(); // [4]
      NDArray toTypeCopy = view.toType(DataType.FLOAT32, true); // [4]
      buf.putFloat(0, 7f);
      assertEquals(7f, view.getFloat(0)); // the view is the mapped memory
      assertEquals(7f, toTypeCopy.getFloat(0)); // "copy" = true did not copy
      assertEquals(1f, dup.getFloat(0)); // duplicate() owns its memory
      Reference.reachabilityFence(buf);
    }
  }

  @Test
  void repeatedLoadsInSubManagersDoNotLeak() {
    Path p = sample();
    try (SafetensorsFile f = SafetensorsFile.open(p);
        NDManager base = NDManager.newBaseManager()) {
      int baseline = base.getManagedArrays().size();
      for (int i = 0; i < 2000; i++) {
        NDArray kept;
        try (NDManager sub = base.newSubManager()) {
          kept = f.load(i % 2 == 0 ? "w.f32" : "w.f16", sub); // [2, 3] or [4]
          // Exactly the result is alive: the temporary mapped view was closed.
          assertEquals(baseline + 1, base.getManagedArrays().size());
          assertEquals(1, sub.getManagedArrays().size());
        }
        assertTrue(kept.isReleased());
        assertEquals(baseline, base.getManagedArrays().size(), "iteration " + i);
      }
    }
  }

  @Test
  void filesLargerThan2GiBWorkWithPerTensorMapping() throws Exception {
    // A sparse file: a 2.5 GiB F32 zero tensor, then a small tensor beyond the 2 GiB mark.
    long bigElems = 5L << 27; // 671,088,640 floats = 2.5 GiB
    long bigBytes = bigElems * 4;
    String h =
        "{\"pad\":{\"dtype\":\"F32\",\"shape\":["
            + bigElems
            + "],\"data_offsets\":[0,"
            + bigBytes
            + "]},\"tail\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":["
            + bigBytes
            + ","
            + (bigBytes + 12)
            + "]}}";
    Path p = dir.resolve("huge.safetensors");
    byte[] head = RawSafetensors.bytes(h, new byte[0]);
    try (RandomAccessFile raf = new RandomAccessFile(p.toFile(), "rw")) {
      raf.write(head);
      raf.seek(head.length + bigBytes);
      raf.write(RawSafetensors.f32(1f, 2f, 3f));
    }
    try (SafetensorsFile f = SafetensorsFile.open(p);
        NDManager m = NDManager.newBaseManager()) {
      assertEquals(head.length + bigBytes + 12, java.nio.file.Files.size(p));
      assertTrue(f.dataStart() + f.entry("tail").begin() > Integer.MAX_VALUE);
      assertArrayEquals(new long[] {bigElems}, f.shape("pad"));
      assertArrayEquals(new float[] {1f, 2f, 3f}, f.load("tail", m).toFloatArray());
      assertArrayEquals(new float[] {1f, 2f, 3f}, f.readFloats("tail"));
      ModelPackException e = assertThrows(ModelPackException.class, () -> f.load("pad", m));
      assertTrue(e.getMessage().contains("at most 2147483647 bytes"), e.getMessage());
    }
  }

  @Test
  void closedFileRefusesLoads() {
    SafetensorsFile f = SafetensorsFile.open(sample());
    f.close();
    assertThrows(IllegalStateException.class, () -> f.readFloats("w.f32"));
  }
}
