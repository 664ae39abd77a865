package dev.stepwise.app.studio;

import dev.stepwise.app.fx.FxImages;
import java.util.function.Consumer;
import java.util.function.IntConsumer;
import javafx.collections.ListChangeListener;
import javafx.geometry.Insets;
import javafx.scene.control.ContextMenu;
import javafx.scene.control.Label;
import javafx.scene.control.MenuItem;
import javafx.scene.control.ScrollPane;
import javafx.scene.control.Tooltip;
import javafx.scene.image.ImageView;
import javafx.scene.input.MouseButton;
import javafx.scene.layout.HBox;
import javafx.scene.layout.VBox;

/** The finished images of this session, newest last, each with its seed. */
public final class ResultsStrip extends ScrollPane {
  /** Thumbnail side in pixels. */
  public static final double THUMB = 96;

  private final HBox row = new HBox(6);
  private IntConsumer onOpen = i -> {};
  private IntConsumer onView = i -> {};
  private Consumer<ResultItem> onVary = r -> {};
  private Consumer<ResultItem> onSendToImg2img = r -> {};
  private int added;

  public ResultsStrip(JobsViewModel vm) {
    setId("results");
    row.getStyleClass().add("results-strip");
    row.setPadding(new Insets(4));
    setContent(row);
    setFitToHeight(true);
    setVbarPolicy(ScrollBarPolicy.NEVER);
    Label empty = new Label("Finished images appear here.");
    empty.getStyleClass().add("slot-placeholder");
    row.getChildren().add(empty);
    vm.results()
        .addListener(
            (ListChangeListener<ResultItem>)
                c -> {
                  while (c.next()) {
                    for (ResultItem r : c.getAddedSubList()) {
                      if (row.getChildren().size() == 1 && row.getChildren().get(0) == empty) {
                        row.getChildren().clear();
                      }
                      row.getChildren().add(cell(r, added++));
                    }
                  }
                  showNewest();
                });
  }

  /**
   * Scrolls to the newest image: after the new cell is laid out (before that the old end is where
   * the scroll bar's maximum leads), and again when the strip's content grows.
   */
  private void showNewest() {
    row.applyCss();
    layout();
    setHvalue(getHmax());
  }

  /**
   * Sets what a click on a result does; it receives the result's index in {@link
   * JobsViewModel#results()} (the studio shows that image in the gallery).
   */
  public void setOnOpen(IntConsumer action) {
    onOpen = action == null ? i -> {} : action;
  }

  /**
   * Sets what a double-click on a result (or its menu's "View large") does; it receives the
   * result's index in {@link JobsViewModel#results()} (the studio opens the lightbox there).
   */
  public void setOnView(IntConsumer action) {
    onView = action == null ? i -> {} : action;
  }

  /** Sets what a result's right-click menu item "Send to img2img" does. */
  public void setOnSendToImg2img(Consumer<ResultItem> action) {
    onSendToImg2img = action;
  }

  /** Sets what a result's right-click menu item "Vary" does. */
  public void setOnVary(Consumer<ResultItem> action) {
    onVary = action;
  }

  private VBox cell(ResultItem r, int index) {
    ImageView v = new ImageView(FxImages.toFx(r.image()));
    v.setFitWidth(THUMB);
    v.setFitHeight(THUMB);
    v.setPreserveRatio(true);
    v.setSmooth(true);
    double varied = r.request().settings().variationStrength();
    Label seed = new Label("seed " + r.seed() + (varied > 0 ? " ~" + varied : ""));
    VBox box = new VBox(2, v, seed);
    box.getStyleClass().add("result-cell");
    MenuItem vary = new MenuItem("Vary: 4 neighbours (same seed, variation seeds)");
    vary.setOnAction(e -> onVary.accept(r));
    MenuItem large = new MenuItem("View large (double-click)");
    large.setOnAction(e -> onView.accept(index));
    MenuItem send = new MenuItem("Send to img2img (start the next run from it)");
    send.setOnAction(e -> onSendToImg2img.accept(r));
    ContextMenu menu = new ContextMenu(large, vary, send);
    box.setOnMouseClicked(
        e -> {
          if (e != null && e.getButton() == MouseButton.PRIMARY && e.getClickCount() == 2) {
            onView.accept(index);
          } else if (e == null || e.getButton() == MouseButton.PRIMARY) {
            onOpen.accept(index);
          } else {
            menu.show(box, e.getScreenX(), e.getScreenY());
          }
        });
    Tooltip.install(
        box,
        new Tooltip(
            r.request().settings().prompt()
                + "\nseed "
                + r.seed()
                + " · "
                + r.request().settings().steps()
                + " steps · "
                + r.request().settings().sampler().displayName()
                + " · scale "
                + r.request().settings().guidance()));
    return box;
  }
}
