package dev.stepwise.engine.pack;

import dev.stepwise.engine.ModelPackException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/** Streams files through SHA-256 in 1 MiB chunks, so multi-gigabyte weights need no big buffer. */
final class WeightsHash {
  private WeightsHash() {}

  /** The lower-case hex SHA-256 of the concatenated bytes of {@code files}, in list order. */
  static String sha256Hex(List<Path> files) {
    MessageDigest digest;
    try {
      digest = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("Every Java runtime provides SHA-256.", e);
    }
    ByteBuffer buf = ByteBuffer.allocateDirect(1 << 20);
    for (Path file : files) {
      try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
        while (ch.read(buf) >= 0) {
          buf.flip();
          digest.update(buf);
          buf.clear();
        }
      } catch (IOException e) {
        throw new ModelPackException(
            "The weights file " + file + " cannot be read for hashing (" + e.getMessage() + ").",
            e);
      }
    }
    return HexFormat.of().formatHex(digest.digest());
  }
}
