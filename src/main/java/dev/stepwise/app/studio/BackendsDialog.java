package dev.stepwise.app.studio;

import dev.stepwise.app.studio.BackendsViewModel.Row;
import dev.stepwise.app.studio.BackendsViewModel.Where;
import javafx.geometry.Insets;
import javafx.geometry.Pos;
import javafx.scene.Scene;
import javafx.scene.control.Button;
import javafx.scene.control.CheckBox;
import javafx.scene.control.ComboBox;
import javafx.scene.control.Label;
import javafx.scene.control.ListCell;
import javafx.scene.control.ListView;
import javafx.scene.control.TextField;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.Region;
import javafx.scene.layout.VBox;
import javafx.stage.Stage;
import javafx.stage.Window;

/**
 * "Backends...": the servers jobs can run on (add with a name and URL, Test, Remove, on or off) and
 * where new jobs run. Not modal; every change is saved and takes effect at once.
 */
public final class BackendsDialog {
  private BackendsDialog() {}

  /** Opens the window for {@code vm} over {@code owner}. */
  public static Stage show(Window owner, BackendsViewModel vm) {
    ComboBox<Where> where = new ComboBox<>();
    where.setId("backendsWhere");
    where.getItems().setAll(Where.values());
    where.valueProperty().bindBidirectional(vm.whereProperty());
    where.setCellFactory(
        v ->
            new ListCell<>() {
              @Override
              protected void updateItem(Where item, boolean empty) {
                super.updateItem(item, empty);
                setText(empty || item == null ? null : item.toString());
                setDisable(
                    item == Where.POOL && !vm.poolPossibleProperty().get()); // needs one enabled
              }
            });
    Label summary = new Label();
    summary.setId("backendsSummary");
    summary.setWrapText(true);
    summary.textProperty().bind(vm.summaryProperty());
    HBox whereRow = new HBox(6, new Label("New jobs run on"), where);
    whereRow.setAlignment(Pos.CENTER_LEFT);

    ListView<Row> list = new ListView<>(vm.rows());
    list.setId("backendsList");
    list.setPlaceholder(new Label("No backends yet: add a server below."));
    list.setCellFactory(v -> new RowCell(vm));
    VBox.setVgrow(list, Priority.ALWAYS);

    TextField name = new TextField();
    name.setId("backendName");
    name.setPromptText("name, such as gpu-box");
    name.setPrefColumnCount(10);
    TextField url = new TextField();
    url.setId("backendUrl");
    url.setPromptText("http://user:pass@gpu-box:7860");
    HBox.setHgrow(url, Priority.ALWAYS);
    Button add = new Button("Add");
    add.setId("backendAdd");
    add.setDefaultButton(true);
    add.setOnAction(
        e -> {
          if (vm.add(name.getText(), url.getText()) == null) {
            name.clear();
            url.clear();
          }
        });
    Label error = new Label();
    error.setId("backendsError");
    error.setWrapText(true);
    error.getStyleClass().add("error-label");
    error.textProperty().bind(vm.errorProperty());
    Label help =
        new Label(
            "Servers speaking AUTOMATIC1111's API (A1111, Forge, SD.Next, stepwise serve). Add"
                + " user:pass@ to the URL for --api-auth. The list is kept in backends.json in the"
                + " config folder; the studio connects only to the backends you add here.");
    help.setWrapText(true);
    VBox box = new VBox(8, whereRow, summary, list, new HBox(6, name, url, add), error, help);
    box.setPadding(new Insets(10));
    box.setPrefSize(620, 440);
    Stage stage = new Stage();
    stage.initOwner(owner);
    stage.setTitle("Backends: servers that run jobs");
    stage.setScene(new Scene(box));
    stage.getScene().getStylesheets().setAll(owner.getScene().getStylesheets());
    stage.show();
    return stage;
  }

  private static final class RowCell extends ListCell<Row> {
    private final Label title = new Label();
    private final Label state = new Label();
    private final CheckBox enabled = new CheckBox("Enabled");
    private final Button test = new Button("Test");
    private final Button remove = new Button("Remove");
    private final HBox box;

    RowCell(BackendsViewModel vm) {
      setPrefWidth(0);
      state.setWrapText(true);
      state.getStyleClass().add("slot-placeholder");
      Region spacer = new Region();
      HBox.setHgrow(spacer, Priority.ALWAYS);
      VBox text = new VBox(2, title, state);
      text.setMaxWidth(380);
      box = new HBox(6, text, spacer, enabled, test, remove);
      box.setAlignment(Pos.CENTER_LEFT);
      enabled.setOnAction(e -> vm.enable(getItem(), enabled.isSelected()));
      test.setOnAction(e -> vm.test(getItem()));
      remove.setOnAction(e -> vm.remove(getItem()));
    }

    @Override
    protected void updateItem(Row item, boolean empty) {
      super.updateItem(item, empty);
      state.textProperty().unbind();
      if (empty || item == null) {
        setGraphic(null);
        return;
      }
      title.setText(item.name() + " · " + item.url());
      state.textProperty().bind(item.stateProperty());
      enabled.setSelected(item.enabled());
      enabled.setId("backendEnabled-" + item.name());
      test.setId("backendTest-" + item.name());
      remove.setId("backendRemove-" + item.name());
      state.setId("backendState-" + item.name());
      setGraphic(box);
    }
  }
}
