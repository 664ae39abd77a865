package dev.stepwise.app.studio;

import java.util.List;
import javafx.geometry.Insets;
import javafx.scene.control.Alert;
import javafx.scene.control.ButtonType;
import javafx.scene.control.Label;
import javafx.scene.layout.GridPane;
import javafx.stage.Window;

/** The help dialog: every keyboard shortcut the window binds, with what it does. */
public final class HelpDialog {
  private HelpDialog() {}

  /** A grid of the shortcuts: keys on the left, description on the right. */
  public static GridPane table(List<Shortcut> shortcuts) {
    GridPane g = new GridPane();
    g.setId("shortcutTable");
    g.setHgap(16);
    g.setVgap(4);
    g.setPadding(new Insets(8));
    int row = 0;
    for (Shortcut s : shortcuts) {
      Label keys = new Label(s.keys().getDisplayText());
      keys.setStyle("-fx-font-weight: bold");
      g.addRow(row++, keys, new Label(s.description()));
    }
    return g;
  }

  /** Shows the dialog (not modal for the engine: runs keep going). */
  public static Alert show(Window owner, List<Shortcut> shortcuts) {
    // A Close button (cancel-close) so that Esc closes the dialog too.
    Alert a = new Alert(Alert.AlertType.INFORMATION, "", ButtonType.CLOSE);
    a.initOwner(owner);
    a.setTitle("Stepwise help");
    a.setHeaderText("Keyboard shortcuts");
    a.getDialogPane().setContent(table(shortcuts));
    a.getDialogPane().setId("helpDialog");
    a.show();
    return a;
  }
}
