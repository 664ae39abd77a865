package dev.stepwise.app.timeline;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Supplier;
import javafx.animation.Animation;
import javafx.animation.KeyFrame;
import javafx.animation.Timeline;
import javafx.beans.binding.Bindings;
import javafx.geometry.Insets;
import javafx.geometry.Pos;
import javafx.scene.Node;
import javafx.scene.control.Button;
import javafx.scene.control.CheckBox;
import javafx.scene.control.ComboBox;
import javafx.scene.control.Label;
import javafx.scene.control.ScrollPane;
import javafx.scene.control.Slider;
import javafx.scene.control.Spinner;
import javafx.scene.control.Tooltip;
import javafx.scene.layout.BorderPane;
import javafx.scene.layout.FlowPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.Region;
import javafx.scene.layout.VBox;
import javafx.stage.DirectoryChooser;
import javafx.stage.FileChooser;
import javafx.util.Duration;
import org.kordamp.ikonli.javafx.FontIcon;
import org.kordamp.ikonli.materialdesign2.MaterialDesignF;
import org.kordamp.ikonli.materialdesign2.MaterialDesignI;
import org.kordamp.ikonli.materialdesign2.MaterialDesignP;

/**
 * The step timeline: a slider to scrub, a filmstrip with one thumbnail per step, playback at a
 * chosen rate, and GIF / PNG-frame export. The selected step is shown large on the studio's live
 * canvas ({@code StudioParts} connects the two), not in this pane.
 *
 * <p>Node ids for tests and styling: {@code #timeline-slider}, {@code #timeline-strip}, {@code
 * #timeline-frame-N} (N the 0-based step), {@code #timeline-play}, {@code #timeline-fps}, {@code
 * #timeline-step}, {@code #timeline-status}.
 */
public final class TimelinePane extends BorderPane {

  private final TimelineViewModel vm;
  private final Slider slider = new Slider(0, 0, 0);
  private final Timeline animation = new Timeline();
  private final Supplier<Path> picturesFolder;
  private Path lastFolder;
  private boolean syncing;

  /** Builds the pane around {@code vm}; the pane only reads and writes the view model's state. */
  public TimelinePane(TimelineViewModel vm) {
    this(vm, PicturesFolder::find);
  }

  /**
   * Builds the pane around {@code vm}; exports are offered in {@code picturesFolder}'s folder until
   * the user picks another (then in that one for the rest of the session).
   */
  TimelinePane(TimelineViewModel vm, Supplier<Path> picturesFolder) {
    this.vm = vm;
    this.picturesFolder = picturesFolder;
    getStyleClass().add("timeline-pane");

    slider.setId("timeline-slider");
    slider.setBlockIncrement(1);
    slider.setMajorTickUnit(1);
    slider.setMinorTickCount(0);
    slider.setSnapToTicks(true);
    slider.setTooltip(
        new Tooltip(
            "Scrub through the steps (arrow keys move one step); the canvas shows the chosen"
                + " step until you come back to the newest"));
    slider
        .valueProperty()
        .addListener(
            (o, a, b) -> {
              if (!syncing) {
                vm.selectedStepProperty().set((int) Math.round(b.doubleValue()));
              }
            });
    Label stepLabel = new Label();
    stepLabel.setId("timeline-step");
    stepLabel.setMinWidth(Region.USE_PREF_SIZE);
    stepLabel
        .textProperty()
        .bind(
            Bindings.createStringBinding(
                () ->
                    vm.selectedStepProperty().get() < 0
                        ? "No steps yet"
                        : "Step "
                            + (vm.selectedStepProperty().get() + 1)
                            + " of "
                            + vm.totalStepsProperty().get(),
                vm.selectedStepProperty(),
                vm.totalStepsProperty()));
    HBox.setHgrow(slider, Priority.ALWAYS);
    HBox scrubRow = new HBox(8, slider, stepLabel);
    scrubRow.setAlignment(Pos.CENTER_LEFT);

    Label status = new Label();
    status.setId("timeline-status");
    status.textProperty().bind(vm.statusProperty());
    status.setWrapText(true);
    status.visibleProperty().bind(vm.statusProperty().isNotEmpty());
    status.managedProperty().bind(status.visibleProperty());
    // The buttons come before the filmstrip and wrap onto a second line when the pane is narrow:
    // none is cut off or shortened to "..."; on a very short pane the whole pane scrolls.
    VBox box = new VBox(6, scrubRow, controls(), new Filmstrip(vm), status);
    box.setPadding(new Insets(6));
    ScrollPane scroll = new ScrollPane(box);
    scroll.setFitToWidth(true);
    scroll.setHbarPolicy(ScrollPane.ScrollBarPolicy.NEVER);
    scroll.getStyleClass().add("edge-to-edge");
    setCenter(scroll);

    vm.totalStepsProperty().addListener((o, a, b) -> syncSlider());
    vm.selectedStepProperty().addListener((o, a, b) -> syncSlider());
    vm.playingProperty().addListener((o, a, b) -> updateAnimation());
    vm.fpsProperty().addListener((o, a, b) -> updateAnimation());
    syncSlider();
  }

