package dev.stepwise.app.studio;

import javafx.beans.property.ObjectProperty;
import javafx.geometry.Insets;
import javafx.geometry.Pos;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.control.Slider;
import javafx.scene.control.Spinner;
import javafx.scene.control.TextField;
import javafx.scene.control.TitledPane;
import javafx.scene.control.Tooltip;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.VBox;

/**
 * The controls' "Variation" expander, AUTOMATIC1111's "Extra" seed row: the variation seed (empty
 * for a random one) and its strength from 0 to 1. Collapsed while the strength is 0; it opens by
 * itself when a reused recipe brings a variation back.
 */
final class VariationRow extends TitledPane {
  private static final String TIP =
      "AUTOMATIC1111's variation seed: the image's noise is moved towards this seed's noise by the"
          + " strength (0: the seed's own image; 1: the variation seed's noise). 0.05 to 0.3 gives"
          + " near neighbours of an image; right-click a result and choose Vary for four at once."
          + " In a batch every image keeps the seed and image i uses variation seed + i.";

  private final ObjectProperty<Double> boxed;

  VariationRow(VariationViewModel vm) {
    setId("variationPane");
    setText("Variation seed");
    setAnimated(false);
    setTooltip(new Tooltip(TIP));
    TextField seed = new TextField();
    seed.setId("variationSeed");
    seed.setPromptText("random");
    seed.setPrefColumnCount(10);
    seed.setTooltip(new Tooltip("The variation seed; empty draws a new one at each Generate."));
    seed.textProperty().bindBidirectional(vm.seedTextProperty());
    HBox.setHgrow(seed, Priority.ALWAYS);
    Button dice =
        Icons.button(
            "randomVariationSeed", "", "mdi2d-dice-multiple-outline", "Draw a variation seed");
    dice.setOnAction(e -> vm.randomSeed());

    Slider slider = new Slider(0, 1, 0);
    slider.setId("variationStrengthSlider");
    slider.setTooltip(new Tooltip(TIP));
    slider.valueProperty().bindBidirectional(vm.strengthProperty());
    HBox.setHgrow(slider, Priority.ALWAYS);
    Spinner<Double> spin = new Spinner<>(0.0, 1.0, 0.0, 0.05);
    spin.setId("variationStrength");
    spin.setEditable(true);
    spin.setPrefWidth(90);
    spin.setTooltip(new Tooltip(TIP));
    boxed = vm.strengthProperty().asObject();
    spin.getValueFactory().valueProperty().bindBidirectional(boxed);

    HBox seedRow = new HBox(4, seed, dice);
    seedRow.setAlignment(Pos.CENTER_LEFT);
    HBox strengthRow = new HBox(4, new Label("Strength"), slider, spin);
    strengthRow.setAlignment(Pos.CENTER_LEFT);
    VBox box = new VBox(4, seedRow, strengthRow);
    box.setPadding(new Insets(4));
    setContent(box);
    setExpanded(vm.strengthProperty().get() > 0);
    vm.strengthProperty()
        .addListener(
            (o, a, b) -> {
              if (b.doubleValue() > 0) {
                setExpanded(true);
              }
            });
  }
}
