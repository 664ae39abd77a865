package dev.stepwise.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import javafx.geometry.Bounds;
import javafx.scene.Node;
import javafx.scene.Parent;
import javafx.scene.control.ComboBoxBase;
import javafx.scene.control.Labeled;
import javafx.scene.control.Tab;
import javafx.scene.control.TabPane;
import javafx.stage.Stage;
import org.junit.jupiter.api.Test;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

/**
 * Every button and field of the tool bar, the canvas bar, the step timeline and the gallery is in
 * view, inside the window, and shows its whole label at the default window size (1200x780) and at
 * 1024x700, with an image in the timeline and one focused in the gallery.
 */
class StudioLayoutTest extends StudioHarness {
  private static final List<String> TOOL_BAR =
      List.of("#generate", "#cancel", "#openParameters", "#theme", "#help");
  private static final List<String> CANVAS =
      List.of("#showX0", "#showXt", "#showEps", "#zoomFit", "#zoom1", "#stepLabel", "#speed");
  private static final List<String> TIMELINE =
      List.of(
          "#timeline-slider",
          "#timeline-step",
          "#timeline-play",
          "#timeline-fps",
          "#timeline-export-size",
          "#timeline-smooth",
          "#timeline-export-gif",
          "#timeline-export-png");
  private static final List<String> GALLERY =
      List.of(
          "#gallery-search",
          "#gallery-filter",
          "#favourites-only",
          "#model-filter",
          "#from-date",
          "#to-date",
          "#gallery-target",
          "#add-to-gallery",
          "#delete",
          "#undo",
          "#export",
          "#open-folder",
          "#rescan",
          "#reuse",
          "#reuse-with-seed",
          "#favourite");

  @Start
  void start(Stage stage) throws Exception {
    open(stage);
  }

  @Test
  void everyControlIsInViewAndWholeAtTheDefaultSizeAndAt1024x700() throws Exception {
    modelRead();
    generateAndWait(1);
    waitFor(
        () ->
            parts.galleryProperty().get() != null
                && parts.galleryProperty().get().images().size() == 1);
    onFx(
        () ->
            parts
                .galleryProperty()
                .get()
                .select(parts.galleryProperty().get().images().get(0), false));
    List<String> problems = new ArrayList<>();
    for (double[] size : new double[][] {{1200, 780}, {1024, 700}}) {
      onFx(
          () -> {
            stage.setWidth(size[0]);
            stage.setHeight(size[1]);
          });
      WaitForAsyncUtils.waitForFxEvents();
      assertEquals(size[0], fx(() -> stage.getScene().getWidth()));
      String at = (int) size[0] + "x" + (int) size[1] + ": ";
      select("canvasTab");
      select("timelineTab");
      check(at, TOOL_BAR, problems);
      check(at, CANVAS, problems);
      check(at, TIMELINE, problems);
      select("galleryTab");
      check(at, GALLERY, problems);
    }
    assertTrue(problems.isEmpty(), String.join("\n", problems));
  }

  private void select(String tabId) throws Exception {
    onFx(
        () -> {
          for (Node n : stage.getScene().getRoot().lookupAll(".tab-pane")) {
            TabPane tabs = (TabPane) n;
            for (Tab t : tabs.getTabs()) {
              if (tabId.equals(t.getId())) {
                tabs.getSelectionModel().select(t);
              }
            }
          }
          stage.getScene().getRoot().applyCss();
          stage.getScene().getRoot().layout();
        });
    WaitForAsyncUtils.waitForFxEvents();
    Thread.sleep(100); // a pulse or two: the tab's content is laid out
    WaitForAsyncUtils.waitForFxEvents();
  }

  private void check(String at, List<String> ids, List<String> problems) throws Exception {
    for (String id : ids) {
      String problem = fx(() -> problem(id));
      if (problem != null) {
        problems.add(at + id + " " + problem);
      }
    }
  }

  /** What is wrong with the node {@code id}: hidden, outside the window or a container, cut. */
  private String problem(String id) {
    Node n = stage.getScene().getRoot().lookup(id);
    if (n == null) {
      return "is not in the window (a tool bar's \">>\" menu holds it)";
    }
    for (Node p = n; p != null; p = p.getParent()) {
      if (!p.isVisible()) {
        return "is hidden";
      }
    }
    Bounds b = n.localToScene(n.getLayoutBounds());
    double w = stage.getScene().getWidth();
    double h = stage.getScene().getHeight();
    if (b.getMinX() < -0.5
        || b.getMinY() < -0.5
        || b.getMaxX() > w + 0.5
        || b.getMaxY() > h + 0.5) {
      return "lies outside the window: " + b;
    }
    for (Parent p = n.getParent(); p != null; p = p.getParent()) {
      Bounds pb = p.localToScene(p.getLayoutBounds());
      if (b.getMinX() < pb.getMinX() - 0.5
          || b.getMinY() < pb.getMinY() - 0.5
          || b.getMaxX() > pb.getMaxX() + 0.5
          || b.getMaxY() > pb.getMaxY() + 0.5) {
        return "is cut off by its " + p.getClass().getName() + ": " + b + " outside " + pb;
      }
    }
    if (n instanceof Labeled l && l.getText() != null && !l.getText().isEmpty()) {
      String shown = shownText(l);
      if (!l.getText().equals(shown)) {
        return "shows \"" + shown + "\" instead of \"" + l.getText() + "\"";
      }
    }
    if (n instanceof ComboBoxBase<?> c) {
      Node cell = c.lookup(".list-cell");
      if (cell instanceof Labeled l && l.getText() != null && !l.getText().isEmpty()) {
        String shown = shownText(l);
        if (!l.getText().equals(shown)) {
          return "shows \"" + shown + "\" instead of \"" + l.getText() + "\"";
        }
      }
    }
    javafx.scene.layout.Region r = (javafx.scene.layout.Region) n;
    if (r.getWidth() < Math.min(r.prefWidth(-1), 40) - 0.5) {
      return "is squeezed to " + r.getWidth() + " px";
    }
    return null;
  }
}
