package dev.stepwise.app.studio;

import dev.stepwise.recipe.HiresUpscaler;
import javafx.collections.FXCollections;
import javafx.scene.control.CheckBox;
import javafx.scene.control.ComboBox;
import javafx.scene.control.Label;
import javafx.scene.control.Slider;
import javafx.scene.control.Spinner;
import javafx.scene.control.TitledPane;
import javafx.scene.control.Tooltip;
import javafx.scene.layout.HBox;
import javafx.scene.layout.VBox;
import javafx.util.StringConverter;

/** The controls' "Hires fix" expander; closed while the fix is off, opened when it is reused. */
final class HiresPane extends TitledPane {
  private final Object[] keep; // the spinners' boxed bindings

  HiresPane(HiresViewModel vm) {
    setId("hiresPane");
    setText("Hires fix");
    setAnimated(false);
    setTooltip(
        new Tooltip(
            "AUTOMATIC1111's Hires. fix: make the image at the size above, enlarge it, then redraw"
                + " it with img2img at the strength below (text to image only)."));
    CheckBox on = new CheckBox("Enlarge and redraw");
    on.setId("hiresEnabled");
    on.selectedProperty().bindBidirectional(vm.enabled);
    Spinner<Double> scale = new Spinner<>(1.0, 4.0, 2.0, 0.25);
    scale.setId("hiresScale");
    scale.setEditable(true);
    scale.setPrefWidth(90);
    var scaleBoxed = vm.scale.asObject();
    scale.getValueFactory().valueProperty().bindBidirectional(scaleBoxed);
    Spinner<Integer> steps = new Spinner<>(0, 150, 0);
    steps.setId("hiresSteps");
    steps.setEditable(true);
    steps.setPrefWidth(90);
    steps.setTooltip(new Tooltip("0: as many as the first pass"));
    var stepsBoxed = vm.steps.asObject();
    steps.getValueFactory().valueProperty().bindBidirectional(stepsBoxed);
    Slider strength = new Slider(0, 1, vm.strength.get());
    strength.setId("hiresStrength");
    strength.valueProperty().bindBidirectional(vm.strength);
    Label strengthValue = new Label();
    strengthValue.textProperty().bind(vm.strength.asString(java.util.Locale.ROOT, "%.2f"));
    ComboBox<HiresUpscaler> upscaler =
        new ComboBox<>(FXCollections.observableArrayList(HiresUpscaler.values()));
    upscaler.setId("hiresUpscaler");
    upscaler.valueProperty().bindBidirectional(vm.upscaler);
    upscaler.setConverter(
        new StringConverter<>() {
          @Override
          public String toString(HiresUpscaler u) {
            return u == null ? "" : u.a1111Name();
          }

          @Override
          public HiresUpscaler fromString(String s) {
            return HiresUpscaler.parse(s);
          }
        });
    keep = new Object[] {scaleBoxed, stepsBoxed};
    VBox values =
        new VBox(
            4,
            new HBox(4, new Label("Upscale"), scale, new Label("Steps"), steps),
            new HBox(4, new Label("Strength"), strength, strengthValue),
            new HBox(4, new Label("Upscaler"), upscaler));
    values.disableProperty().bind(vm.enabled.not());
    VBox box = new VBox(4, on, values);
    setContent(box);
    setExpanded(vm.enabled.get());
    vm.enabled.addListener((o, a, b) -> setExpanded(isExpanded() || b));
  }
}
