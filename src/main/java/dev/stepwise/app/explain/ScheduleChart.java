package dev.stepwise.app.explain;

import dev.stepwise.engine.explain.SamplerPlan;
import dev.stepwise.engine.explain.ScheduleCurves;
import java.util.function.IntToDoubleFunction;
import javafx.scene.chart.LineChart;
import javafx.scene.chart.NumberAxis;
import javafx.scene.chart.XYChart;
import javafx.scene.layout.Region;

/**
 * One schedule curve over the training timesteps (alpha-bar or log10 SNR) with the sampler's
 * timesteps as dots and the current step as a vertical line.
 *
 * <p>Series 0 is the curve, series 1 the sampler's timesteps, series 2 the current-step marker (two
 * points at the same t, empty when no step is current), series 3 where an img2img run starts at the
 * chosen denoising strength (likewise, empty without an init image).
 */
final class ScheduleChart extends LineChart<Number, Number> {
  private static final int CURVE_POINTS = 250;

  private final XYChart.Series<Number, Number> curve = new XYChart.Series<>();
  private final XYChart.Series<Number, Number> steps = new XYChart.Series<>();
  private final XYChart.Series<Number, Number> marker = new XYChart.Series<>();
  private final XYChart.Series<Number, Number> strength = new XYChart.Series<>();
  private final boolean logSnr;

  ScheduleChart(String id, String yLabel, boolean logSnr) {
    super(new NumberAxis(), new NumberAxis());
    this.logSnr = logSnr;
    setId(id);
    setAnimated(false);
    setLegendVisible(false);
    setCreateSymbols(true);
    setPrefSize(420, 260);
    NumberAxis x = (NumberAxis) getXAxis();
    x.setLabel("training timestep t");
    x.setAutoRanging(false);
    x.setTickUnit(100);
    NumberAxis y = (NumberAxis) getYAxis();
    y.setLabel(yLabel);
    y.setAutoRanging(false);
    curve.setName(yLabel);
    steps.setName("sampler timesteps");
    marker.setName("current step");
    getData().add(curve);
    getData().add(steps);
    getData().add(marker);
    strength.setName("img2img start");
    getData().add(strength);
    curve.getNode().setStyle("-fx-stroke: #3b6fb6; -fx-stroke-width: 2px;");
    steps.getNode().setStyle("-fx-stroke: transparent;");
    marker.getNode().setStyle("-fx-stroke: #e8780c; -fx-stroke-width: 2px;");
    strength
        .getNode()
        .setStyle("-fx-stroke: #2e8b3a; -fx-stroke-width: 2px; -fx-stroke-dash-array: 6 4;");
  }

  private double value(ScheduleCurves c, double t) {
    double abar = c.alphaBarAt(t);
    return logSnr ? clampLog(ScheduleCurves.log10Snr(abar)) : abar;
  }

  private static double clampLog(double v) {
    return Math.max(-10, Math.min(10, v));
  }

  /** Redraws the curve for {@code c}. */
  void setCurves(ScheduleCurves c) {
    int size = c.size();
    NumberAxis x = (NumberAxis) getXAxis();
    // A round right end (1000 for t = 0 … 999) and at most 4 intervals: no label is crowded by
    // an odd last one ("900" under "999"), at any width the window gives the chart.
    x.setLowerBound(0);
    double unit = niceUnit(size / 4.0);
    x.setUpperBound(Math.ceil(size / unit) * unit);
    x.setTickUnit(unit);
    IntToDoubleFunction f = t -> logSnr ? clampLog(c.log10Snr(t)) : c.alphaBar(t);
    double lo = Double.POSITIVE_INFINITY;
    double hi = Double.NEGATIVE_INFINITY;
    java.util.List<XYChart.Data<Number, Number>> pts = new java.util.ArrayList<>();
    int stride = Math.max(1, size / CURVE_POINTS);
    for (int t = 0; t < size; t += stride) {
      pts.add(hidden(t, f.applyAsDouble(t)));
    }
    if ((size - 1) % stride != 0) {
      pts.add(hidden(size - 1, f.applyAsDouble(size - 1)));
    }
    for (int t = 0; t < size; t++) {
      lo = Math.min(lo, f.applyAsDouble(t));
      hi = Math.max(hi, f.applyAsDouble(t));
    }
    curve.getData().setAll(pts);
    NumberAxis y = (NumberAxis) getYAxis();
    if (logSnr) {
      // At most 8 intervals: a schedule spanning 20 decades labels every 5th, not all 21.
      double yUnit = niceUnit((Math.ceil(hi) - Math.floor(lo)) / 8.0);
      y.setLowerBound(Math.floor(lo / yUnit) * yUnit);
      y.setUpperBound(Math.ceil(hi / yUnit) * yUnit);
      y.setTickUnit(yUnit);
    } else {
      y.setLowerBound(0);
      y.setUpperBound(1);
      y.setTickUnit(0.1);
    }
  }

  /** The smallest of 1, 2, 5, 10, 20, 25, 50, 100, 250, ... that is at least {@code least}. */
  static double niceUnit(double least) {
    double unit = 1;
    while (true) {
      for (double m : new double[] {1, 2, 2.5, 5}) {
        if (m * unit >= least && (m != 2.5 || unit >= 10)) {
          return m * unit;
        }
      }
      unit *= 10;
    }
  }

  /** Draws the sampler's timesteps as dots on the curve. */
  void setPlan(ScheduleCurves c, SamplerPlan plan) {
    java.util.List<XYChart.Data<Number, Number>> pts = new java.util.ArrayList<>();
    for (int i = 0; i < plan.steps(); i++) {
      double t = plan.timestep(i);
      XYChart.Data<Number, Number> d = new XYChart.Data<>(t, value(c, t));
      Region dot = new Region();
      dot.setStyle("-fx-background-color: #b8322a; -fx-background-radius: 4px; -fx-padding: 3px;");
      d.setNode(dot);
      pts.add(d);
    }
    steps.getData().setAll(pts);
  }

  /** Moves the current-step line to {@code t}, or hides it when t is NaN. */
  void setMarker(double t) {
    if (Double.isNaN(t)) {
      marker.getData().clear();
      return;
    }
    NumberAxis y = (NumberAxis) getYAxis();
    marker.getData().setAll(hidden(t, y.getLowerBound()), hidden(t, y.getUpperBound()));
  }

  /** Moves the img2img start line to {@code t}, or hides it when t is NaN. */
  void setStrengthMarker(double t) {
    if (Double.isNaN(t)) {
      strength.getData().clear();
      return;
    }
    NumberAxis y = (NumberAxis) getYAxis();
    strength.getData().setAll(hidden(t, y.getLowerBound()), hidden(t, y.getUpperBound()));
  }

  /** Returns the x of the img2img start line, or NaN when hidden (for tests). */
  double strengthT() {
    return strength.getData().isEmpty()
        ? Double.NaN
        : strength.getData().get(0).getXValue().doubleValue();
  }

  /** Returns the x of the current-step line, or NaN when hidden (for tests). */
  double markerT() {
    return marker.getData().isEmpty()
        ? Double.NaN
        : marker.getData().get(0).getXValue().doubleValue();
  }

  /** Returns the number of sampler-timestep dots (for tests). */
  int stepDots() {
    return steps.getData().size();
  }

  private static XYChart.Data<Number, Number> hidden(double x, double y) {
    XYChart.Data<Number, Number> d = new XYChart.Data<>(x, y);
    Region none = new Region();
    none.setVisible(false);
    d.setNode(none);
    return d;
  }
}
