package dev.stepwise.engine.weights;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Builds safetensors bytes by hand, including malformed ones the writer would never produce. */
final class RawSafetensors {
  private RawSafetensors() {}

  /** 8-byte little-endian {@code declaredLength}, the header text, then {@code data}. */
  static byte[] bytes(long declaredLength, String header, byte[] data) {
    byte[] h = header.getBytes(StandardCharsets.UTF_8);
    ByteBuffer b = ByteBuffer.allocate(8 + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
    b.putLong(declaredLength).put(h).put(data);
    return b.array();
  }

  /** A well-formed layout: the declared length is the header's true length. */
  static byte[] bytes(String header, byte[] data) {
    return bytes(header.getBytes(StandardCharsets.UTF_8).length, header, data);
  }

  static Path write(Path dir, String name, byte[] content) throws IOException {
    Path p = dir.resolve(name);
    Files.write(p, content);
    return p;
  }

  /** Little-endian F32 bytes of {@code values}. */
  static byte[] f32(float... values) {
    ByteBuffer b = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
    for (float v : values) {
      b.putFloat(v);
    }
    return b.array();
  }

  /** Little-endian 16-bit words. */
  static byte[] u16(int... words) {
    ByteBuffer b = ByteBuffer.allocate(2 * words.length).order(ByteOrder.LITTLE_ENDIAN);
    for (int w : words) {
      b.putShort((short) w);
    }
    return b.array();
  }
}
