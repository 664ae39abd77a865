package dev.stepwise.files;

import java.io.BufferedOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * The one way Stepwise writes a file atomically: a reader (or a crash) sees either the old file or
 * the complete new one, never a part of it.
 *
 * <p>The bytes go to a hidden temporary file in the target's folder, named {@code .<name>.<12 hex
 * digits>.tmp} (see {@link #isTemporary}) and created with the user's usual permissions (the umask,
 * as for any new file). The temporary file is flushed and forced to disk ({@link
 * FileChannel#force}), then renamed over the target with {@link StandardCopyOption#ATOMIC_MOVE} and
 * {@link StandardCopyOption#REPLACE_EXISTING}; only where the file system refuses an atomic rename
 * ({@link AtomicMoveNotSupportedException}) does a plain replacing rename stand in. Last, the
 * folder is forced to disk so that the rename itself survives a power cut; where the platform
 * cannot open a folder for that (Windows), this step is skipped.
 *
 * <p>Durability policy, the same for every caller: the file is always forced before the rename and
 * the folder always after it. No caller writes so much or so often that the cost matters (a zip
 * export forces once, at its end), and a file reported as written is then really on disk.
 *
 * <p>On any failure (the content callback throwing, a full disk, a refused rename) the temporary
 * file is removed and the target is left exactly as it was. What may be replaced is the caller's
 * decision: this class renames over whatever is at the target path (a link is replaced, not
 * followed), so a caller that must never replace a device, a link or an existing file checks before
 * writing. The target's folder must exist.
 */
public final class AtomicWrite {
  /** Where the content goes: the temporary file, buffered. */
  @FunctionalInterface
  public interface Content {
    /**
     * Writes the whole file to {@code out}. Closing {@code out} only flushes it, so wrappers such
     * as a zip stream may be closed freely.
     */
    void writeTo(OutputStream out) throws IOException;
  }

  private static final Pattern TEMPORARY = Pattern.compile("\\..+\\.[0-9a-f]{12}\\.tmp");
  private static final int MAX_STEM = 100;
  private static final SecureRandom RANDOM = new SecureRandom();

  private AtomicWrite() {}

  /**
   * Writes {@code target} atomically with what {@code content} writes.
   *
   * @throws NoSuchFileException when the target's folder does not exist
   * @throws IOException when the content callback fails or the file cannot be written, forced or
   *     renamed; the target is then untouched and no temporary file is left
   */
  public static void write(Path target, Content content) throws IOException {
    Path file = target.toAbsolutePath();
    Path dir = file.getParent();
    if (dir == null || !Files.isDirectory(dir)) {
      throw new NoSuchFileException(String.valueOf(dir), null, "the folder does not exist");
    }
    Path tmp = createTemporary(dir, file.getFileName().toString());
    boolean moved = false;
    try {
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE);
          OutputStream os = new BufferedOutputStream(Channels.newOutputStream(ch), 1 << 16)) {
        content.writeTo(new KeepOpen(os));
        os.flush();
        ch.force(true);
      }
      move(tmp, file);
      moved = true;
    } finally {
      if (!moved) {
        try {
          Files.deleteIfExists(tmp);
        } catch (IOException ignored) {
          // nothing more can be done; the original failure is already on its way to the caller
        }
      }
    }
    forceFolder(dir);
  }

  /** Writes {@code bytes} to {@code target} atomically; see {@link #write(Path, Content)}. */
  public static void writeBytes(Path target, byte[] bytes) throws IOException {
    write(target, out -> out.write(bytes));
  }

  /** Writes {@code text} as UTF-8 to {@code target} atomically; see {@link #write}. */
  public static void writeString(Path target, String text) throws IOException {
    writeBytes(target, text.getBytes(StandardCharsets.UTF_8));
  }

  /**
   * Returns whether {@code file} is named like a temporary file of this class, which a crash in the
   * middle of a write may leave behind (hidden, and safe to delete once it is old).
   */
  public static boolean isTemporary(Path file) {
    Path name = file.getFileName();
    return name != null && TEMPORARY.matcher(name.toString()).matches();
  }

  /** Creates a new, empty temporary file beside the target (never one that already exists). */
  private static Path createTemporary(Path dir, String target) throws IOException {
    String stem = target.length() > MAX_STEM ? target.substring(0, MAX_STEM) : target;
    for (int attempt = 0; ; attempt++) {
      byte[] salt = new byte[6];
      RANDOM.nextBytes(salt);
      Path tmp = dir.resolve("." + stem + "." + HexFormat.of().formatHex(salt) + ".tmp");
      try {
        // CREATE_NEW with default attributes: the user's usual permissions (umask)
        Files.newByteChannel(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE).close();
        return tmp;
      } catch (FileAlreadyExistsException e) {
        if (attempt >= 10) {
          throw e;
        }
      }
    }
  }

  private static void move(Path tmp, Path target) throws IOException {
    try {
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
    }
  }

  /** Makes the rename durable where the platform allows syncing a folder (not on Windows). */
  private static void forceFolder(Path dir) {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException | RuntimeException ignored) {
      // folders cannot be opened for syncing everywhere; the file's data is already on disk
    }
  }

  /** Passes writes through; {@link #close} only flushes, so the channel stays open to force. */
  private static final class KeepOpen extends FilterOutputStream {
    KeepOpen(OutputStream out) {
      super(out);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      out.write(b, off, len);
    }

    @Override
    public void close() throws IOException {
      out.flush();
    }
  }
}