  private FlowPane controls() {
    Button play = new Button();
    play.setId("timeline-play");
    play.graphicProperty()
        .bind(
            Bindings.createObjectBinding(
                () ->
                    FontIcon.of(
                        vm.playingProperty().get() ? MaterialDesignP.PAUSE : MaterialDesignP.PLAY),
                vm.playingProperty()));
    play.textProperty().bind(Bindings.when(vm.playingProperty()).then("Pause").otherwise("Play"));
    play.setTooltip(new Tooltip("Play the steps as an animation"));
    play.setOnAction(e -> vm.playingProperty().set(!vm.playingProperty().get()));
    play.disableProperty().bind(Bindings.size(vm.frames()).lessThan(2));

    Spinner<Integer> fps =
        new Spinner<>(TimelineViewModel.MIN_FPS, TimelineViewModel.MAX_FPS, vm.fpsProperty().get());
    fps.setId("timeline-fps");
    fps.setEditable(true);
    fps.setPrefWidth(80);
    fps.setTooltip(new Tooltip("Frames per second for playback and the GIF"));
    fps.valueProperty().addListener((o, a, b) -> vm.fpsProperty().set(b));
    vm.fpsProperty().addListener((o, a, b) -> fps.getValueFactory().setValue(b.intValue()));

    ComboBox<Integer> size = new ComboBox<>();
    size.setId("timeline-export-size");
    size.getItems().addAll(128, 256, 512, 768, 1024);
    size.setValue(vm.exportSizeProperty().get());
    size.setTooltip(new Tooltip("Longer side of exported frames, in pixels"));
    size.valueProperty()
        .addListener(
            (o, a, b) -> {
              if (b != null) {
                vm.exportSizeProperty().set(b);
              }
            });

    CheckBox smooth = new CheckBox("Smooth");
    smooth.setId("timeline-smooth");
    smooth.selectedProperty().bindBidirectional(vm.smoothProperty());
    smooth.setTooltip(
        new Tooltip(
            "Scale exported frames smoothly (the frames are pictures at the image size); off"
                + " scales by whole pixels, crisp blocks when enlarging"));

    Button gif = new Button("GIF", FontIcon.of(MaterialDesignF.FILE_GIF_BOX));
    gif.setId("timeline-export-gif");
    gif.setTooltip(new Tooltip("Export the steps as an animated GIF"));
    gif.setOnAction(e -> chooseGif());
    Button png = new Button("PNG frames", FontIcon.of(MaterialDesignI.IMAGE_MULTIPLE));
    png.setId("timeline-export-png");
    png.setTooltip(new Tooltip("Export every step as a numbered PNG file"));
    png.setOnAction(e -> choosePngFolder());
    gif.disableProperty().bind(vm.exportingProperty().or(Bindings.isEmpty(vm.frames())));
    png.disableProperty().bind(gif.disableProperty());

    FlowPane row =
        new FlowPane(8, 4, play, new Label("fps"), fps, new Label("Size"), size, smooth, gif, png);
    row.setId("timeline-controls");
    row.setAlignment(Pos.CENTER_LEFT);
    for (Node n : row.getChildren()) {
      if (n instanceof Region r) {
        r.setMinWidth(Region.USE_PREF_SIZE);
      }
    }
    return row;
  }

  /** Where the export dialogs open: the folder used last, else the user's pictures folder. */
  Path exportFolder() {
    if (lastFolder != null && Files.isDirectory(lastFolder)) {
      return lastFolder;
    }
    return picturesFolder.get();
  }

  private void chooseGif() {
    FileChooser chooser = new FileChooser();
    chooser.setTitle("Export the steps as a GIF");
    chooser.setInitialDirectory(exportFolder().toFile());
    chooser.getExtensionFilters().add(new FileChooser.ExtensionFilter("GIF animation", "*.gif"));
    chooser.setInitialFileName("steps.gif");
    File file = chooser.showSaveDialog(getScene() == null ? null : getScene().getWindow());
    if (file != null) {
      Path p = file.toPath();
      if (!p.getFileName().toString().toLowerCase(java.util.Locale.ROOT).endsWith(".gif")) {
        p = p.resolveSibling(p.getFileName() + ".gif");
      }
      lastFolder = p.getParent();
      vm.exportGif(p);
    }
  }

  private void choosePngFolder() {
    DirectoryChooser chooser = new DirectoryChooser();
    chooser.setTitle("Export the steps as PNG frames into a folder");
    chooser.setInitialDirectory(exportFolder().toFile());
    File dir = chooser.showDialog(getScene() == null ? null : getScene().getWindow());
    if (dir != null) {
      lastFolder = dir.toPath();
      vm.exportPngFrames(dir.toPath());
    }
  }

  private void syncSlider() {
    syncing = true;
    try {
      slider.setMax(Math.max(0, vm.totalStepsProperty().get() - 1));
      slider.setValue(Math.max(0, vm.selectedStepProperty().get()));
      slider.setDisable(vm.totalStepsProperty().get() < 2);
    } finally {
      syncing = false;
    }
  }

  private void updateAnimation() {
    animation.stop();
    if (vm.playingProperty().get()) {
      animation
          .getKeyFrames()
          .setAll(
              new KeyFrame(
                  Duration.millis(1000.0 / vm.fpsProperty().get()), e -> vm.advancePlayback()));
      animation.setCycleCount(Animation.INDEFINITE);
      animation.play();
    }
  }
}
