package dev.stepwise.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stepwise.engine.sampling.BetaSchedule;
import dev.stepwise.engine.sampling.PredictionType;
import dev.stepwise.engine.sampling.SchedulerConfig;
import java.util.ArrayList;
import java.util.List;
import javafx.geometry.Bounds;
import javafx.scene.Node;
import javafx.scene.chart.Axis;
import javafx.scene.chart.LineChart;
import javafx.scene.text.Text;
import javafx.stage.Stage;
import org.junit.jupiter.api.Test;
import org.testfx.framework.junit5.Start;

/**
 * At 1200x780 (the default) and 1024x700, with an image made and focused in the gallery, every
 * control of the tool bar, canvas bar, timeline, gallery and forward-process explorer is in view
 * with its whole label, the seven t-frames are in view, and chart axis labels are evenly spaced
 * without overlapping (issue 16, items 2 and 7).
 */
class StudioFitsTest extends StudioHarness {
  private static final String[] MAIN = {
    "#generate",
    "#cancel",
    "#openParameters",
    "#theme",
    "#help",
    "#showX0",
    "#showXt",
    "#showEps",
    "#zoomPixels",
    "#zoomFit",
    "#zoom1",
    "#stepLabel",
    "#speed",
    "#timeline-slider",
    "#timeline-step",
    "#timeline-play",
    "#timeline-fps",
    "#timeline-export-size",
    "#timeline-smooth",
    "#timeline-export-gif",
    "#timeline-export-png"
  };
  private static final String[] GALLERY = {
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
    "#view-large",
    "#favourite"
  };
  private static final String[] EXPLORER = {
    "#explain-last-image", "#explain-open", "#explain-new-noise", "#explain-latent-toggle"
  };

  @Start
  void start(Stage s) throws Exception {
    open(s);
  }

  @Test
  void everyControlIsInViewAndWholeAtTheDefaultSizeAnd1024x700() throws Exception {
    modelRead();
    generateAndWait(1);
    waitFor(() -> parts.galleryProperty().get().images().size() == 1);
    onFx(
        () ->
            parts
                .galleryProperty()
                .get()
                .select(parts.galleryProperty().get().images().get(0), false));
    List<String> problems = new ArrayList<>();
    for (int[] size : new int[][] {{1200, 780}, {1024, 700}}) {
      String at = size[0] + "x" + size[1] + ": ";
      show(size[0], size[1], "canvasTab", "timelineTab");
      check(at, MAIN, true, problems);
      show(size[0], size[1], "galleryTab");
      check(at, GALLERY, true, problems);
      show(size[0], size[1], "explainTab");
      check(at, EXPLORER, false, problems); // the explain view scrolls down, never across
      List<Bounds> frames =
          fx(
              () ->
                  window.explainSlot().lookup("#explain-strip").lookupAll(".image-view").stream()
                      .map(n -> n.localToScene(n.getLayoutBounds()))
                      .toList());
      Bounds strip =
          fx(() -> window.explainSlot().lookup("#explain-strip").getParent().getParent())
              .localToScene(
                  fx(
                      () ->
                          window
                              .explainSlot()
                              .lookup("#explain-strip")
                              .getParent()
                              .getParent()
                              .getLayoutBounds()));
      assertEquals(7, frames.size());
      if (frames.get(6).getMaxX() > strip.getMaxX() + 0.5 || frames.get(0).getWidth() < 48) {
        problems.add(at + "the t-frames " + frames + " do not fit " + strip);
      }
      // The pack's scaled-linear schedule, then a cosine one spanning 20 decades of SNR.
      for (BetaSchedule b : List.of(BetaSchedule.SCALED_LINEAR, BetaSchedule.SQUAREDCOS_CAP_V2)) {
        SchedulerConfig c =
            new SchedulerConfig(
                1000, 0.00085, 0.012, b, null, PredictionType.EPSILON, null, 1, false, false);
        onFx(() -> parts.explain().setModel(null, c, "ddim", false, 10));
        show(size[0], size[1], "explainTab");
        for (String chart : List.of("#explain-alphabar-chart", "#explain-snr-chart")) {
          LineChart<?, ?> lc = (LineChart<?, ?>) fx(() -> window.explainSlot().lookup(chart));
          for (Axis<?> axis : List.of(lc.getXAxis(), lc.getYAxis())) {
            problems.addAll(fx(() -> labels(at + b + " " + chart + " ", axis)));
          }
        }
      }
    }
    assertTrue(problems.isEmpty(), String.join("\n", problems));
  }

  private void check(String at, String[] ids, boolean down, List<String> problems)
      throws Exception {
    for (String id : ids) {
      String p = fx(() -> layoutProblem(id, down));
      if (p != null) {
        problems.add(at + p);
      }
    }
  }

  /**
   * Overlapping tick labels (or title) of {@code axis}, and shown values that are not evenly spaced
   * (an odd last one, "999" after "900", crowds its neighbour).
   */
  private static List<String> labels(String where, Axis<?> axis) {
    List<Node> shown =
        axis.getChildrenUnmodifiable().stream()
            .filter(
                n ->
                    n.isVisible()
                        && (n instanceof Text || n.getStyleClass().contains("axis-label")))
            .toList();
    List<String> out = new ArrayList<>();
    List<Double> v =
        shown.stream()
            .filter(n -> n instanceof Text)
            .map(n -> Double.parseDouble(((Text) n).getText().replace(",", "")))
            .sorted()
            .toList();
    for (int i = 2; i < v.size(); i++) {
      if (Math.abs(v.get(i) - v.get(i - 1) - (v.get(1) - v.get(0))) > 1e-9) {
        out.add(where + "labels are not evenly spaced: " + v);
        break;
      }
    }
    for (int i = 0; i < shown.size(); i++) {
      for (int j = i + 1; j < shown.size(); j++) {
        if (shown
            .get(i)
            .localToScene(shown.get(i).getBoundsInLocal())
            .intersects(shown.get(j).localToScene(shown.get(j).getBoundsInLocal()))) {
          out.add(where + "labels overlap: " + v);
        }
      }
    }
    return out;
  }
}
