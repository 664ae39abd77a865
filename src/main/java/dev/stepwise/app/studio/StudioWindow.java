package dev.stepwise.app.studio;

import dev.stepwise.app.settings.Theme;
import java.io.File;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.geometry.Insets;
import javafx.geometry.Orientation;
import javafx.geometry.Pos;
import javafx.geometry.Side;
import javafx.scene.Node;
import javafx.scene.Parent;
import javafx.scene.Scene;
import javafx.scene.control.Button;
import javafx.scene.control.ContextMenu;
import javafx.scene.control.Label;
import javafx.scene.control.MenuItem;
import javafx.scene.control.SplitPane;
import javafx.scene.control.Tab;
import javafx.scene.control.TabPane;
import javafx.scene.control.ToggleButton;
import javafx.scene.control.ToolBar;
import javafx.scene.input.KeyCode;
import javafx.scene.input.KeyCodeCombination;
import javafx.scene.input.KeyCombination;
import javafx.scene.input.KeyEvent;
import javafx.scene.input.TransferMode;
import javafx.scene.layout.BorderPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.Region;
import javafx.scene.layout.StackPane;
import javafx.stage.DirectoryChooser;
import javafx.stage.FileChooser;
import javafx.stage.Window;
import org.controlsfx.control.Notifications;
import org.kordamp.ikonli.javafx.FontIcon;

/**
 * The studio's main window content: tool bar, controls, live canvas, queue, results strip and
 * status bar, plus the slots where the step timeline, the explain view and the gallery are placed.
 *
 * <p>Slots for views built elsewhere: {@link #timelineSlot()}, {@link #explainSlot()}, {@link
 * #gallerySlot()} and {@link #resultsSlot()} return containers whose children may be replaced;
 * {@link StudioViewModel#addStudioListener} feeds them the run ({@link
 * dev.stepwise.app.StudioParts} does the wiring).
 */
public final class StudioWindow {
  /** The bottom tabs' least height: tab headers, the timeline's scrub row, buttons, filmstrip. */
  static final double BOTTOM_MIN_HEIGHT = 200;

  private final StudioViewModel vm;
  private final BorderPane root = new BorderPane();
  private final StackPane timelineSlot = new StackPane();
  private final StackPane explainSlot = new StackPane();
  private final StackPane resultsSlot = new StackPane();
  private final StackPane gallerySlot = new StackPane();
  private final Tab canvasTab;
  private final Tab galleryTab;
  private Runnable onOpenParameters = () -> {};
  private Consumer<Path> onDropFile = f -> {};
  private java.util.function.BooleanSupplier onViewLarge = () -> false;
  private final ObjectProperty<Theme> theme = new SimpleObjectProperty<>(Theme.LIGHT);
  private final ControlsPane controls;
  private final CanvasPane canvas;
  private final ResultsStrip resultsStrip;
  private final TabPane centerTabs;
  private final List<Shortcut> shortcuts;
  private boolean popupErrors = true;

