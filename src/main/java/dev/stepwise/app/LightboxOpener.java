package dev.stepwise.app;

import dev.stepwise.app.gallery.GalleryViewModel;
import dev.stepwise.app.lightbox.LightboxItem;
import dev.stepwise.app.lightbox.LightboxViewModel;
import dev.stepwise.app.lightbox.LightboxWindow;
import dev.stepwise.app.studio.ResultItem;
import dev.stepwise.app.studio.StudioViewModel;
import dev.stepwise.app.studio.StudioWindow;
import dev.stepwise.engine.ModelInfo;
import dev.stepwise.gallery.LibraryImage;
import dev.stepwise.gallery.Recipe;
import java.util.ArrayList;
import java.util.List;

/** The studio's lightbox: one at a time, over the window, on a result or a gallery image. */
final class LightboxOpener {
  private final StudioViewModel vm;
  private final StudioWindow window;
  private LightboxWindow lightbox;

  LightboxOpener(StudioViewModel vm, StudioWindow window) {
    this.vm = vm;
    this.window = window;
  }

  /**
   * Opens the lightbox on result {@code index}; the arrow keys step through this session's results,
   * each with its saved recipe ({@code savedResults}, null while unsaved) or one made from its
   * request.
   */
  void results(List<LibraryImage> savedResults, ModelInfo model, int index) {
    List<LightboxItem> items = new ArrayList<>();
    List<ResultItem> results = vm.jobs().results();
    for (int i = 0; i < results.size(); i++) {
      ResultItem r = results.get(i);
      LibraryImage saved = i < savedResults.size() ? savedResults.get(i) : null;
      Recipe recipe =
          saved != null && saved.recipe() != null
              ? saved.recipe()
              : Recipe.made(
                  r.request().settings(),
                  r.seed(),
                  r.image().width(),
                  r.image().height(),
                  -1,
                  model == null ? null : model.name(),
                  model == null ? null : model.hash());
      items.add(new LightboxItem("result " + (i + 1), r.image(), null, recipe, null));
    }
    openLightbox(items, index);
  }

  /** Opens the lightbox on {@code img}; the arrow keys step through the gallery's images. */
  void gallery(GalleryViewModel g, LibraryImage img) {
    List<LightboxItem> items = new ArrayList<>();
    int start = 0;
    for (LibraryImage i : g.images()) {
      if (i.id() == img.id()) {
        start = items.size();
      }
      items.add(new LightboxItem(i.name(), null, i.file(), i.recipe(), i.notice()));
    }
    openLightbox(items, start);
  }

  private void openLightbox(List<LightboxItem> items, int start) {
    if (items.isEmpty()) {
      return;
    }
    if (lightbox != null) {
      lightbox.stage().close(); // one lightbox at a time
    }
    lightbox =
        LightboxWindow.show(
            window.root().getScene() == null ? null : window.root().getScene().getWindow(),
            new LightboxViewModel(items, start));
  }

  /** The lightbox opened last (it may be closed since), or null. */
  LightboxWindow window() {
    return lightbox;
  }

  /** Closes the open lightbox, if any. */
  void close() {
    if (lightbox != null) {
      lightbox.stage().close();
    }
  }
}
