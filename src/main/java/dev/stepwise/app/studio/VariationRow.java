package dev.stepwise.app.studio;

import javafx.scene.control.Button;
import javafx.scene.control.Slider;
import javafx.scene.control.Spinner;
import javafx.scene.control.TextField;
import javafx.scene.control.TitledPane;
import javafx.scene.control.Tooltip;
import javafx.scene.layout.HBox;
import javafx.scene.layout.VBox;

/**
 * The controls' "Variation seed" expander (A1111's "Extra"): the variation seed (empty: random) and
 * its strength. Closed while the strength is 0; it opens when a variation is set or reused.
 */
final class VariationRow extends TitledPane {
  private final Object keep; // the spinner's boxed binding

  VariationRow(VariationViewModel vm) {
    setId("variationPane");
    setText("Variation seed");
    setAnimated(false);
    setTooltip(
        new Tooltip(
            "A1111's variation seed: the noise moves towards this seed's by the strength (0: the"
                + " seed's own image). 0.05 to 0.3 gives neighbours; right-click a result for Vary."
                + " A batch keeps the seed and counts the variation seed up."));
    TextField seed = new TextField();
    seed.setId("variationSeed");
    seed.setPromptText("random");
    seed.textProperty().bindBidirectional(vm.seedText);
    Button dice =
        Icons.button("randomVariationSeed", "", "mdi2d-dice-multiple-outline", "Draw one");
    dice.setOnAction(
        e ->
            seed.setText(
                Long.toString(Seeds.random(java.util.concurrent.ThreadLocalRandom.current()))));
    Slider slider = new Slider(0, 1, 0);
    slider.valueProperty().bindBidirectional(vm.strength);
    Spinner<Double> spin = new Spinner<>(0.0, 1.0, 0.0, 0.05);
    spin.setId("variationStrength");
    spin.setEditable(true);
    spin.setPrefWidth(90);
    var boxed = vm.strength.asObject();
    keep = boxed;
    spin.getValueFactory().valueProperty().bindBidirectional(boxed);
    setContent(new VBox(4, new HBox(4, seed, dice), new HBox(4, slider, spin)));
    setExpanded(vm.strength.get() > 0);
    vm.strength.addListener((o, a, b) -> setExpanded(isExpanded() || b.doubleValue() > 0));
  }
}
