package dev.stepwise.app.timeline;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Writes a file through a temporary file in the same folder, renamed over the target at the end.
 */
final class AtomicFiles {
  private AtomicFiles() {}

  /** Something that writes the file's bytes to a stream. */
  @FunctionalInterface
  interface Writer {
    void write(OutputStream out) throws IOException;
  }

  /**
   * Writes {@code file} atomically: bytes go to a hidden temporary file beside it, forced to disk,
   * then moved over {@code file}; on failure the temporary file is removed and {@code file} is
   * untouched.
   */
  static void write(Path file, Writer writer) throws IOException {
    Path target = file.toAbsolutePath();
    Path dir = target.getParent();
    if (dir == null || !Files.isDirectory(dir)) {
      throw new IOException("the folder " + dir + " does not exist");
    }
    Path tmp = Files.createTempFile(dir, "." + target.getFileName(), ".part");
    try {
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE);
          OutputStream os = new java.io.BufferedOutputStream(Channels.newOutputStream(ch))) {
        writer.write(os);
        os.flush();
        ch.force(true);
      }
      try {
        Files.move(
            tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
      }
      tmp = null;
    } finally {
      if (tmp != null) {
        Files.deleteIfExists(tmp);
      }
    }
  }
}