  /** Builds the window content for {@code vm} in {@code initialTheme}. */
  public StudioWindow(StudioViewModel vm, Theme initialTheme) {
    this.vm = vm;
    theme.set(initialTheme);
    controls = new ControlsPane(vm, this::openModelMenu, this::generate);
    canvas = new CanvasPane(vm);

    Button generate =
        Icons.button(
            "generate",
            "Generate",
            "mdi2p-play",
            "Generate (Ctrl+Enter); while a job runs the new one is queued");
    generate.setOnAction(e -> generate());
    Button cancel =
        Icons.button(
            "cancel",
            "Cancel",
            "mdi2s-stop",
            "Cancel the running job (Esc); it stops within one step");
    cancel.setOnAction(e -> vm.jobs().cancelRunning());
    cancel.disableProperty().bind(vm.jobs().runningProperty().not());
    Button themeButton =
        Icons.button(
            "theme",
            "",
            "mdi2t-theme-light-dark",
            "Switch between the light and dark theme (Ctrl+T)");
    themeButton.setOnAction(e -> toggleTheme());
    Button help = Icons.button("help", "", "mdi2h-help-circle-outline", "Keyboard shortcuts (F1)");
    help.setOnAction(e -> showHelp());
    Button openParameters =
        Icons.button(
            "openParameters",
            "Open parameters…",
            "mdi2f-file-image-outline",
            "Open image parameters… (Ctrl+Shift+O): fill every control from a PNG's recipe;"
                + " dropping a PNG on the window does the same");
    openParameters.setOnAction(e -> onOpenParameters.run());
    Button compare =
        Icons.button(
            "compare",
            "Compare…",
            "mdi2v-view-grid-outline",
            "Compare… : a grid of one setting against another (A1111's X/Y plot), same seed");
    compare.setOnAction(e -> CompareDialog.show(root.getScene().getWindow(), vm.compare()));
    Button backends =
        Icons.button(
            "backends", "", "mdi2s-server-network", "Backends… : servers that run jobs, and where");
    backends.setOnAction(e -> BackendsDialog.show(root.getScene().getWindow(), vm.backends()));
    ToggleButton keepEncoders =
        Icons.toggle(
            "keepTextEncoders",
            "",
            "mdi2m-memory",
            "Keep the text encoders in memory between prompts; off frees them while the steps run"
                + " (SDXL: 1.8 GB) and reads them again for the next prompt");
    keepEncoders.selectedProperty().bindBidirectional(vm.keepTextEncodersProperty());
    Region spacer = new Region();
    HBox.setHgrow(spacer, Priority.ALWAYS);
    ToolBar bar =
        new ToolBar(
            generate,
            cancel,
            openParameters,
            compare,
            spacer,
            keepEncoders,
            backends,
            themeButton,
            help);

    canvasTab = new Tab("Canvas", canvas);
    canvasTab.setId("canvasTab");
    canvasTab.setGraphic(new FontIcon("mdi2i-image-filter-center-focus"));
    explainSlot.setId("explainSlot");
    explainSlot
        .getChildren()
        .add(
            placeholder(
                "The explain view: schedules, the sampler's update and" + " the forward process."));
    Tab explainTab = new Tab("Explain", explainSlot);
    explainTab.setId("explainTab");
    explainTab.setGraphic(new FontIcon("mdi2s-school-outline"));
    gallerySlot.setId("gallerySlot");
    gallerySlot.getChildren().add(placeholder("Opening the library…"));
    galleryTab = new Tab("Gallery", gallerySlot);
    galleryTab.setId("galleryTab");
    galleryTab.setGraphic(new FontIcon("mdi2v-view-gallery-outline"));
    centerTabs = new TabPane(canvasTab, explainTab, galleryTab);
    centerTabs.setTabClosingPolicy(TabPane.TabClosingPolicy.UNAVAILABLE);

    resultsSlot.setId("resultsSlot");
    resultsStrip = new ResultsStrip(vm.jobs());
    resultsStrip.setOnVary(item -> vm.variation().vary(item));
    resultsStrip.setOnSendToImg2img(i -> vm.useInitImage(i.image(), "result seed " + i.seed()));
    resultsSlot.getChildren().add(resultsStrip);
    timelineSlot.setId("timelineSlot");
    timelineSlot.getChildren().add(placeholder("The step timeline of the current image."));
    Tab resultsTab = new Tab("Results", resultsSlot);
    resultsTab.setGraphic(new FontIcon("mdi2i-image-multiple-outline"));
    Tab timelineTab = new Tab("Timeline", timelineSlot);
    timelineTab.setId("timelineTab");
    timelineTab.setGraphic(new FontIcon("mdi2f-filmstrip"));
    TabPane bottomTabs = new TabPane(resultsTab, timelineTab);
    bottomTabs.setTabClosingPolicy(TabPane.TabClosingPolicy.UNAVAILABLE);

    // The bottom tabs never get shorter than the timeline's scrub row, buttons and filmstrip, so
    // no divider position cuts them off; the canvas takes what is left.
    bottomTabs.setMinHeight(BOTTOM_MIN_HEIGHT);
    SplitPane middle = new SplitPane(centerTabs, bottomTabs);
    middle.setOrientation(Orientation.VERTICAL);
    middle.setDividerPositions(0.7);
    QueuePane queue = new QueuePane(vm.jobs(), vm.backends());
    SplitPane main = new SplitPane(controls, middle, queue);
    main.setDividerPositions(0.26, 0.83);
    SplitPane.setResizableWithParent(controls, false);
    SplitPane.setResizableWithParent(queue, false);

    root.setTop(bar);
    root.setCenter(main);
    root.setBottom(statusBar());
    root.setId("studioRoot");
    root.setOnDragOver(
        e -> {
          if (e.getDragboard().hasFiles() && e.getDragboard().getFiles().size() == 1) {
            e.acceptTransferModes(TransferMode.COPY);
            e.consume();
          }
        });
    root.setOnDragDropped(
        e -> {
          List<File> files = e.getDragboard().hasFiles() ? e.getDragboard().getFiles() : List.of();
          if (files.size() == 1) {
            onDropFile.accept(files.get(0).toPath());
          }
          e.setDropCompleted(files.size() == 1);
          e.consume();
        });

    vm.status()
        .errorProperty()
        .addListener(
            (o, a, msg) -> {
              if (msg != null && !msg.isEmpty()) {
                notifyError(msg);
              }
            });
    // A sentence about a run (e.g. a preview decoder that does not fit): the status bar has it,
    // a notification says it once; the run goes on.
    vm.status()
        .noticeProperty()
        .addListener(
            (o, a, msg) -> {
              if (msg != null && !msg.isEmpty()) {
                notifyInfo(msg);
              }
            });
    shortcuts =
        List.of(
            new Shortcut(
                combo(KeyCode.ENTER, KeyCombination.SHORTCUT_DOWN),
                "Generate (queued while a" + " job runs)",
                () -> {
                  generate();
                  return true;
                }),
            new Shortcut(
                new KeyCodeCombination(KeyCode.ESCAPE),
                "Cancel the running job",
                vm.jobs()::cancelRunning),
            new Shortcut(
                combo(KeyCode.R, KeyCombination.SHORTCUT_DOWN),
                "Draw a new random seed",
                () -> {
                  vm.seeds().randomSeed();
                  return true;
                }),
            new Shortcut(
                combo(KeyCode.R, KeyCombination.SHORTCUT_DOWN, KeyCombination.SHIFT_DOWN),
                "Reuse the last seed and lock it",
                () -> {
                  vm.seeds().reuseLastSeed();
                  return true;
                }),
            new Shortcut(
                combo(KeyCode.L, KeyCombination.SHORTCUT_DOWN),
                "Lock or unlock the seed",
                () -> {
                  vm.seeds().seedLockedProperty().set(!vm.seeds().seedLockedProperty().get());
                  return true;
                }),
            new Shortcut(
                combo(KeyCode.O, KeyCombination.SHORTCUT_DOWN),
                "Open a model: a pack folder, a checkpoint file or a models folder…",
                () -> {
                  openModelMenu();
                  return true;
                }),
            new Shortcut(
                combo(KeyCode.O, KeyCombination.SHORTCUT_DOWN, KeyCombination.SHIFT_DOWN),
                "Open image parameters… (fill the controls from a PNG)",
                () -> {
                  onOpenParameters.run();
                  return true;
                }),
            new Shortcut(
                combo(KeyCode.I, KeyCombination.SHORTCUT_DOWN),
                "Prompt ideas: the prompts this model knows",
                () -> {
                  if (vm.prompts().promptIdeas().isEmpty()) {
                    return false;
                  }
                  PromptIdeasDialog.show(window(), vm.prompts());
                  return true;
                }),
            new Shortcut(
                combo(KeyCode.I, KeyCombination.SHORTCUT_DOWN, KeyCombination.SHIFT_DOWN),
                "Put a random prompt this model knows in place",
                () -> vm.prompts().surprisePrompt(ThreadLocalRandom.current()) != null),
            new Shortcut(
                combo(KeyCode.G, KeyCombination.SHORTCUT_DOWN),
                "Show the gallery",
                () -> {
                  showGallery();
                  return true;
                }),
            new Shortcut(
                combo(KeyCode.DIGIT0, KeyCombination.SHORTCUT_DOWN),
                "Fit the picture to the" + " window",
                () -> {
                  canvas.zoomToFit(true);
                  return true;
                }),
            new Shortcut(
                combo(KeyCode.DIGIT1, KeyCombination.SHORTCUT_DOWN),
                "Show the picture 1:1",
                () -> {
                  canvas.zoomToFit(false);
                  return true;
                }),
            new Shortcut(
                new KeyCodeCombination(KeyCode.F),
                "View the picture large: the gallery's selected image, else the newest result"
                    + " (Space too, outside text fields)",
                () -> !keysTaken(false) && onViewLarge.getAsBoolean()),
            new Shortcut(
                new KeyCodeCombination(KeyCode.SPACE),
                "View the picture large (as F)",
                () -> !keysTaken(true) && onViewLarge.getAsBoolean()),
            new Shortcut(
                combo(KeyCode.T, KeyCombination.SHORTCUT_DOWN),
                "Switch light / dark theme",
                () -> {
                  toggleTheme();
                  return true;
                }),
            new Shortcut(
                new KeyCodeCombination(KeyCode.F1),
                "Show this help",
                () -> {
                  showHelp();
                  return true;
                }));
  }

