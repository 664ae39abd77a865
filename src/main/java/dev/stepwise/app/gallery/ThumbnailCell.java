package dev.stepwise.app.gallery;

import dev.stepwise.gallery.LibraryImage;
import java.io.ByteArrayInputStream;
import java.util.LinkedHashMap;
import java.util.Map;
import javafx.application.Platform;
import javafx.css.PseudoClass;
import javafx.scene.control.Tooltip;
import javafx.scene.image.Image;
import javafx.scene.image.ImageView;
import org.controlsfx.control.GridCell;

/**
 * One thumbnail in the gallery grid: loads its picture in the background, marks itself when
 * selected, and selects on click (Ctrl, Cmd or Shift add to the selection).
 */
final class ThumbnailCell extends GridCell<LibraryImage> {
  static final PseudoClass SELECTED = PseudoClass.getPseudoClass("picked");
  static final PseudoClass FAVOURITE = PseudoClass.getPseudoClass("favourite");

  private final GalleryViewModel vm;
  private final Map<Long, Image> cache;
  private final ImageView view = new ImageView();
  private final Tooltip tooltip = new Tooltip();
  private volatile long wantedId = -1;

  ThumbnailCell(
      GalleryViewModel vm,
      Map<Long, Image> cache,
      java.util.function.Consumer<LibraryImage> sendToImg2img) {
    this.vm = vm;
    this.cache = cache;
    javafx.scene.control.MenuItem send =
        new javafx.scene.control.MenuItem("Send to img2img (start the next run from it)");
    send.setOnAction(e -> sendToImg2img.accept(getItem()));
    setContextMenu(new javafx.scene.control.ContextMenu(send));
    getStyleClass().add("thumbnail-cell");
    view.setPreserveRatio(true);
    view.setFitWidth(dev.stepwise.gallery.Thumbnails.SIZE);
    view.setFitHeight(dev.stepwise.gallery.Thumbnails.SIZE);
    setOnMouseClicked(
        e -> {
          if (getItem() != null) {
            vm.select(getItem(), e.isShortcutDown() || e.isShiftDown());
            if (e.getClickCount() == 2) {
              vm.reuse(false);
            }
          }
        });
    vm.selection()
        .addListener((javafx.collections.ListChangeListener<LibraryImage>) c -> updateSelected());
  }

  @Override
  protected void updateItem(LibraryImage item, boolean empty) {
    super.updateItem(item, empty);
    if (empty || item == null) {
      wantedId = -1;
      view.setImage(null);
      pseudoClassStateChanged(FAVOURITE, false);
      setGraphic(null);
      setTooltip(null);
      updateSelected();
      return;
    }
    wantedId = item.id();
    // a favourite is marked by the cell's border (CSS), not by an extra node: a cell with only
    // its ImageView lays out and renders several times faster while scrolling
    pseudoClassStateChanged(FAVOURITE, item.favourite());
    setGraphic(view);
    tooltip.setText(item.recipe() == null ? item.name() : item.recipe().prompt());
    setTooltip(tooltip);
    updateSelected();
    Image cached = cache.get(item.id());
    view.setImage(cached);
    if (cached == null) {
      long id = item.id();
      vm.thumbnail(item, () -> wantedId == id)
          .whenComplete(
              (bytes, error) -> {
                if (bytes == null) {
                  return; // scrolled on, or not decodable: the cell stays blank with its tooltip
                }
                Platform.runLater(
                    () -> {
                      Image img = new Image(new ByteArrayInputStream(bytes));
                      cache.put(id, img);
                      if (wantedId == id) {
                        view.setImage(img);
                      }
                    });
              });
    }
  }

  private void updateSelected() {
    LibraryImage item = getItem();
    pseudoClassStateChanged(
        SELECTED,
        item != null && !isEmpty() && vm.selection().stream().anyMatch(i -> i.id() == item.id()));
  }

  /** A small least-recently-used map for decoded thumbnails. */
  static <K, V> Map<K, V> lru(int max) {
    return new LinkedHashMap<>(256, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<K, V> eldest) {
        return size() > max;
      }
    };
  }
}
