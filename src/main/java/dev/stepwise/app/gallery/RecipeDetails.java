package dev.stepwise.app.gallery;

import dev.stepwise.gallery.LibraryImage;
import dev.stepwise.gallery.Recipe;
import dev.stepwise.metadata.InfoText;
import javafx.geometry.Insets;
import javafx.scene.control.Button;
import javafx.scene.control.CheckBox;
import javafx.scene.control.Label;
import javafx.scene.control.TextArea;
import javafx.scene.control.TextField;
import javafx.scene.image.Image;
import javafx.scene.image.ImageView;
import javafx.scene.layout.FlowPane;
import javafx.scene.layout.VBox;

/**
 * The gallery's details pane: "Reuse", "Reuse with seed" and the favourite mark first (in view
 * without scrolling on any window size), then the focused image, its recipe and its tags.
 */
final class RecipeDetails extends VBox {
  final ImageView preview = new ImageView();
  final Label title = new Label();
  final TextArea recipeText = new TextArea();
  final CheckBox favourite = new CheckBox("Favourite");
  final Button reuse = new Button("Reuse");
  final Button reuseWithSeed = new Button("Reuse with seed");
  final Button viewLarge = new Button("View large");
  final Button sendToImg2img = new Button("Send to img2img");
  final FlowPane tags = new FlowPane(4, 4);
  final TextField addTag = new TextField();

  /** The preview's side in pixels. */
  private static final int PREVIEW = 256;

  private boolean updating;

  /**
   * The details of {@code vm}'s focused image; "View large" and a click on the preview hand it to
   * {@code onViewLarge}, "Send to img2img" to {@code send}.
   */
  RecipeDetails(
      GalleryViewModel vm,
      java.util.function.Consumer<LibraryImage> onViewLarge,
      java.util.function.Consumer<LibraryImage> send) {
    super(8);
    setPadding(new Insets(8));
    setPrefWidth(PREVIEW + 20);
    getStyleClass().add("recipe-details");
    preview.setPreserveRatio(true);
    preview.setFitWidth(PREVIEW);
    preview.setFitHeight(PREVIEW);
    recipeText.setEditable(false);
    recipeText.setWrapText(true);
    recipeText.setId("recipe-text");
    title.setWrapText(true);
    reuse.setId("reuse");
    reuseWithSeed.setId("reuse-with-seed");
    favourite.setId("favourite");
    reuse.setOnAction(e -> vm.reuse(false));
    reuseWithSeed.setOnAction(e -> vm.reuse(true));
    viewLarge.setId("view-large");
    viewLarge.setTooltip(
        new javafx.scene.control.Tooltip(
            "Show the picture large; the arrow keys step through the gallery (F or Space)"));
    Runnable large =
        () -> {
          if (vm.focused().get() != null) {
            onViewLarge.accept(vm.focused().get());
          }
        };
    viewLarge.setOnAction(e -> large.run());
    preview.setOnMouseClicked(e -> large.run());
    sendToImg2img.setId("send-to-img2img");
    sendToImg2img.setTooltip(
        new javafx.scene.control.Tooltip("Start the next runs from this picture (img2img)"));
    sendToImg2img.setOnAction(e -> send.accept(vm.focused().get()));
    sendToImg2img.setMinWidth(USE_PREF_SIZE);
    favourite
        .selectedProperty()
        .addListener(
            (o, a, b) -> {
              LibraryImage img = vm.focused().get();
              if (!updating && img != null && img.favourite() != b) {
                vm.setFavourite(img, b);
              }
            });
    tags.setId("tags");
    addTag.setId("add-tag");
    addTag.setPromptText("Add a tag (Enter); search finds it as #tag");
    addTag.setOnAction(
        e -> {
          String t = addTag.getText();
          if (t != null && !t.isBlank()) {
            vm.addTag(t);
            addTag.clear();
          }
        });
    vm.focusedTags()
        .addListener(
            (javafx.collections.ListChangeListener<String>)
                c -> {
                  tags.getChildren().clear();
                  for (String t : vm.focusedTags()) {
                    Button chip = new Button(t + "  \u00d7");
                    chip.getStyleClass().add("tag-chip");
                    chip.setTooltip(new javafx.scene.control.Tooltip("Remove the tag '" + t + "'"));
                    chip.setOnAction(e -> vm.removeTag(t));
                    tags.getChildren().add(chip);
                  }
                });
    reuse.setMinWidth(USE_PREF_SIZE);
    reuseWithSeed.setMinWidth(USE_PREF_SIZE);
    favourite.setMinWidth(USE_PREF_SIZE);
    viewLarge.setMinWidth(USE_PREF_SIZE);
    FlowPane actions =
        new FlowPane(8, 4, reuse, reuseWithSeed, viewLarge, sendToImg2img, favourite);
    actions.setAlignment(javafx.geometry.Pos.CENTER_LEFT);
    recipeText.setPrefRowCount(6);
    getChildren().addAll(actions, title, preview, recipeText, new Label("Tags"), tags, addTag);
    vm.focused().addListener((o, a, b) -> show(b));
    show(null);
  }

  private void show(LibraryImage img) {
    updating = true;
    try {
      boolean none = img == null;
      setDisable(none);
      favourite.setSelected(!none && img.favourite());
      reuse.setDisable(none || img.recipe() == null);
      reuseWithSeed.setDisable(none || img.recipe() == null);
      if (none) {
        preview.setImage(null);
        title.setText("No image selected");
        recipeText.setText("");
        return;
      }
      preview.setImage(
          new Image(img.file().toUri().toString(), PREVIEW, PREVIEW, true, true, true));
      title.setText(img.name());
      recipeText.setText(describe(img));
    } finally {
      updating = false;
    }
  }

  /**
   * The recipe as A1111 text plus what only Stepwise records and, for another tool's, that tool.
   */
  static String describe(LibraryImage img) {
    Recipe r = img.recipe();
    if (r == null) {
      return img.notice() == null ? "" : img.notice();
    }
    StringBuilder s = new StringBuilder(InfoText.format(r.toParameters()));
    if (r.durationMillis() >= 0) {
      s.append("\n\nTook ")
          .append(String.format(java.util.Locale.ROOT, "%.1f s", r.durationMillis() / 1000.0));
    }
    if (r.source() != null) {
      s.append("\nRead from ").append(r.source()); // another tool's image
    }
    if (r.backend() != null) {
      s.append("\nMade on ").append(r.backend());
    }
    if (r.serverParameters() != null) {
      s.append("\n\nThe server's own parameters:\n").append(r.serverParameters());
    }
    s.append("\nMade ").append(img.createdAt());
    s.append("\nFile ").append(img.file());
    if (img.notice() != null) {
      s.append("\n\n").append(img.notice());
    }
    return s.toString();
  }
}
