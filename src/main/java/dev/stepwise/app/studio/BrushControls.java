package dev.stepwise.app.studio;

import javafx.geometry.Pos;
import javafx.scene.control.Button;
import javafx.scene.control.ColorPicker;
import javafx.scene.control.Label;
import javafx.scene.control.Slider;
import javafx.scene.control.ToggleButton;
import javafx.scene.control.Tooltip;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.VBox;
import javafx.scene.paint.Color;

/**
 * The init image area's brush controls: size and soft edge, eraser, sketch mode with its colour,
 * undo, and the mask's clear and invert. Bound to {@link InitImageViewModel#brush()}; the view only
 * shows and forwards.
 */
final class BrushControls extends VBox {

  /** The controls bound to {@code vm}'s brush. */
  BrushControls(InitImageViewModel vm) {
    super(4);
    Brush b = vm.brush();
    Slider size = new Slider(1, Brush.MAX_SIZE, Brush.DEFAULT_SIZE);
    size.setId("initBrush");
    size.setTooltip(
        new Tooltip(
            "Brush diameter in pixels of the picture. Paint where the model repaints; white in the"
                + " mask (red here) repaints."));
    HBox.setHgrow(size, Priority.ALWAYS);
    size.valueProperty().bindBidirectional(b.sizeProperty());
    Slider soft = new Slider(0, Brush.MAX_SOFT, 0);
    soft.setId("initBrushSoft");
    soft.setTooltip(
        new Tooltip(
            "Soft edge in pixels: the mask brush's edge fades from white to black over this width."
                + " The engine repaints where the grey is above half (as A1111); mask blur"
                + " feathers the result."));
    HBox.setHgrow(soft, Priority.ALWAYS);
    soft.valueProperty().bindBidirectional(b.softProperty());
    ToggleButton erase =
        Icons.toggle(
            "initErase", "", "mdi2e-eraser", "Erase: the brush keeps instead of repainting");
    erase.selectedProperty().bindBidirectional(b.erasingProperty());
    ToggleButton sketch =
        Icons.toggle(
            "initSketch",
            "",
            "mdi2b-brush",
            "Sketch: paint in colour on the picture itself; the run starts from the painted"
                + " picture");
    sketch.selectedProperty().bindBidirectional(b.sketchingProperty());
    erase.disableProperty().bind(sketch.selectedProperty());
    soft.disableProperty().bind(sketch.selectedProperty());
    ColorPicker color = new ColorPicker(Color.BLACK);
    color.setId("initSketchColor");
    color.setTooltip(new Tooltip("The sketch brush's colour"));
    color.setPrefWidth(48);
    color
        .valueProperty()
        .addListener(
            (o, a, c) ->
                b.colorProperty()
                    .set(
                        (int) Math.round(c.getRed() * 255) << 16
                            | (int) Math.round(c.getGreen() * 255) << 8
                            | (int) Math.round(c.getBlue() * 255)));
    Button undo =
        Icons.button("initUndo", "", "mdi2u-undo", "Undo the last stroke of the mask or sketch");
    undo.setOnAction(e -> vm.undo());
    Button clearMask =
        Icons.button(
            "initClearMask",
            "",
            "mdi2e-eraser-variant",
            "Clear the mask: keep everything (plain img2img)");
    clearMask.setOnAction(e -> vm.clearMask());
    Button invert =
        Icons.button(
            "initInvert",
            "",
            "mdi2i-invert-colors",
            "Invert the mask: repaint what is kept and keep what is painted");
    invert.setOnAction(e -> vm.invertMask());
    getChildren()
        .addAll(
            row(size, erase, undo, clearMask, invert), row(new Label("Soft"), soft, sketch, color));
  }

  private static HBox row(javafx.scene.Node... nodes) {
    HBox h = new HBox(4, nodes);
    h.setAlignment(Pos.CENTER_LEFT);
    return h;
  }
}
