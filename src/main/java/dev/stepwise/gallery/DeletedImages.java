package dev.stepwise.gallery;

import java.nio.file.Path;
import java.util.List;

/**
 * Images moved to the library's trash by {@link Library#delete}, kept so that {@link
 * Library#undoDelete} can put them back.
 *
 * @param items one entry per deleted image
 */
public record DeletedImages(List<Item> items) {

  /** Copies the list. */
  public DeletedImages {
    items = List.copyOf(items);
  }

  /**
   * One image in the trash.
   *
   * @param trashFile where the PNG lies now
   * @param originalFile where it lay
   * @param favourite whether it was a favourite
   * @param galleries the galleries it was in
   * @param tags its tags
   */
  public record Item(
      Path trashFile,
      Path originalFile,
      boolean favourite,
      List<String> galleries,
      List<String> tags) {

    /** Copies the lists. */
    public Item {
      galleries = List.copyOf(galleries);
      tags = List.copyOf(tags);
    }
  }
}
