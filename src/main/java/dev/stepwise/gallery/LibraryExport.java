package dev.stepwise.gallery;

import dev.stepwise.files.AtomicWrite;
import dev.stepwise.metadata.MetadataException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Exports library images, recipes included, as copies in a folder or as one zip file.
 *
 * <p>Every image that can be read is exported; one that cannot (gone, unreadable, a name this
 * system cannot spell) is left out and named afterwards in one sentence (issue 20, item 7). A copy
 * is written to a hidden temporary file in the target folder and renamed into place, and when the
 * target fails (full, not writable) the copies this export made are removed again: a folder never
 * receives a half-written file or half an export.
 */
public final class LibraryExport {
  private static final org.slf4j.Logger LOG =
      org.slf4j.LoggerFactory.getLogger(LibraryExport.class);

  private LibraryExport() {}

  /** Told after each image of an export (the CLI's {@code --progress}). */
  @FunctionalInterface
  public interface Listener {
    /**
     * {@code done} of the {@code all} images are handled; the last was written as {@code file} (a
     * copy's path, a zip entry's name), or left out when null (it cannot be read).
     */
    void exported(int done, int all, String file);
  }

  private static final Listener NOBODY = (done, all, file) -> {};

  /** Copies one open image into a new file (a seam for tests that make the target fail). */
  interface Copier {
    void copy(InputStream in, Path dst) throws IOException;
  }

  /**
   * Copies the images into {@code target} (created if needed), never overwriting: a name already
   * there gets a {@code _N} suffix.
   *
   * @return the written files, in order
   * @throws MetadataException when the target fails (nothing of this export is left there), or
   *     after copying the others when an image cannot be read, naming it
   */
  public static List<Path> copy(List<LibraryImage> images, Path target) {
    return copy(images, target, NOBODY);
  }

  /** {@link #copy(List, Path)}, telling {@code listener} after each image. */
  public static List<Path> copy(List<LibraryImage> images, Path target, Listener listener) {
    return copy(images, target, (in, dst) -> Files.copy(in, dst), listener);
  }

  static List<Path> copy(List<LibraryImage> images, Path target, Copier copier) {
    return copy(images, target, copier, NOBODY);
  }

  private static List<Path> copy(
      List<LibraryImage> images, Path target, Copier copier, Listener listener) {
    List<Path> out = new ArrayList<>();
    List<String> missed = new ArrayList<>();
    Path tmp = null;
    try {
      Files.createDirectories(target);
      for (LibraryImage img : images) {
        InputStream in = open(img, missed);
        if (in == null) {
          listener.exported(out.size() + missed.size(), images.size(), null);
          continue;
        }
        try (in) {
          tmp = target.resolve(".stepwise-export-" + UUID.randomUUID() + ".tmp");
          copier.copy(in, tmp);
          try {
            Files.setLastModifiedTime(tmp, Files.getLastModifiedTime(img.file()));
          } catch (IOException | RuntimeException e) {
            // the time is a courtesy; the copy itself is complete
          }
          Path dst = ImageNames.free(target, null, safeName(target, img.name()));
          Files.move(tmp, dst);
          tmp = null;
          out.add(dst);
        }
        listener.exported(out.size() + missed.size(), images.size(), out.get(out.size() - 1) + "");
      }
    } catch (IOException | RuntimeException e) {
      if (tmp != null) {
        Library.deleteQuietly(tmp);
      }
      out.forEach(Library::deleteQuietly);
      throw new MetadataException(
          "Cannot export into "
              + target
              + " ("
              + reason(e)
              + "); nothing of this export was left there, check that the folder is writable and"
              + " the disk has room.",
          e);
    }
    leftOut("Copied", out.size(), images.size(), target, missed);
    return out;
  }

  /** Opens an image to export, or names it in {@code missed} and returns null. */
  private static InputStream open(LibraryImage img, List<String> missed) {
    try {
      return Files.newInputStream(img.file());
    } catch (IOException | RuntimeException e) {
      LOG.warn("Cannot read {} to export it", img.file(), e);
      missed.add(img.name() + " (" + reason(e) + ")");
      return null;
    }
  }

