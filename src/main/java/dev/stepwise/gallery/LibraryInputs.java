package dev.stepwise.gallery;

import dev.stepwise.files.AtomicWrite;
import dev.stepwise.metadata.MetadataException;
import dev.stepwise.metadata.PngImage;
import dev.stepwise.recipe.PictureParameters;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The pictures runs started from (init images, masks), kept in the library's metadata folder as
 * {@code .stepwise/inputs/<hash>.png}, so that a recipe that names one by its hash ({@code Init
 * image}, {@code Mask image}) can be reused later. The hash is the first 16 hex digits of the
 * SHA-256 of the pixels: width and height as 4 big-endian bytes each, then the RGB bytes (so it
 * does not depend on how a PNG encoder compresses them); a picture already kept is not written
 * again. Hidden folders are never scanned, so these are not library images.
 */
public final class LibraryInputs {
  /** The folder inside {@link Library#META_FOLDER}. */
  public static final String FOLDER = "inputs";

  private static final Pattern HASH = Pattern.compile("[0-9a-f]{16}");

  private LibraryInputs() {}

  /** The hash of RGB pixels ([H, W, 3]) as {@link #keep} names their file. */
  public static String hash(int width, int height, byte[] rgb) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      md.update(java.nio.ByteBuffer.allocate(8).putInt(width).putInt(height).array());
      md.update(rgb);
      return HexFormat.of().formatHex(md.digest(), 0, 8);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("Every Java runtime has SHA-256.", e);
    }
  }

  /**
   * The recipe keys naming a run's pictures, {@code Init image} and (with a mask) {@code Mask
   * image}, each the hash of its copy kept in {@code lib}; with no library (a run saved to a file)
   * only the hashes. What the CLI and the studio both record.
   *
   * @param image the init image's RGB ([H, W, 3])
   * @param mask the mask's RGB of the same size, or null
   * @throws MetadataException when a copy cannot be written
   */
  public static Map<String, String> keys(
      Library lib, int width, int height, byte[] image, byte[] mask) {
    Map<String, String> keys = new java.util.LinkedHashMap<>();
    keys.put(
        PictureParameters.INIT_IMAGE,
        lib == null ? hash(width, height, image) : lib.keepInput(width, height, image));
    if (mask != null) {
      keys.put(
          PictureParameters.MASK_IMAGE,
          lib == null ? hash(width, height, mask) : lib.keepInput(width, height, mask));
    }
    return keys;
  }

  /**
   * Keeps the picture in {@code library}'s inputs folder (atomically; once) and returns its hash.
   *
   * @throws MetadataException when it cannot be written
   */
  static String keep(Path meta, int width, int height, byte[] rgb) {
    String hash = hash(width, height, rgb);
    Path file = meta.resolve(FOLDER).resolve(hash + ".png");
    try {
      if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
        Files.createDirectories(file.getParent());
        AtomicWrite.writeBytes(file, PngImage.encode(width, height, rgb, Map.of()));
      }
      return hash;
    } catch (IOException | RuntimeException e) {
      throw new MetadataException(
          "Cannot keep a copy of the picture in the library's "
              + meta.resolve(FOLDER)
              + " folder; check that the folder is writable and the disk has room.",
          e);
    }
  }

  /** The kept picture with this hash, or null when the hash is malformed or nothing is kept. */
  static Path find(Path meta, String hash) {
    if (hash == null || !HASH.matcher(hash.strip()).matches()) {
      return null;
    }
    Path file = meta.resolve(FOLDER).resolve(hash.strip() + ".png");
    return Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS) ? file : null;
  }
}
