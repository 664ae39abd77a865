package dev.stepwise.app.timeline;

import dev.stepwise.app.fx.FxImages;
import dev.stepwise.engine.RgbImage;
import java.util.IdentityHashMap;
import java.util.Map;
import javafx.collections.ListChangeListener;
import javafx.geometry.Orientation;
import javafx.scene.control.IndexedCell;
import javafx.scene.control.ListCell;
import javafx.scene.control.ListView;
import javafx.scene.control.skin.VirtualFlow;
import javafx.scene.image.Image;
import javafx.scene.image.ImageView;

/**
 * The timeline's row of step thumbnails: a horizontal, virtualised list, so a run of a thousand
 * steps costs only the cells on screen. Cells carry the ids {@code timeline-frame-N} (N the 0-based
 * step) and the style class {@code timeline-frame}.
 */
final class Filmstrip extends ListView<TimelineViewModel.Frame> {
  static final int THUMB = 56;

  private final TimelineViewModel vm;
  private final Map<RgbImage, Image> thumbs = new IdentityHashMap<>();
  private boolean syncing;

  Filmstrip(TimelineViewModel vm) {
    super(vm.frames());
    this.vm = vm;
    setId("timeline-strip");
    setOrientation(Orientation.HORIZONTAL);
    setFixedCellSize(THUMB + 12);
    setPrefHeight(THUMB + 34);
    setMinHeight(THUMB + 34);
    setCellFactory(list -> new FrameCell());
    vm.frames()
        .addListener(
            (ListChangeListener<TimelineViewModel.Frame>)
                c -> {
                  while (c.next()) {
                    for (TimelineViewModel.Frame f : c.getRemoved()) {
                      thumbs.remove(f.image());
                    }
                  }
                });
    getSelectionModel()
        .selectedItemProperty()
        .addListener(
            (o, a, b) -> {
              if (!syncing && b != null) {
                vm.playingProperty().set(false);
                vm.selectedStepProperty().set(b.step());
              }
            });
    vm.selectedFrameProperty().addListener((o, a, b) -> follow(b));
    follow(vm.selectedFrameProperty().get());
  }

  /** Selects the frame the view model shows and scrolls it into view. */
  private void follow(TimelineViewModel.Frame f) {
    syncing = true;
    try {
      if (f == null) {
        getSelectionModel().clearSelection();
        return;
      }
      int i = getItems().indexOf(f);
      if (i >= 0 && getSelectionModel().getSelectedIndex() != i) {
        getSelectionModel().select(i);
        if (!fullyVisible(i)) {
          scrollTo(Math.max(0, i - 2));
        }
      }
    } finally {
      syncing = false;
    }
  }

  /** Whether cell {@code i} lies strictly inside the visible cells (scrolling costs a layout). */
  private boolean fullyVisible(int i) {
    if (!(lookup(".virtual-flow") instanceof VirtualFlow<?> flow)) {
      return false;
    }
    IndexedCell<?> first = flow.getFirstVisibleCell();
    IndexedCell<?> last = flow.getLastVisibleCell();
    return first != null && last != null && i > first.getIndex() && i < last.getIndex();
  }

  private Image thumbnail(RgbImage img) {
    return thumbs.computeIfAbsent(
        img,
        i -> {
          if (i.width() <= THUMB && i.height() <= THUMB) {
            return FxImages.toFx(i);
          }
          int[] wh = FrameScaler.fitLongSide(i.width(), i.height(), THUMB);
          return FxImages.toFx(FrameScaler.scale(i, wh[0], wh[1], true));
        });
  }

  /** One step's thumbnail. */
  private final class FrameCell extends ListCell<TimelineViewModel.Frame> {
    private final ImageView view = new ImageView();

    FrameCell() {
      view.setFitWidth(THUMB);
      view.setFitHeight(THUMB);
      view.setPreserveRatio(true);
      view.setSmooth(true);
      getStyleClass().add("timeline-frame");
    }

    @Override
    protected void updateItem(TimelineViewModel.Frame f, boolean empty) {
      super.updateItem(f, empty);
      setText(null);
      if (empty || f == null) {
        setId(null);
        setGraphic(null);
        setAccessibleText(null);
      } else {
        setId("timeline-frame-" + f.step());
        view.setImage(thumbnail(f.image()));
        setGraphic(view);
        setAccessibleText("Step " + (f.step() + 1));
      }
    }
  }
}
