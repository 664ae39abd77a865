package dev.stepwise.app.studio;

import dev.stepwise.engine.EngineException;
import dev.stepwise.engine.RgbImage;
import java.nio.file.Path;
import javafx.scene.Scene;
import javafx.scene.control.Alert;
import javafx.scene.control.ButtonBar;
import javafx.scene.control.ButtonType;

/**
 * Loads a mask file in the studio: one of the init image's size is taken; one of another size is
 * offered a resize ("Resize mask to WxH") in a confirmation dialog instead of being refused (the
 * CLI refuses it with its sentence).
 */
final class MaskResize {
  private MaskResize() {}

  /** Reads {@code file} as the mask of {@code vm}'s init image, asking before resizing it. */
  static void load(InitImageViewModel vm, StatusViewModel status, Path file, Scene scene) {
    RgbImage picture;
    try {
      picture = InitImageViewModel.readMask(file);
    } catch (EngineException e) {
      status.showError(e.getMessage());
      return;
    }
    String problem = vm.setMask(picture);
    RgbImage img = vm.imageProperty().get();
    if (problem == null || img == null) {
      if (problem != null) {
        status.showError(problem);
      }
      return;
    }
    String size = img.width() + "x" + img.height();
    ButtonType resize = new ButtonType("Resize mask to " + size, ButtonBar.ButtonData.OK_DONE);
    Alert a = new Alert(Alert.AlertType.CONFIRMATION, problem, resize, ButtonType.CANCEL);
    a.setHeaderText("The mask is not the init image's size");
    a.setTitle("Resize the mask?");
    if (scene != null && scene.getWindow() != null) {
      a.initOwner(scene.getWindow());
    }
    if (a.showAndWait().orElse(ButtonType.CANCEL) == resize) {
      vm.resizeMask(picture);
      status.showStatus(
          "Mask resized from " + picture.width() + "x" + picture.height() + " to " + size + ".");
    } else {
      status.showError(problem);
    }
  }
}
