package dev.stepwise.app.gallery;

import dev.stepwise.gallery.LibraryImage;
import javafx.collections.ListChangeListener;

/**
 * Shows a session result in the gallery without ever detailing an image the grid hides: filters
 * that hide it are cleared (and the gallery says so); it is selected once the grid lists it.
 */
public final class GalleryReveal {
  private final GalleryViewModel gallery;
  private ListChangeListener<LibraryImage> waiting;

  public GalleryReveal(GalleryViewModel gallery) {
    this.gallery = gallery;
  }

  /** The gallery it shows images in. */
  public GalleryViewModel gallery() {
    return gallery;
  }

  /** Selects {@code image}, now or once listed; returns the sentence when filters were cleared. */
  public String reveal(LibraryImage image) {
    if (waiting != null) {
      gallery.images().removeListener(waiting);
    }
    waiting = c -> select(image);
    if (select(image)) {
      return null;
    }
    gallery.images().addListener(waiting);
    if (!gallery.filters().active()) {
      gallery.refresh(); // saved a moment ago: the grid may not list it yet
      return null;
    }
    String said =
        "The gallery's search and filters were cleared to show "
            + (image.recipe() == null
                ? image.name()
                : "the image with seed " + image.recipe().seed())
            + ".";
    gallery.message().set(said);
    gallery.filters().clear(); // its refresh lists the image
    return said;
  }

  private boolean select(LibraryImage image) {
    for (LibraryImage i : gallery.images()) {
      if (i.id() == image.id()) {
        gallery.select(i, false);
        gallery.images().removeListener(waiting);
        return true;
      }
    }
    return false;
  }
}
