package dev.stepwise.app.studio;

import dev.stepwise.recipe.SizeConditioning;
import javafx.beans.property.IntegerProperty;
import javafx.beans.value.ObservableBooleanValue;
import javafx.scene.control.CheckBox;
import javafx.scene.control.Label;
import javafx.scene.control.Spinner;
import javafx.scene.control.TitledPane;
import javafx.scene.control.Tooltip;
import javafx.scene.layout.HBox;
import javafx.scene.layout.VBox;

/**
 * The controls' "SDXL size conditioning" expander, present only while the model is SDXL; closed
 * while off, opened when a recipe that has the values is reused.
 */
final class SdxlSizesPane extends TitledPane {
  private final Object[] keep; // the spinners' boxed bindings

  SdxlSizesPane(SdxlSizesViewModel vm, ObservableBooleanValue sdxl) {
    setId("sdxlSizesPane");
    setText("SDXL size conditioning");
    setAnimated(false);
    setTooltip(
        new Tooltip(
            "What SDXL is told about the picture (diffusers' original_size, crops_coords_top_left"
                + " and target_size). 0 means the image's own size."));
    CheckBox on = new CheckBox("Condition on these sizes");
    on.setId("sdxlSizesEnabled");
    on.selectedProperty().bindBidirectional(vm.enabled);
    keep = new Object[6];
    VBox values =
        new VBox(
            4,
            row("Original", spinner(vm.originalWidth, 0), spinner(vm.originalHeight, 1)),
            row("Crop left, top", spinner(vm.cropLeft, 2), spinner(vm.cropTop, 3)),
            row("Target", spinner(vm.targetWidth, 4), spinner(vm.targetHeight, 5)));
    values.disableProperty().bind(vm.enabled.not());
    setContent(new VBox(4, on, values));
    setExpanded(vm.enabled.get());
    vm.enabled.addListener((o, a, b) -> setExpanded(isExpanded() || b));
    visibleProperty().bind(sdxl);
    managedProperty().bind(sdxl);
  }

  private Spinner<Integer> spinner(IntegerProperty p, int slot) {
    Spinner<Integer> s = new Spinner<>(0, SizeConditioning.MAX, p.get(), 8);
    s.setEditable(true);
    s.setPrefWidth(90);
    var boxed = p.asObject();
    s.getValueFactory().valueProperty().bindBidirectional(boxed);
    keep[slot] = boxed;
    return s;
  }

  private static HBox row(String label, Spinner<Integer> a, Spinner<Integer> b) {
    return new HBox(4, new Label(label), a, new Label("×"), b);
  }
}
