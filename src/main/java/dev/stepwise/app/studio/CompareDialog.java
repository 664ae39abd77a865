package dev.stepwise.app.studio;

import dev.stepwise.app.fx.FxImages;
import dev.stepwise.recipe.GridAxis;
import java.util.ArrayList;
import java.util.List;
import javafx.beans.property.ObjectProperty;
import javafx.collections.FXCollections;
import javafx.geometry.Insets;
import javafx.scene.Scene;
import javafx.scene.control.Button;
import javafx.scene.control.ComboBox;
import javafx.scene.control.Label;
import javafx.scene.control.ScrollPane;
import javafx.scene.control.TextField;
import javafx.scene.control.Tooltip;
import javafx.scene.image.ImageView;
import javafx.scene.layout.GridPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.VBox;
import javafx.stage.Stage;
import javafx.stage.Window;

/**
 * "Compare...": picks one or two axes (A1111's X/Y/Z plot) and queues the grid with the controls'
 * settings; the grid fills in below as the cells finish. The guidance paper's figure is one button.
 * Not modal: the studio goes on while it is open.
 */
public final class CompareDialog {
  private static final String NONE = "(none)";

  private CompareDialog() {}

  /** Opens the window for {@code vm} over {@code owner}. */
  public static Stage show(Window owner, CompareViewModel vm) {
    ComboBox<String> x = kinds("compareX", false, vm.xKindProperty());
    TextField xValues = values("compareXValues", vm.xValuesProperty().get());
    xValues.textProperty().bindBidirectional(vm.xValuesProperty());
    ComboBox<String> y = kinds("compareY", true, vm.yKindProperty());
    TextField yValues = values("compareYValues", vm.yValuesProperty().get());
    yValues.textProperty().bindBidirectional(vm.yValuesProperty());
    yValues.disableProperty().bind(vm.yKindProperty().isNull());

    GridPane axes = new GridPane();
    axes.setHgap(6);
    axes.setVgap(6);
    axes.addRow(0, new Label("X (across)"), x, xValues);
    axes.addRow(1, new Label("Y (down)"), y, yValues);
    GridPane.setHgrow(xValues, Priority.ALWAYS);
    GridPane.setHgrow(yValues, Priority.ALWAYS);

    Button preset = new Button("Guidance 1, 3, 5, 7.5, 10 (same seed)");
    preset.setId("compareGuidancePreset");
    preset.setTooltip(
        new Tooltip(
            "The figure of the classifier-free guidance paper: one seed at guidance scales 1, 3,"
                + " 5, 7.5 and 10, queued at once."));
    preset.setOnAction(e -> vm.guidancePreset());
    Button queue = new Button("Queue grid");
    queue.setId("compareQueue");
    queue.setDefaultButton(true);
    queue.setTooltip(
        new Tooltip(
            "Queues one image per cell with the controls' settings and one seed (unless seed is"
                + " an axis); the grid and every cell are saved into the library."));
    queue.setOnAction(e -> vm.start());
    Label progress = new Label();
    progress.setId("compareProgress");
    progress.textProperty().bind(vm.progressProperty());
    HBox buttons = new HBox(6, preset, queue, progress);

    ImageView view = new ImageView();
    view.setId("compareGrid");
    view.setPreserveRatio(true);
    view.setSmooth(false); // small cells stay crisp when enlarged
    vm.gridProperty()
        .addListener((o, a, img) -> view.setImage(img == null ? null : FxImages.toFx(img)));
    view.imageProperty()
        .addListener(
            (o, a, img) -> {
              if (img != null) { // enlarge small grids to about 640 pixels wide
                view.setFitWidth(Math.max(img.getWidth(), Math.min(640, img.getWidth() * 4)));
              }
            });
    ScrollPane gridPane = new ScrollPane(view);
    gridPane.setPrefViewportHeight(360);
    VBox.setVgrow(gridPane, Priority.ALWAYS);

    Label help =
        new Label(
            "Values are separated by commas: guidance 1,3,5,7.5 · steps 10,20,30 · sampler"
                + " ddim,euler · seed 1,2,3 · prompt red,blue (the first is the word each cell"
                + " replaces, as A1111's Prompt S/R).");
    help.setWrapText(true);
    VBox box = new VBox(8, axes, help, buttons, gridPane);
    box.setPadding(new Insets(10));
    box.setPrefWidth(680);

    Stage stage = new Stage();
    stage.initOwner(owner);
    stage.setTitle("Compare: an X/Y grid of one setting against another");
    Scene scene = new Scene(box);
    if (owner != null && owner.getScene() != null) {
      scene.getStylesheets().setAll(owner.getScene().getStylesheets());
      scene.getRoot().getStyleClass().addAll(owner.getScene().getRoot().getStyleClass());
    }
    stage.setScene(scene);
    stage.show();
    return stage;
  }

  /** A chooser of the axis settings by their names, kept in step with {@code kind} both ways. */
  private static ComboBox<String> kinds(
      String id, boolean withNone, ObjectProperty<GridAxis.Kind> kind) {
    List<String> items = new ArrayList<>();
    if (withNone) {
      items.add(NONE);
    }
    for (GridAxis.Kind k : GridAxis.Kind.values()) {
      items.add(k.cliName());
    }
    ComboBox<String> box = new ComboBox<>(FXCollections.observableArrayList(items));
    box.setId(id);
    Runnable show =
        () -> box.setValue(kind.get() == null ? (withNone ? NONE : null) : kind.get().cliName());
    show.run();
    kind.addListener((o, a, b) -> show.run());
    box.valueProperty()
        .addListener(
            (o, a, b) -> kind.set(b == null || b.equals(NONE) ? null : GridAxis.Kind.of(b)));
    return box;
  }

  private static TextField values(String id, String text) {
    TextField t = new TextField(text);
    t.setId(id);
    t.setPromptText("values, separated by commas");
    return t;
  }
}
