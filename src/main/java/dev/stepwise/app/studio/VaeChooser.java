package dev.stepwise.app.studio;

import dev.stepwise.engine.pack.ModelsFolder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javafx.scene.control.ComboBox;
import javafx.scene.control.Tooltip;

/** The VAE chooser of the controls column. */
final class VaeChooser {
  private VaeChooser() {}

  /**
   * The VAE chooser: the model's own, or a separate autoencoder of the models folder ({@code
   * ModelsFolder.vaes()}, listed again each time it opens); its value is {@code vm.vae}'s path.
   */
  static ComboBox<String> create(ControlsViewModel vm, ModelViewModel models) {
    ComboBox<String> box = new ComboBox<>();
    box.setId("vae");
    box.setMaxWidth(Double.MAX_VALUE);
    box.setTooltip(
        new Tooltip(
            "The autoencoder that turns latents into pixels: the model's own, or one of the"
                + " models folder's VAE files (such as vae-ft-mse-840000-ema-pruned)."));
    List<String> paths = new ArrayList<>();
    Runnable list =
        () -> {
          String root = models.modelsRootSetting();
          List<String> names = new ArrayList<>(List.of(OWN_VAE));
          paths.clear();
          paths.add("");
          for (ModelsFolder.Entry e :
              ModelsFolder.at(root.isEmpty() ? ModelsFolder.defaultRoot() : Path.of(root)).vaes()) {
            if (e.refusal() == null) {
              names.add("VAE: " + e.path().getFileName());
              paths.add(e.path().toString());
            }
          }
          String chosen = vm.vaeProperty().get();
          if (!paths.contains(chosen)) {
            names.add("VAE: " + Path.of(chosen).getFileName());
            paths.add(chosen);
          }
          box.getItems().setAll(names);
          box.getSelectionModel().select(paths.indexOf(chosen));
        };
    list.run();
    box.setOnShowing(e -> list.run());
    box.getSelectionModel()
        .selectedIndexProperty()
        .addListener(
            (o, a, i) -> {
              if (i.intValue() >= 0 && i.intValue() < paths.size()) {
                vm.vaeProperty().set(paths.get(i.intValue()));
              }
            });
    vm.vaeProperty()
        .addListener(
            (o, a, b) -> {
              int i = box.getSelectionModel().getSelectedIndex();
              if (i < 0 || i >= paths.size() || !paths.get(i).equals(b)) {
                list.run(); // set from elsewhere (settings applied, a recipe reused)
              }
            });
    return box;
  }

  static final String OWN_VAE = "The model's own VAE";
}
