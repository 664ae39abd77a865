package dev.stepwise.app.studio;

import javafx.collections.ListChangeListener;
import javafx.scene.control.MenuButton;
import javafx.scene.control.MenuItem;
import javafx.scene.control.Tooltip;
import org.kordamp.ikonli.javafx.FontIcon;

/** The menu beside the size spinners: the chosen model's own size and, for SDXL, its presets. */
final class SizePresetsButton {
  private SizePresetsButton() {}

  /** A menu button that follows {@code vm}'s presets and sets the size from the one chosen. */
  static MenuButton of(ControlsViewModel vm) {
    MenuButton b = new MenuButton();
    b.setId("sizePresets");
    b.setGraphic(new FontIcon("mdi2a-aspect-ratio"));
    b.setTooltip(new Tooltip("Sizes for this model: its own, and for SDXL its five aspect sizes."));
    Runnable fill =
        () -> {
          b.getItems().clear();
          for (SizePreset p : vm.sizePresets()) {
            MenuItem item = new MenuItem(p.label());
            item.setOnAction(e -> vm.usePreset(p));
            b.getItems().add(item);
          }
          b.setDisable(b.getItems().isEmpty());
        };
    vm.sizePresets().addListener((ListChangeListener<SizePreset>) c -> fill.run());
    fill.run();
    return b;
  }
}
