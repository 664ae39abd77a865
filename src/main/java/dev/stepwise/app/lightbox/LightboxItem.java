package dev.stepwise.app.lightbox;

import dev.stepwise.engine.RgbImage;
import dev.stepwise.gallery.Recipe;
import java.nio.file.Path;

/**
 * One picture the lightbox can show: a result held in memory or a library file.
 *
 * @param title a name for the window title, such as the file name or "Result 3"
 * @param image the pixels of a result in memory, or null for a file
 * @param file the PNG file of a library image, or null for a result in memory
 * @param recipe what made it, or null when unknown
 * @param notice why the recipe is missing, or null
 */
public record LightboxItem(String title, RgbImage image, Path file, Recipe recipe, String notice) {
  public LightboxItem {
    if ((image == null) == (file == null)) {
      throw new IllegalArgumentException("a lightbox item is either an image or a file");
    }
  }
}