  /**
   * Whether the focused control wants plain keys itself: a text field (every key), or for Space a
   * button, check box, combo box, list or expander.
   */
  private boolean keysTaken(boolean space) {
    Node focus = root.getScene() == null ? null : root.getScene().getFocusOwner();
    return focus instanceof javafx.scene.control.TextInputControl
        || (space
            && (focus instanceof javafx.scene.control.ButtonBase
                || focus instanceof javafx.scene.control.ComboBoxBase
                || focus instanceof javafx.scene.control.ChoiceBox
                || focus instanceof javafx.scene.control.ListView
                || focus instanceof javafx.scene.control.TitledPane));
  }

  private static KeyCombination combo(KeyCode code, KeyCombination.Modifier... mods) {
    return new KeyCodeCombination(code, mods);
  }

  private static Label placeholder(String text) {
    Label l = new Label(text);
    l.getStyleClass().add("slot-placeholder");
    l.setWrapText(true);
    return l;
  }

  private HBox statusBar() {
    Label status = new Label();
    status.setId("status");
    status.textProperty().bind(vm.status().statusProperty());
    Label error = new Label();
    error.setId("error");
    error.getStyleClass().add("error-label");
    error.setGraphic(new FontIcon("mdi2a-alert-circle-outline"));
    error.textProperty().bind(vm.status().errorProperty());
    error.visibleProperty().bind(vm.status().errorProperty().isNotEmpty());
    error.managedProperty().bind(error.visibleProperty());
    Region spacer = new Region();
    HBox.setHgrow(spacer, Priority.ALWAYS);
    Label device = new Label();
    device.textProperty().bind(vm.status().deviceProperty());
    device.setGraphic(new FontIcon("mdi2c-chip"));
    HBox h = new HBox(12, error, status, spacer, device);
    h.getStyleClass().add("status-bar");
    h.setAlignment(Pos.CENTER_LEFT);
    h.setPadding(new Insets(4, 8, 4, 8));
    return h;
  }

