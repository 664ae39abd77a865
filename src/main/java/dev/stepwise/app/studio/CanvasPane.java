package dev.stepwise.app.studio;

import dev.stepwise.engine.PreviewSource;
import javafx.beans.binding.Bindings;
import javafx.geometry.Insets;
import javafx.geometry.Pos;
import javafx.scene.control.Label;
import javafx.scene.control.ProgressBar;
import javafx.scene.control.ToggleButton;
import javafx.scene.control.ToggleGroup;
import javafx.scene.control.Tooltip;
import javafx.scene.layout.BorderPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.Region;
import org.controlsfx.control.SegmentedButton;

/**
 * The live canvas with its switches (x0 / x_t / eps, crisp pixels, fit / 1:1) and the run's step
 * counter, progress bar, speed, time left and what the previews cost. Every frame it draws has the
 * output size: the engine decodes the source shown here with the run's preview method.
 */
public final class CanvasPane extends BorderPane {
  private final LiveCanvas canvas = new LiveCanvas();
  private final ToggleGroup zoom = new ToggleGroup();
  private final ToggleButton fit;
  private final ToggleButton oneToOne;

  public CanvasPane(StudioViewModel vm) {
    ToggleButton x0 =
        Icons.toggle(
            "showX0",
            "x₀ predicted",
            "mdi2i-image-outline",
            "Show the predicted clean image x0 after each step, decoded at the image size");
    ToggleButton xt =
        Icons.toggle(
            "showXt",
            "x_t noisy",
            "mdi2b-blur",
            "Show the noisy latent x_t the sampler carries, decoded at the image size");
    ToggleButton eps =
        Icons.toggle(
            "showEps", "ε noise", "mdi2g-grain", "Show the network's predicted noise epsilon");
    xt.setMnemonicParsing(false); // "x_t", not "xt" with an underlined t
    x0.setUserData(PreviewSource.PREDICTED_IMAGE);
    xt.setUserData(PreviewSource.NOISY_LATENT);
    eps.setUserData(PreviewSource.PREDICTED_NOISE);
    SegmentedButton source = new SegmentedButton(x0, xt, eps);
    source.getToggleGroup().selectToggle(x0);
    source
        .getToggleGroup()
        .selectedToggleProperty()
        .addListener(
            (o, a, b) -> {
              if (b == null) {
                a.setSelected(true); // one source is always shown
              } else {
                vm.live().previewSourceProperty().set((PreviewSource) b.getUserData());
              }
            });

    fit =
        Icons.toggle(
            "zoomFit",
            "Fit",
            "mdi2f-fit-to-page-outline",
            "Scale the picture to the window (Ctrl+0)");
    oneToOne =
        Icons.toggle(
            "zoom1", "1:1", "mdi2m-magnify-expand", "One image pixel per screen pixel (Ctrl+1)");
    fit.setToggleGroup(zoom);
    oneToOne.setToggleGroup(zoom);
    fit.setSelected(true);
    zoom.selectedToggleProperty()
        .addListener(
            (o, a, b) -> {
              if (b == null) {
                a.setSelected(true);
              } else {
                canvas.fitProperty().set(b == fit);
              }
            });

    ToggleButton pixels =
        Icons.toggle(
            "zoomPixels",
            "",
            "mdi2g-grid",
            "Crisp pixels: Fit enlarges by whole numbers with nearest-neighbour sampling, so each"
                + " image pixel is a square block; off: smooth scaling that fills the area");
    pixels.selectedProperty().bindBidirectional(canvas.pixelsProperty());

    Region spacer = new Region();
    HBox.setHgrow(spacer, Priority.ALWAYS);
    HBox top = new HBox(6, source, spacer, pixels, fit, oneToOne);
    top.setAlignment(Pos.CENTER_LEFT);
    top.setPadding(new Insets(4));

    Label step = new Label();
    step.setId("stepLabel");
    step.textProperty().bind(vm.progress().stepTextProperty());
    step.setMinWidth(120);
    ProgressBar progress = new ProgressBar(0);
    progress.setId("progress");
    progress.setMaxWidth(Double.MAX_VALUE);
    HBox.setHgrow(progress, Priority.ALWAYS);
    progress.progressProperty().bind(vm.progress().progressProperty());
    progress.setTooltip(new Tooltip("Progress of the running job"));
    Label speed = new Label();
    speed.setId("speed");
    speed.textProperty().bind(vm.progress().speedTextProperty());
    Label eta = new Label();
    eta.setId("eta");
    eta.textProperty().bind(vm.progress().etaTextProperty());
    Label cost = new Label();
    cost.setId("previewCost");
    cost.textProperty().bind(vm.progress().previewCostProperty());
    Tooltip costTip = new Tooltip();
    costTip
        .textProperty()
        .bind(
            Bindings.concat(
                cost.textProperty(),
                "\nWhat made each step's picture and what it cost, as a share of the time a step"
                    + " takes; measured during this run on this machine (the Preview setting"
                    + " changes it)"));
    cost.setTooltip(costTip);
    // Numbers keep their width; the progress bar gives way, and the preview's cost (the longest)
    // is shortened last, with the whole sentence in its tooltip.
    for (Label l : new Label[] {speed, eta}) {
      l.setMinWidth(Region.USE_PREF_SIZE);
    }
    progress.setMinWidth(40);
    cost.setMinWidth(60);
    HBox bottom = new HBox(8, step, progress, speed, eta, cost);
    bottom.setAlignment(Pos.CENTER_LEFT);
    bottom.setPadding(new Insets(4));

    setTop(top);
    setCenter(canvas);
    setBottom(bottom);

    // Each frame carries its size (the output size), so 1:1 always matches the picture shown.
    vm.live()
        .frameProperty()
        .addListener(
            (o, a, f) -> {
              if (f == null) {
                canvas.clear();
              } else {
                canvas.show(f);
              }
            });
    ControlsViewModel controls = vm.controls();
    if (controls.widthProperty().get() > 0 && controls.heightProperty().get() > 0) {
      canvas.setImageSize(controls.widthProperty().get(), controls.heightProperty().get());
    }
  }

  /** The canvas itself. */
  public LiveCanvas canvas() {
    return canvas;
  }

  /** Selects fit (true) or 1:1 (false) zoom. */
  public void zoomToFit(boolean toFit) {
    (toFit ? fit : oneToOne).setSelected(true);
  }
}
