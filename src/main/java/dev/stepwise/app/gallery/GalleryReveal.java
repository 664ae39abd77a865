package dev.stepwise.app.gallery;

import dev.stepwise.gallery.LibraryImage;
import javafx.collections.ListChangeListener;

/**
 * Shows one library image in the gallery (a click on a session result): the details pane never
 * shows an image the grid hides. When the search or a filter hides it, the filters are cleared and
 * the gallery says so; the image is selected once the grid lists it. Used on the FX thread.
 */
public final class GalleryReveal {
  private final GalleryViewModel gallery;
  private ListChangeListener<LibraryImage> waiting;

  /** Reveals images in {@code gallery}. */
  public GalleryReveal(GalleryViewModel gallery) {
    this.gallery = gallery;
  }

  /**
   * Selects {@code image} in the grid and the details, now or as soon as the grid lists it.
   *
   * @return a sentence when the filters were cleared to show it, else null
   */
  public String reveal(LibraryImage image) {
    stopWaiting();
    if (selectIfListed(image)) {
      return null;
    }
    String said = null;
    if (gallery.filters().active()) {
      said =
          "The gallery's search and filters were cleared to show "
              + (image.recipe() != null
                  ? "the image with seed " + image.recipe().seed()
                  : image.name())
              + ".";
      gallery.message().set(said);
    }
    waiting =
        c -> {
          if (selectIfListed(image)) {
            stopWaiting();
          }
        };
    gallery.images().addListener(waiting);
    if (said != null) {
      gallery.filters().clear(); // the refresh it runs lists the image
    } else {
      gallery.refresh(); // saved a moment ago: the grid may not list it yet
    }
    return said;
  }

  /** The gallery it reveals images in. */
  public GalleryViewModel gallery() {
    return gallery;
  }

  private boolean selectIfListed(LibraryImage image) {
    for (LibraryImage i : gallery.images()) {
      if (i.id() == image.id()) {
        gallery.select(i, false);
        return true;
      }
    }
    return false;
  }

  private void stopWaiting() {
    if (waiting != null) {
      gallery.images().removeListener(waiting);
      waiting = null;
    }
  }
}
