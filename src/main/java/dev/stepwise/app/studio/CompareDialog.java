package dev.stepwise.app.studio;

import dev.stepwise.app.fx.FxImages;
import dev.stepwise.recipe.GridPlan.Kind;
import java.util.ArrayList;
import java.util.List;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.StringProperty;
import javafx.collections.FXCollections;
import javafx.geometry.Insets;
import javafx.scene.Scene;
import javafx.scene.control.Button;
import javafx.scene.control.ComboBox;
import javafx.scene.control.Label;
import javafx.scene.control.ScrollPane;
import javafx.scene.control.TextField;
import javafx.scene.image.ImageView;
import javafx.scene.layout.GridPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.VBox;
import javafx.stage.Stage;
import javafx.stage.Window;

/**
 * "Compare...": one or two axes, "Queue grid", the guidance paper's preset as one button, and the
 * grid filling in as its cells finish. Not modal: the studio goes on meanwhile.
 */
public final class CompareDialog {
  private CompareDialog() {}

  /** Opens the window for {@code vm} over {@code owner}. */
  public static Stage show(Window owner, CompareViewModel vm) {
    GridPane axes = new GridPane();
    axes.setHgap(6);
    axes.setVgap(6);
    axes.addRow(
        0,
        new Label("X (across)"),
        kinds("compareX", vm.xKind),
        values("compareXValues", vm.xValues));
    axes.addRow(
        1,
        new Label("Y (down)"),
        kinds("compareY", vm.yKind),
        values("compareYValues", vm.yValues));
    Button preset = new Button("Guidance 1, 3, 5, 7.5, 10 (same seed)");
    preset.setId("compareGuidancePreset");
    preset.setOnAction(e -> vm.guidancePreset());
    Button queue = new Button("Queue grid");
    queue.setId("compareQueue");
    queue.setOnAction(e -> vm.start());
    Label progress = new Label();
    progress.textProperty().bind(vm.progress);
    ImageView view = new ImageView();
    view.setId("compareGrid");
    view.setPreserveRatio(true);
    vm.grid.addListener(
        (o, a, img) -> {
          view.setImage(img == null ? null : FxImages.toFx(img));
          view.setFitWidth(img == null ? 0 : Math.min(640, img.width() * 4)); // small cells larger
        });
    Label help =
        new Label(
            "Values are separated by commas, e.g. guidance 1,3,5,7.5 · steps 10,20 · sampler"
                + " ddim,euler · seed 1,2 · prompt red,blue (each replaces red in the prompt). The"
                + " cells and the grid are saved into the library.");
    help.setWrapText(true);
    VBox box = new VBox(8, axes, help, new HBox(6, preset, queue, progress), new ScrollPane(view));
    box.setPadding(new Insets(10));
    box.setPrefSize(680, 520);
    Stage stage = new Stage();
    stage.initOwner(owner);
    stage.setTitle("Compare: a grid of one setting against another");
    stage.setScene(new Scene(box));
    stage.getScene().getStylesheets().setAll(owner.getScene().getStylesheets());
    stage.show();
    return stage;
  }

  /** The settings by name ("(none)" for no Y), kept in step with {@code kind} both ways. */
  private static ComboBox<String> kinds(String id, ObjectProperty<Kind> kind) {
    List<String> names = new ArrayList<>(id.endsWith("Y") ? List.of("(none)") : List.of());
    for (Kind k : Kind.values()) {
      names.add(k.cliName());
    }
    ComboBox<String> box = new ComboBox<>(FXCollections.observableArrayList(names));
    box.setId(id);
    Runnable show = () -> box.setValue(kind.get() == null ? names.get(0) : kind.get().cliName());
    show.run();
    kind.addListener((o, a, b) -> show.run());
    box.valueProperty()
        .addListener(
            (o, a, b) ->
                kind.set(
                    names.indexOf(b) < names.size() - Kind.values().length
                        ? null
                        : Kind.valueOf(b.toUpperCase(java.util.Locale.ROOT))));
    return box;
  }

  private static TextField values(String id, StringProperty text) {
    TextField t = new TextField();
    t.setId(id);
    t.setPrefColumnCount(24);
    t.textProperty().bindBidirectional(text);
    return t;
  }
}
