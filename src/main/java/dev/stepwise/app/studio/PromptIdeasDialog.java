package dev.stepwise.app.studio;

import javafx.collections.FXCollections;
import javafx.geometry.Insets;
import javafx.scene.control.ButtonType;
import javafx.scene.control.Dialog;
import javafx.scene.control.Label;
import javafx.scene.control.ListView;
import javafx.scene.control.TextField;
import javafx.scene.input.KeyCode;
import javafx.scene.layout.VBox;
import javafx.stage.Window;

/**
 * "Prompt ideas": the prompts the chosen model lists as known (the built-in model's training
 * captions), searchable; choosing one (double-click, Enter or Use) puts it in the prompt. Not modal
 * for the engine: runs keep going.
 */
public final class PromptIdeasDialog {
  /** Rows shown at most; the filter narrows the rest. */
  static final int MAX_SHOWN = 500;

  private PromptIdeasDialog() {}

  /** Shows the dialog for {@code vm}'s model. */
  public static Dialog<String> show(Window owner, PromptViewModel vm) {
    TextField filter = new TextField();
    filter.setId("ideaFilter");
    filter.setPromptText("Filter: words the prompt must contain, e.g. cat twemoji");
    ListView<String> list = new ListView<>();
    list.setId("ideaList");
    list.setPrefSize(460, 360);
    Label count = new Label();
    count.setId("ideaCount");
    Runnable refresh =
        () -> {
          var matching = vm.findPromptIdeas(filter.getText(), Integer.MAX_VALUE);
          var shown = matching.subList(0, Math.min(MAX_SHOWN, matching.size()));
          list.setItems(FXCollections.observableArrayList(shown));
          int total = matching.size();
          count.setText(
              total > shown.size()
                  ? shown.size() + " of " + total + " shown; type to narrow them down"
                  : total + (total == 1 ? " prompt" : " prompts"));
          if (!shown.isEmpty()) {
            list.getSelectionModel().selectFirst();
          }
        };
    filter.textProperty().addListener((o, a, b) -> refresh.run());
    refresh.run();

    Dialog<String> d = new Dialog<>();
    d.initOwner(owner);
    d.setTitle("Prompt ideas");
    d.setHeaderText("Prompts this model knows (" + vm.promptIdeas().size() + ")");
    ButtonType use = new ButtonType("Use", javafx.scene.control.ButtonBar.ButtonData.OK_DONE);
    d.getDialogPane().getButtonTypes().addAll(use, ButtonType.CLOSE);
    d.getDialogPane().setId("promptIdeasDialog");
    VBox box = new VBox(6, filter, list, count);
    box.setPadding(new Insets(8));
    d.getDialogPane().setContent(box);
    d.setResultConverter(b -> b == use ? list.getSelectionModel().getSelectedItem() : null);
    d.resultProperty()
        .addListener(
            (o, a, chosen) -> {
              if (chosen != null) {
                vm.useIdea(chosen);
              }
            });
    list.setOnMouseClicked(
        e -> {
          if (e.getClickCount() == 2 && list.getSelectionModel().getSelectedItem() != null) {
            d.setResult(list.getSelectionModel().getSelectedItem());
            d.close();
          }
        });
    list.setOnKeyPressed(
        e -> {
          if (e.getCode() == KeyCode.ENTER && list.getSelectionModel().getSelectedItem() != null) {
            d.setResult(list.getSelectionModel().getSelectedItem());
            d.close();
          }
        });
    filter.setOnKeyPressed(
        e -> {
          if (e.getCode() == KeyCode.DOWN) {
            list.requestFocus();
          }
        });
    d.setOnShown(e -> filter.requestFocus());
    d.show();
    return d;
  }
}