  /** Throws the one sentence naming the images left out, when there are any. */
  private static void leftOut(String verb, int done, int all, Path where, List<String> missed) {
    if (missed.isEmpty()) {
      return;
    }
    throw new MetadataException(
        verb
            + " "
            + done
            + " of "
            + all
            + " images into "
            + where
            + "; "
            + (missed.size() == 1
                ? missed.get(0) + " was left out because it cannot be read."
                : missed.size()
                    + " were left out because they cannot be read: "
                    + String.join(", ", missed)
                    + "."));
  }

  /** A low-level cause as a fragment for parentheses. */
  private static String reason(Throwable e) {
    if (e instanceof NoSuchFileException) {
      return "the file is gone";
    }
    if (e instanceof AccessDeniedException) {
      return "permission denied";
    }
    if (e instanceof InvalidPathException) {
      return "its name cannot be spelled on this system";
    }
    String m = e.getMessage();
    return m == null || m.isBlank() ? e.getClass().getSimpleName() : m.replaceAll("[.\\s]+$", "");
  }

  /**
   * {@code name} as it can be written here: a replacement character (from a name that was not valid
   * text) becomes {@code _}, and so does every non-ASCII character when this system's file-name
   * encoding cannot spell the name.
   */
  static String safeName(Path folder, String name) {
    String n = name.replace('\uFFFD', '_');
    if (folder == null || LibraryPaths.spellable(folder, n)) {
      return n;
    }
    StringBuilder b = new StringBuilder(n.length());
    n.codePoints().forEach(c -> b.append(c < 0x80 ? (char) c : '_'));
    return b.toString();
  }

  /**
   * Writes the images into a zip file atomically ({@link AtomicWrite}), one entry per image under
   * its library name ({@code _N} added to repeated names). An existing {@code zipFile} is replaced
   * only when {@code overwrite} is set and it is a regular file: a device, a folder or a link is
   * never renamed over (issue 20, item 16: {@code --zip /dev/full} as root replaced the device).
   *
   * @return {@code zipFile}
   */
  public static Path zip(List<LibraryImage> images, Path zipFile, boolean overwrite) {
    return zip(images, zipFile, overwrite, NOBODY);
  }

  /** {@link #zip(List, Path, boolean)}, telling {@code listener} after each image. */
  public static Path zip(
      List<LibraryImage> images, Path zipFile, boolean overwrite, Listener listener) {
    Path abs = zipFile.toAbsolutePath();
    if (Files.exists(abs, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      if (!Files.isRegularFile(abs, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
        throw new MetadataException(
            "Cannot write the zip file "
                + abs
                + ": something that is not a"
                + " regular file (a folder, a link or a device) is already there.");
      }
      if (!overwrite) {
        throw new MetadataException(
            "The zip file "
                + abs
                + " already exists; choose another name"
                + " or allow replacing it (--overwrite).");
      }
    }
    List<String> missed = new ArrayList<>();
    int[] written = {0};
    try {
      Files.createDirectories(abs.getParent());
      AtomicWrite.write(
          abs,
          out -> {
            missed.clear();
            written[0] = writeZip(images, out, missed, listener);
          });
    } catch (IOException | RuntimeException e) {
      throw new MetadataException(
          "Cannot write the zip file "
              + abs
              + " ("
              + reason(e)
              + "); check that the folder is writable and the disk has room.",
          e);
    }
    leftOut("Wrote", written[0], images.size(), abs, missed);
    return abs;
  }

  private static int writeZip(
      List<LibraryImage> images, OutputStream out, List<String> missed, Listener listener)
      throws IOException {
    Set<String> names = new HashSet<>();
    int written = 0;
    try (ZipOutputStream zip = new ZipOutputStream(out)) {
      for (LibraryImage img : images) {
        InputStream in = open(img, missed);
        if (in == null) {
          listener.exported(written + missed.size(), images.size(), null);
          continue;
        }
        try (in) {
          String name = safeName(null, img.name());
          String stem = name.substring(0, name.length() - 4);
          for (int n = 2; !names.add(name); n++) {
            name = stem + "_" + n + ".png";
          }
          zip.putNextEntry(new ZipEntry(name));
          in.transferTo(zip);
          zip.closeEntry();
          written++;
          listener.exported(written + missed.size(), images.size(), name);
        }
      }
    }
    return written;
  }
}
