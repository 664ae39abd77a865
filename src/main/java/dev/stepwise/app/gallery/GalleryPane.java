package dev.stepwise.app.gallery;

import dev.stepwise.gallery.LibraryImage;
import dev.stepwise.gallery.Thumbnails;
import java.io.File;
import java.util.Map;
import javafx.beans.binding.Bindings;
import javafx.geometry.Insets;
import javafx.geometry.Orientation;
import javafx.geometry.Pos;
import javafx.scene.Node;
import javafx.scene.control.Button;
import javafx.scene.control.ComboBox;
import javafx.scene.control.DatePicker;
import javafx.scene.control.Label;
import javafx.scene.control.MenuButton;
import javafx.scene.control.MenuItem;
import javafx.scene.control.Separator;
import javafx.scene.control.TextField;
import javafx.scene.control.ToggleButton;
import javafx.scene.image.Image;
import javafx.scene.layout.BorderPane;
import javafx.scene.layout.FlowPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.Region;
import javafx.stage.DirectoryChooser;
import javafx.stage.FileChooser;
import org.controlsfx.control.GridView;

/**
 * The gallery view: a thumbnail grid with search and filters, selection actions, and the details
 * pane of the focused image. Self-contained: give it a {@link GalleryViewModel} and put it in any
 * scene; it refreshes itself once shown.
 *
 * <p>Controls carry ids for tests and styling: {@code #gallery-search}, {@code #gallery-filter},
 * {@code #favourites-only}, {@code #model-filter}, {@code #from-date}, {@code #to-date}, {@code
 * #gallery-target}, {@code #add-to-gallery}, {@code #delete}, {@code #undo}, {@code #export},
 * {@code #open-folder}, {@code #rescan}, {@code #gallery-grid}, {@code #save-all}, {@code
 * #gallery-message}.
 */
public final class GalleryPane extends BorderPane {
  /** Label of the gallery filter's "no filter" entry. */
  static final String ALL_IMAGES = "All images";

  /** Label of the model filter's "no filter" entry. */
  static final String ALL_MODELS = "All models";

  private final GridView<LibraryImage> grid;
  private final Map<Long, Image> thumbnails = ThumbnailCell.lru(3000);
  private java.util.function.Consumer<LibraryImage> onViewLarge = i -> {};

  private java.util.function.Consumer<java.nio.file.Path> onSendToImg2img = f -> {};

  /**
   * Sets what "Send to img2img" (a thumbnail's menu, the details' button) does with the image's
   * file: the studio starts its next runs from it.
   */
  public void setOnSendToImg2img(java.util.function.Consumer<java.nio.file.Path> action) {
    onSendToImg2img = action == null ? f -> {} : action;
  }

  private void sendToImg2img(LibraryImage img) {
    if (img != null) {
      onSendToImg2img.accept(img.file());
    }
  }