  /** A scene for this window, with the theme's style sheet and the keyboard shortcuts. */
  public Scene createScene(double width, double height) {
    Scene scene = new Scene(root, width, height);
    applyTheme(scene);
    theme.addListener((o, a, b) -> applyTheme(scene));
    scene.addEventFilter(
        KeyEvent.KEY_PRESSED,
        e -> {
          for (Shortcut s : shortcuts) {
            if (s.keys().match(e)) {
              if (s.action().run()) {
                e.consume();
              }
              return;
            }
          }
        });
    return scene;
  }

  private void applyTheme(Scene scene) {
    scene.getStylesheets().setAll(theme.get().stylesheet());
  }

  private void generate() {
    vm.generate();
  }

  private void toggleTheme() {
    theme.set(theme.get().toggled());
  }

  private void showHelp() {
    HelpDialog.show(window(), shortcuts);
  }

  private Window window() {
    return root.getScene() == null ? null : root.getScene().getWindow();
  }

  /** The three ways to open a model, as a menu under the model chooser's open button. */
  private void openModelMenu() {
    MenuItem folder = new MenuItem("Pack folder (diffusers, with model_index.json)…");
    folder.setOnAction(e -> openModelFolder());
    MenuItem file = new MenuItem("Checkpoint file (SD 1.x or 2.x .safetensors)…");
    file.setOnAction(e -> openCheckpointFile());
    MenuItem root = new MenuItem("Models folder (Stepwise, AUTOMATIC1111 or ComfyUI)…");
    root.setOnAction(e -> chooseModelsRoot());
    ContextMenu menu = new ContextMenu(folder, file, root);
    Node anchor = controls.openModelButton();
    if (anchor.getScene() != null && anchor.getScene().getWindow() != null) {
      menu.show(anchor, Side.BOTTOM, 0, 0);
    }
  }

