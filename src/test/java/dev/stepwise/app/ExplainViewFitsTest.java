package dev.stepwise.app;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stepwise.app.explain.ExplainViewModel;
import dev.stepwise.engine.RgbImage;
import dev.stepwise.engine.sampling.BetaSchedule;
import dev.stepwise.engine.sampling.PredictionType;
import dev.stepwise.engine.sampling.SchedulerConfig;
import dev.stepwise.gallery.Library;
import dev.stepwise.gallery.Recipe;
import dev.stepwise.metadata.PngImage;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javafx.geometry.Bounds;
import javafx.scene.Node;
import javafx.scene.chart.Axis;
import javafx.scene.chart.LineChart;
import javafx.scene.control.Button;
import javafx.scene.control.Labeled;
import javafx.scene.control.ScrollPane;
import javafx.scene.control.Tab;
import javafx.scene.control.TabPane;
import javafx.scene.text.Text;
import javafx.stage.Stage;
import org.junit.jupiter.api.Test;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

/**
 * The explain view starts its forward-process explorer from the user's picture (the library's
 * newest at start, then each new image; an opened file stays until "Last image"), and at 1200x780
 * and 1024x700 its buttons are whole, all seven t-frames are in view and no axis labels overlap.
 */
class ExplainViewFitsTest extends StudioHarness {
  /** The library's newest image before the studio opens: a flat 32x32 orange. */
  private static final byte[] ORANGE = new byte[32 * 32 * 3];

  static {
    for (int p = 0; p < 32 * 32; p++) {
      ORANGE[p * 3] = (byte) 240;
      ORANGE[p * 3 + 1] = (byte) 130;
      ORANGE[p * 3 + 2] = 20;
    }
  }

  @Start
  void start(Stage stage) throws Exception {
    open(stage);
  }

  @Override
  protected void fillLibrary(Path dir) {
    try (Library lib = Library.open(dir)) {
      lib.save(
          32,
          32,
          ORANGE,
          new Recipe(
              "an orange",
              "",
              "tiny-sd",
              "",
              "ddim",
              false,
              4,
              5,
              0,
              7,
              32,
              32,
              10,
              "Stepwise",
              Instant.now(),
              Map.of()));
    }
  }

  @Test
  void theExplorerStartsFromTheUsersPictureAndKeepsAnOpenedOne(FxRobot robot) throws Exception {
    ExplainViewModel explain = parts.explain();
    waitFor(() -> explain.offeredImageProperty().get() != null);
    assertArrayEquals(
        ORANGE, fx(() -> explain.sourceImageProperty().get().rgb()), "the library's newest");
    modelRead();
    generateAndWait(1);
    RgbImage made = fx(() -> vm.jobs().results().get(0).image());
    assertSame(made, fx(() -> explain.sourceImageProperty().get()), "the image just made");

    Path own = libraryDir.resolve("own.png");
    PngImage.write(own, 4, 4, new byte[4 * 4 * 3], Map.of());
    onFx(() -> explain.loadImage(own));
    waitFor(() -> explain.sourceImageProperty().get().width() == 4);
    generateAndWait(2);
    assertEquals(4, fx(() -> explain.sourceImageProperty().get().width()), "the opened one stays");
    selectTab("explainTab");
    Button last = robot.lookup("#explain-last-image").queryAs(Button.class);
    assertFalse(last.isDisabled());
    onFx(last::fire);
    assertSame(
        fx(() -> vm.jobs().results().get(1).image()),
        fx(() -> explain.sourceImageProperty().get()));
  }