  /** Builds the view over {@code vm} and loads the first page of images. */
  public GalleryPane(GalleryViewModel vm) {
    getStyleClass().add("gallery-pane");

    TextField search = new TextField();
    search.setId("gallery-search");
    search.setPromptText("Search prompts");
    search.textProperty().bindBidirectional(vm.filters().search());

    ComboBox<String> galleryFilter = new ComboBox<>();
    galleryFilter.setId("gallery-filter");
    galleryFilter.getItems().add(ALL_IMAGES);
    galleryFilter.setValue(ALL_IMAGES);
    vm.galleries()
        .addListener(
            (javafx.collections.ListChangeListener<String>)
                c -> {
                  String keep = galleryFilter.getValue();
                  galleryFilter.getItems().setAll(ALL_IMAGES);
                  galleryFilter.getItems().addAll(vm.galleries());
                  galleryFilter.setValue(
                      galleryFilter.getItems().contains(keep) ? keep : ALL_IMAGES);
                });
    galleryFilter
        .valueProperty()
        .addListener(
            (o, a, b) -> vm.filters().gallery().set(b == null || b.equals(ALL_IMAGES) ? null : b));
    vm.filters()
        .gallery()
        .addListener((o, a, b) -> galleryFilter.setValue(b == null ? ALL_IMAGES : b));

    ToggleButton favourites = new ToggleButton("\u2605 Favourites");
    favourites.setId("favourites-only");
    favourites.selectedProperty().bindBidirectional(vm.filters().favouritesOnly());

    ComboBox<String> modelFilter = new ComboBox<>();
    modelFilter.setId("model-filter");
    modelFilter.getItems().add(ALL_MODELS);
    modelFilter.setValue(ALL_MODELS);
    vm.models()
        .addListener(
            (javafx.collections.ListChangeListener<String>)
                c -> {
                  String keep = modelFilter.getValue();
                  modelFilter.getItems().setAll(ALL_MODELS);
                  modelFilter.getItems().addAll(vm.models());
                  modelFilter.setValue(modelFilter.getItems().contains(keep) ? keep : ALL_MODELS);
                });
    modelFilter
        .valueProperty()
        .addListener(
            (o, a, b) -> vm.filters().model().set(b == null || b.equals(ALL_MODELS) ? null : b));
    vm.filters().model().addListener((o, a, b) -> modelFilter.setValue(b == null ? ALL_MODELS : b));

    DatePicker from = new DatePicker();
    from.setId("from-date");
    from.setPromptText("From");
    from.setPrefWidth(120);
    from.valueProperty().bindBidirectional(vm.filters().from());
    DatePicker to = new DatePicker();
    to.setId("to-date");
    to.setPromptText("To");
    to.setPrefWidth(120);
    to.valueProperty().bindBidirectional(vm.filters().to());

    ComboBox<String> target = new ComboBox<>(vm.galleries());
    target.setId("gallery-target");
    target.setEditable(true);
    target.setPromptText("Gallery name");
    Button add = new Button("Add to gallery");
    add.setId("add-to-gallery");
    add.disableProperty().bind(Bindings.isEmpty(vm.selection()));
    add.setOnAction(
        e -> {
          String name = target.getEditor().getText();
          if (name == null || name.isBlank()) {
            vm.message().set("Type a gallery name, then add the selected images to it.");
          } else {
            vm.addSelectionToGallery(name);
          }
        });

    Button delete = new Button("Delete");
    delete.setId("delete");
    delete.disableProperty().bind(Bindings.isEmpty(vm.selection()));
    delete.setOnAction(e -> vm.deleteSelection());
    Button undo = new Button("Undo");
    undo.setId("undo");
    undo.disableProperty().bind(vm.canUndo().not());
    undo.setOnAction(e -> vm.undoDelete());

    MenuItem copy = new MenuItem("Copy to folder\u2026");
    copy.setOnAction(
        e -> {
          DirectoryChooser chooser = new DirectoryChooser();
          chooser.setTitle("Export the selected images");
          File dir = chooser.showDialog(getScene() == null ? null : getScene().getWindow());
          if (dir != null) {
            vm.exportSelection(dir.toPath());
          }
        });
    MenuItem zip = new MenuItem("Zip file\u2026");
    zip.setOnAction(
        e -> {
          FileChooser chooser = new FileChooser();
          chooser.setTitle("Export the selected images as a zip file");
          chooser.setInitialFileName("stepwise-images.zip");
          File f = chooser.showSaveDialog(getScene() == null ? null : getScene().getWindow());
          if (f != null) {
            vm.exportSelectionZip(f.toPath());
          }
        });
    MenuButton export = new MenuButton("Export", null, copy, zip);
    export.setId("export");
    export.disableProperty().bind(Bindings.isEmpty(vm.selection()));

    Button open = new Button("Open folder");
    open.setId("open-folder");
    open.setOnAction(e -> vm.openContainingFolder());

    Button rescan = new Button("Rescan");
    rescan.setId("rescan");
    rescan.setOnAction(e -> vm.rescan());

    search.setPrefColumnCount(14);
    // One tool area that wraps instead of hiding controls behind a ">>" overflow button.
    FlowPane tools = toolRow("gallery-tools", search, galleryFilter, favourites, modelFilter);
    tools.getChildren().addAll(from, to, separator(), target, add, separator(), delete, undo);
    tools.getChildren().addAll(separator(), export, open, rescan);
    setTop(tools);

    grid = new GridView<>(vm.images());
    grid.setId("gallery-grid");
    grid.setCellWidth(Thumbnails.SIZE + 8);
    grid.setCellHeight(Thumbnails.SIZE + 8);
    grid.setHorizontalCellSpacing(4);
    grid.setVerticalCellSpacing(4);
    grid.setCellFactory(g -> new ThumbnailCell(vm, thumbnails, this::sendToImg2img));
    setCenter(grid);

    // The details scroll on their own: on a short window the buttons and tags stay reachable.
    javafx.scene.control.ScrollPane details =
        new javafx.scene.control.ScrollPane(
            new RecipeDetails(vm, img -> onViewLarge.accept(img), this::sendToImg2img));
    details.setId("gallery-details");
    details.setFitToWidth(true);
    details.setHbarPolicy(javafx.scene.control.ScrollPane.ScrollBarPolicy.NEVER);
    setRight(details);

    Label message = new Label();
    message.setId("gallery-message");
    message.textProperty().bind(vm.message());
    Region spacer = new Region();
    HBox.setHgrow(spacer, Priority.ALWAYS);
    Label count = new Label();
    count.textProperty().bind(Bindings.size(vm.images()).asString("%d images"));
    Button saveAll = new Button();
    saveAll.setId("save-all");
    saveAll.textProperty().bind(Bindings.size(vm.unsaved()).asString("Save all (%d)"));
    saveAll.visibleProperty().bind(Bindings.isNotEmpty(vm.unsaved()));
    saveAll.managedProperty().bind(saveAll.visibleProperty());
    saveAll.setOnAction(e -> vm.saveAll());
    HBox bottom = new HBox(12, message, spacer, count, saveAll);
    bottom.setAlignment(Pos.CENTER_LEFT);
    bottom.setPadding(new Insets(4, 8, 4, 8));
    setBottom(bottom);

    getStylesheets().add(GalleryPane.class.getResource("gallery.css").toExternalForm());
    vm.refresh();
  }

  private static FlowPane toolRow(String id, Node... nodes) {
    FlowPane row = new FlowPane(6, 4, nodes);
    row.setId(id);
    row.getStyleClass().add("tool-bar");
    row.setAlignment(Pos.CENTER_LEFT);
    row.setPadding(new Insets(4, 6, 4, 6));
    return row;
  }

  private static Separator separator() {
    Separator s = new Separator(Orientation.VERTICAL);
    s.setPrefHeight(20);
    return s;
  }

  /**
   * Sets what "View large" (and a click on the details' preview) does with the focused image: the
   * studio opens the lightbox over the gallery's images.
   */
  public void setOnViewLarge(java.util.function.Consumer<LibraryImage> action) {
    onViewLarge = action == null ? i -> {} : action;
  }

  /** Returns the thumbnail grid (the benchmark scrolls it). */
  public GridView<LibraryImage> grid() {
    return grid;
  }
}
