package dev.stepwise.app.timeline;

import dev.stepwise.engine.RgbImage;
import dev.stepwise.metadata.PngImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Writes frames as numbered PNG files, {@code frame-0001.png}, {@code frame-0002.png}, ..., in
 * frame order, each written atomically by {@link PngImage#write}.
 */
public final class PngFrames {
  private PngFrames() {}

  /**
   * Returns the file name of frame {@code index} (0-based) of {@code count}: 1-based, zero-padded
   * to at least four digits so that names sort in frame order (ffmpeg's {@code frame-%04d.png}).
   */
  public static String fileName(String prefix, int index, int count) {
    int digits = Math.max(4, Integer.toString(count).length());
    return String.format(Locale.ROOT, "%s-%0" + digits + "d.png", prefix, index + 1);
  }

  /**
   * Writes every frame into {@code dir} as {@code prefix-NNNN.png} and returns the paths in order.
   *
   * @throws ExportException with a plain sentence when the folder is missing or a file fails
   */
  public static List<Path> write(Path dir, String prefix, List<RgbImage> frames) {
    if (frames == null || frames.isEmpty()) {
      throw new ExportException("There are no frames to save yet.", null);
    }
    if (dir == null || !Files.isDirectory(dir)) {
      throw new ExportException(
          "Cannot save the frames to " + dir + " because it is not a folder.", null);
    }
    List<Path> written = new ArrayList<>(frames.size());
    for (int i = 0; i < frames.size(); i++) {
      RgbImage f = frames.get(i);
      Path file = dir.resolve(fileName(prefix, i, frames.size()));
      try {
        PngImage.write(file, f.width(), f.height(), f.rgb(), Map.of("Software", "Stepwise"));
      } catch (RuntimeException e) {
        throw new ExportException(
            "Could not save frame " + (i + 1) + " to " + file + " (" + GifWriter.reason(e) + ").",
            e);
      }
      written.add(file);
    }
    return written;
  }
}