  private void openModelFolder() {
    DirectoryChooser chooser = new DirectoryChooser();
    chooser.setTitle("Open a model folder (a diffusers pack with model_index.json)");
    File dir = chooser.showDialog(window());
    if (dir != null) {
      vm.model().openModel(dir.toPath());
    }
  }

  private void openCheckpointFile() {
    FileChooser chooser = new FileChooser();
    chooser.setTitle("Open a checkpoint (a single-file SD 1.x or 2.x .safetensors)");
    chooser
        .getExtensionFilters()
        .add(new FileChooser.ExtensionFilter("Safetensors checkpoints", "*.safetensors"));
    File f = chooser.showOpenDialog(window());
    if (f != null) {
      vm.model().openModel(f.toPath());
    }
  }

  private void chooseModelsRoot() {
    DirectoryChooser chooser = new DirectoryChooser();
    chooser.setTitle("Choose the models folder (Stepwise's, an AUTOMATIC1111 or a ComfyUI folder)");
    File dir = chooser.showDialog(window());
    if (dir != null) {
      Path root = dir.toPath();
      vm.model().setModelsRoot(root, ModelCatalog.forRoot(root.toString()).list());
    }
  }

  private void notifyError(String message) {
    if (!popupErrors || window() == null) {
      return;
    }
    try {
      Notifications.create().owner(window()).title("Stepwise").text(message).showError();
    } catch (RuntimeException e) {
      // The status bar shows the same sentence; a popup that cannot open changes nothing.
    }
  }

  /** Shows {@code message} as an information notification (the status bar has it too). */
  public void notifyInfo(String message) {
    if (!popupErrors || window() == null) {
      return;
    }
    try {
      Notifications.create().owner(window()).title("Stepwise").text(message).showInformation();
    } catch (RuntimeException e) {
      // The status bar shows the same sentence.
    }
  }

  /** Sets what the "Open parameters…" button and Ctrl+Shift+O do. */
  public void setOnOpenParameters(Runnable action) {
    onOpenParameters = action == null ? () -> {} : action;
  }

  /**
   * Sets what F and Space do outside text fields: open the lightbox; it answers false when there is
   * no picture to show (the key then goes on to the focused control).
   */
  public void setOnViewLarge(java.util.function.BooleanSupplier action) {
    onViewLarge = action == null ? () -> false : action;
  }

  /** Sets what a file dropped on the window does (one file at a time). */
  public void setOnDropFile(Consumer<Path> action) {
    onDropFile = action == null ? f -> {} : action;
  }

  /** Brings the live canvas (the generate view) to the front. */
  public void showCanvas() {
    centerTabs.getSelectionModel().select(canvasTab);
  }

  /** Brings the gallery to the front. */
  public void showGallery() {
    centerTabs.getSelectionModel().select(galleryTab);
  }

  /** Whether the gallery tab is in front. */
  public boolean galleryShown() {
    return centerTabs.getSelectionModel().getSelectedItem() == galleryTab;
  }

  /** The container of the "Gallery" tab: the studio puts the library's gallery view here. */
  public StackPane gallerySlot() {
    return gallerySlot;
  }

  /** Whether errors also pop up as notifications (the status bar always shows them). */
  public void setPopupErrors(boolean on) {
    popupErrors = on;
  }

  /** The root node. */
  public Parent root() {
    return root;
  }

  /** The current theme (remembered between runs). */
  public ObjectProperty<Theme> themeProperty() {
    return theme;
  }

  /** Every bound shortcut, as the help dialog lists them. */
  public List<Shortcut> shortcuts() {
    return shortcuts;
  }

  /** The canvas pane (zoom, source switch, live picture). */
  public CanvasPane canvas() {
    return canvas;
  }

  /** The strip of this session's finished images (in the "Results" tab). */
  public ResultsStrip resultsStrip() {
    return resultsStrip;
  }

  /** The controls column. */
  public ControlsPane controls() {
    return controls;
  }

  /** The container of the "Timeline" tab: replace its children with the step timeline. */
  public StackPane timelineSlot() {
    return timelineSlot;
  }

  /** The container of the "Explain" tab: replace its children with the explain view. */
  public StackPane explainSlot() {
    return explainSlot;
  }

  /** The container of the "Results" tab: the strip of this session's finished images. */
  public StackPane resultsSlot() {
    return resultsSlot;
  }
}
