package dev.stepwise.gallery;

import dev.stepwise.files.AtomicWrite;
import dev.stepwise.metadata.MetadataException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/** Exports library images, recipes included, as copies in a folder or as one zip file. */
public final class LibraryExport {
  private LibraryExport() {}

  /**
   * Copies the images into {@code target} (created if needed), never overwriting: a name already
   * there gets a {@code _N} suffix.
   *
   * @return the written files, in order
   */
  public static List<Path> copy(List<LibraryImage> images, Path target) {
    List<Path> out = new ArrayList<>();
    try {
      Files.createDirectories(target);
      for (LibraryImage img : images) {
        Path dst = ImageNames.free(target, null, img.name());
        Files.copy(img.file(), dst, StandardCopyOption.COPY_ATTRIBUTES);
        out.add(dst);
      }
    } catch (IOException e) {
      throw new MetadataException(
          "Cannot export into "
              + target
              + "; check that the folder is writable and the disk has room.",
          e);
    }
    return out;
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
    try {
      Files.createDirectories(abs.getParent());
      AtomicWrite.write(abs, out -> writeZip(images, out));
      return abs;
    } catch (IOException e) {
      throw new MetadataException(
          "Cannot write the zip file "
              + abs
              + "; check that the folder is writable and the disk has room.",
          e);
    }
  }

  private static void writeZip(List<LibraryImage> images, OutputStream out) throws IOException {
    Set<String> names = new HashSet<>();
    try (ZipOutputStream zip = new ZipOutputStream(out)) {
      for (LibraryImage img : images) {
        String name = img.name();
        String stem = name.substring(0, name.length() - 4);
        for (int n = 2; !names.add(name); n++) {
          name = stem + "_" + n + ".png";
        }
        zip.putNextEntry(new ZipEntry(name));
        Files.copy(img.file(), zip);
        zip.closeEntry();
      }
    }
  }
}