  @Test
  void buttonsFramesAndAxisLabelsFitAt1200x780And1024x700(FxRobot robot) throws Exception {
    modelRead();
    generateAndWait(1);
    List<String> problems = new ArrayList<>();
    for (double[] size : new double[][] {{1200, 780}, {1024, 700}}) {
      onFx(
          () -> {
            stage.setWidth(size[0]);
            stage.setHeight(size[1]);
          });
      selectTab("explainTab");
      String at = (int) size[0] + "x" + (int) size[1] + ": ";
      ScrollPane view = (ScrollPane) fx(() -> window.explainSlot().lookup(".scroll-pane"));
      Bounds port = fx(() -> view.localToScene(view.getLayoutBounds()));
      for (String id :
          List.of(
              "#explain-last-image",
              "#explain-open",
              "#explain-new-noise",
              "#explain-latent-toggle")) {
        if (robot.lookup(id).tryQuery().isEmpty()) {
          problems.add(at + id + " is missing");
          continue;
        }
        Labeled b = robot.lookup(id).queryAs(Labeled.class);
        String shown = fx(() -> shownText(b));
        if (!b.getText().equals(shown)) {
          problems.add(at + id + " shows \"" + shown + "\"");
        }
        Bounds bb = fx(() -> b.localToScene(b.getLayoutBounds()));
        if (bb.getMaxX() > port.getMaxX() + 0.5) {
          problems.add(at + id + " ends past the view: " + bb.getMaxX() + " > " + port.getMaxX());
        }
      }
      Node strip = robot.lookup("#explain-strip").query().getParent();
      while (!(strip instanceof ScrollPane)) {
        strip = strip.getParent();
      }
      Node stripView = strip;
      Bounds stripPort = fx(() -> stripView.localToScene(stripView.getLayoutBounds()));
      List<Bounds> frames =
          fx(
              () ->
                  robot.lookup("#explain-strip").query().lookupAll(".image-view").stream()
                      .map(n -> n.localToScene(n.getLayoutBounds()))
                      .toList());
      assertEquals(7, frames.size());
      for (int i = 0; i < frames.size(); i++) {
        if (frames.get(i).getMaxX() > stripPort.getMaxX() + 0.5
            || frames.get(i).getMinX() < stripPort.getMinX() - 0.5) {
          problems.add(at + "t-frame " + i + " is out of view: " + frames.get(i));
        }
        if (frames.get(i).getWidth() < 48) {
          problems.add(at + "t-frame " + i + " is " + frames.get(i).getWidth() + " px wide");
        }
      }
      // The pack's schedule (scaled_linear: log10 SNR 3 to -2.3), then a cosine one whose log10
      // SNR spans 20 decades (clamped at +-10): 21 labels at one per decade.
      for (BetaSchedule schedule :
          List.of(BetaSchedule.SCALED_LINEAR, BetaSchedule.SQUAREDCOS_CAP_V2)) {
        SchedulerConfig config =
            new SchedulerConfig(
                1000,
                0.00085,
                0.012,
                schedule,
                null,
                PredictionType.EPSILON,
                null,
                1,
                false,
                false);
        onFx(() -> parts.explain().setModel(null, config, "ddim", false, 10));
        selectTab("explainTab");
        for (String chart : List.of("#explain-alphabar-chart", "#explain-snr-chart")) {
          LineChart<?, ?> c = robot.lookup(chart).queryAs(LineChart.class);
          for (Axis<?> axis : List.of(c.getXAxis(), c.getYAxis())) {
            problems.addAll(fx(() -> overlaps(at + schedule + " " + chart + " ", axis)));
          }
        }
      }
    }
    assertTrue(problems.isEmpty(), String.join("\n", problems));
  }

  /**
   * Pairs of the axis's visible tick labels (and its title) that overlap, and shown tick values
   * that are not evenly spaced (an odd last one, "999" after "900", crowds its neighbour).
   */
  private static List<String> overlaps(String where, Axis<?> axis) {
    List<Node> labels = new ArrayList<>();
    for (Node n : axis.getChildrenUnmodifiable()) {
      if (n.isVisible() && (n instanceof Text || n.getStyleClass().contains("axis-label"))) {
        labels.add(n);
      }
    }
    List<String> out = new ArrayList<>();
    List<Double> values = new ArrayList<>();
    for (Node n : labels) {
      if (n instanceof Text t) {
        values.add(Double.parseDouble(t.getText().replace(",", "")));
      }
    }
    values.sort(null);
    for (int i = 2; i < values.size(); i++) {
      double first = values.get(1) - values.get(0);
      double step = values.get(i) - values.get(i - 1);
      if (Math.abs(step - first) > 1e-9 * Math.max(1, Math.abs(first))) {
        out.add(where + "labels are not evenly spaced: " + values);
        break;
      }
    }
    for (int i = 0; i < labels.size(); i++) {
      for (int j = i + 1; j < labels.size(); j++) {
        Bounds a = labels.get(i).localToScene(labels.get(i).getBoundsInLocal());
        Bounds b = labels.get(j).localToScene(labels.get(j).getBoundsInLocal());
        if (a.intersects(b)) {
          out.add(where + "labels overlap: " + label(labels.get(i)) + " / " + label(labels.get(j)));
        }
      }
    }
    return out;
  }

  private static String label(Node n) {
    return n instanceof Text t ? t.getText() : ((Labeled) n).getText();
  }

  private void selectTab(String id) throws Exception {
    onFx(
        () -> {
          for (Node n : stage.getScene().getRoot().lookupAll(".tab-pane")) {
            TabPane tabs = (TabPane) n;
            for (Tab t : tabs.getTabs()) {
              if (id.equals(t.getId())) {
                tabs.getSelectionModel().select(t);
              }
            }
          }
        });
    WaitForAsyncUtils.waitForFxEvents();
    Thread.sleep(150);
    WaitForAsyncUtils.waitForFxEvents();
  }
}
