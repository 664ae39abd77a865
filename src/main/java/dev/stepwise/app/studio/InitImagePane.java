package dev.stepwise.app.studio;

import dev.stepwise.engine.RgbImage;
import dev.stepwise.recipe.ImageSettings;
import dev.stepwise.recipe.MaskedContent;
import dev.stepwise.recipe.Outpaint;
import dev.stepwise.recipe.ResizeMode;
import java.io.File;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javafx.beans.binding.Bindings;
import javafx.beans.property.IntegerProperty;
import javafx.beans.property.ObjectProperty;
import javafx.geometry.Point2D;
import javafx.geometry.Pos;
import javafx.scene.Node;
import javafx.scene.control.Button;
import javafx.scene.control.ComboBox;
import javafx.scene.control.Label;
import javafx.scene.control.Slider;
import javafx.scene.control.Spinner;
import javafx.scene.control.TitledPane;
import javafx.scene.control.Tooltip;
import javafx.scene.image.Image;
import javafx.scene.image.ImageView;
import javafx.scene.image.PixelFormat;
import javafx.scene.image.PixelReader;
import javafx.scene.image.WritableImage;
import javafx.scene.input.Clipboard;
import javafx.scene.input.KeyCode;
import javafx.scene.input.KeyCodeCombination;
import javafx.scene.input.KeyCombination;
import javafx.scene.input.MouseEvent;
import javafx.scene.input.TransferMode;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.StackPane;
import javafx.scene.layout.VBox;
import javafx.stage.FileChooser;
import javafx.util.StringConverter;

/**
 * The "Init image" area of the controls: load a picture (Load..., drag and drop, paste), clear it,
 * the denoising strength and resize mode, and the inpainting mask painted with a brush over the
 * picture (size, eraser, undo, clear, invert) with its blur and masked content, and outpainting's
 * borders. The picture and the mask are drawn from {@link InitImageViewModel}; strokes go to it in
 * init-image pixels.
 */
public final class InitImagePane extends TitledPane {
  /** The picture's largest side on screen. */
  static final double SHOWN = 256;

  /** Ctrl+V (Cmd+V on macOS) on the picture pastes, as the Paste button does. */
  static final KeyCombination PASTE =
      new KeyCodeCombination(KeyCode.V, KeyCombination.SHORTCUT_DOWN);

  private final InitImageViewModel vm;
  private final StudioViewModel studio;
  private final List<Object> keepAlive = new ArrayList<>();
  private final ImageView picture = new ImageView();
  private final ImageView maskView = new ImageView();
  private WritableImage maskImage;
  private WritableImage sketchImage;

  /** The area bound to {@code studio}'s init image. */
  public InitImagePane(StudioViewModel studio) {
    this.studio = studio;
    this.vm = studio.initImage();
    setId("initImagePane");
    setText("Init image (img2img, inpainting)");
    setExpanded(false);
    setAnimated(false);

    Button load =
        Icons.button(
            "initLoad",
            "Load…",
            "mdi2f-folder-open-outline",
            "Load a picture (PNG or JPEG) to start from");
    load.setOnAction(e -> choose());
    Button paste =
        Icons.button(
            "initPaste",
            "Paste",
            "mdi2c-content-paste",
            "Start from the picture (or picture file) on the clipboard");
    paste.setOnAction(e -> paste());
    Button clear =
        Icons.button(
            "initClear", "", "mdi2c-close", "Remove the init image: back to text to image");
    clear.setOnAction(e -> vm.clear());
    Button loadMask =
        Icons.button(
            "initLoadMask",
            "",
            "mdi2i-image-filter-black-white",
            "Load a mask picture of the init image's size: white repaints (as --mask)");
    loadMask.setOnAction(e -> chooseMask());
    loadMask.disableProperty().bind(vm.imageProperty().isNull());
    Label source = new Label();
    source.setId("initSource");
    source.textProperty().bind(vm.sourceProperty());
    source.setMaxWidth(SHOWN);

    for (ImageView v : List.of(picture, maskView)) {
      v.setPreserveRatio(true);
      v.setFitWidth(SHOWN);
      v.setFitHeight(SHOWN);
      v.setSmooth(v == picture);
    }
    maskView.setOpacity(0.5);
    maskView.setMouseTransparent(true);
    Label hint = new Label("Drop a picture here, paste one, or Load…");
    hint.setWrapText(true);
    StackPane canvas = new StackPane(hint, picture, maskView);
    canvas.setId("initCanvas");
    canvas.setMinHeight(64);
    canvas.getStyleClass().add("init-canvas");
    picture.setOnMousePressed(e -> stroke(e, true));
    picture.setOnMouseDragged(e -> stroke(e, false));
    picture.setCursor(javafx.scene.Cursor.CROSSHAIR);
    canvas.setFocusTraversable(true);
    // On release: a scroll pane around the controls takes the focus when the mouse is pressed.
    canvas.addEventFilter(MouseEvent.MOUSE_RELEASED, e -> canvas.requestFocus());
    canvas.setOnKeyPressed(
        e -> {
          if (PASTE.match(e)) {
            paste();
            e.consume();
          }
        });
    canvas.setOnDragOver(
        e -> {
          if (e.getDragboard().hasFiles() || e.getDragboard().hasImage()) {
            e.acceptTransferModes(TransferMode.COPY);
            e.consume(); // the window would open the file's parameters instead
          }
        });
    canvas.setOnDragDropped(
        e -> {
          List<File> files = e.getDragboard().hasFiles() ? e.getDragboard().getFiles() : List.of();
          boolean done = !files.isEmpty() || e.getDragboard().hasImage();
          if (!files.isEmpty()) {
            loadFile(files.get(0));
          } else if (e.getDragboard().hasImage()) {
            useFx(e.getDragboard().getImage(), "dropped picture");
          }
          e.setDropCompleted(done);
          e.consume();
        });

    Slider strength = new Slider(0, 1, ImageSettings.DEFAULT_STRENGTH);
    strength.setId("initStrength");
    strength.setBlockIncrement(0.05);
    strength.valueProperty().bindBidirectional(vm.strengthProperty());
    HBox.setHgrow(strength, Priority.ALWAYS);
    strength.setTooltip(
        new Tooltip(
            "Denoising strength: how much of the schedule re-draws the picture (0 gives it back"
                + " through the autoencoder, 1 starts at the first step). The explain view marks"
                + " where the run starts."));
    Label strengthValue = new Label();
    strengthValue.setMinWidth(36);
    strengthValue
        .textProperty()
        .bind(
            Bindings.createStringBinding(
                () -> String.format(Locale.ROOT, "%.2f", vm.strengthProperty().get()),
                vm.strengthProperty()));
    ComboBox<ResizeMode> resize =
        choice(
            "initResize",
            ResizeMode.values(),
            vm.resizeProperty(),
            "How a picture of another shape fits the size: fill (cover and crop the centre), fit"
                + " (inside, edges stretched over the bands) or stretch.");

    Spinner<Integer> blur =
        spinner(
            "initMaskBlur",
            0,
            ImageSettings.MAX_MASK_BLUR,
            vm.maskBlurProperty(),
            "Mask blur in pixels: 0 keeps every pixel outside the mask exactly; more feathers the"
                + " edge.");
    ComboBox<MaskedContent> content =
        choice(
            "initMaskedContent",
            MaskedContent.values(),
            vm.maskedContentProperty(),
            "What the masked area starts from: keep (the picture), fill (the colours around it) or"
                + " noise (the seed's noise).");
    HBox borders = row();
    String[] sides = {"left", "top", "right", "bottom"};
    for (int k = 0; k < 4; k++) {
      Spinner<Integer> s =
          spinner(
              "initOutpaint" + k,
              0,
              Outpaint.MAX,
              vm.outpaintProperty(k),
              "Outpainting: grow the canvas by this many pixels on the "
                  + sides[k]
                  + "; the new border is painted (masked content fill suits it).");
      s.setPrefWidth(62);
      borders.getChildren().add(s);
    }

    VBox settings =
        new VBox(
            4,
            title("Denoising strength"),
            row(strength, strengthValue),
            title("Resize mode"),
            resize,
            title("Brush: mask or sketch"),
            new BrushControls(vm),
            title("Mask blur · masked content"),
            row(blur, content),
            title("Outpaint (left, top, right, bottom)"),
            borders);
    settings.visibleProperty().bind(vm.imageProperty().isNotNull());
    settings.managedProperty().bind(settings.visibleProperty());
    clear.disableProperty().bind(vm.imageProperty().isNull());
    hint.visibleProperty().bind(vm.imageProperty().isNull());
    VBox box = new VBox(4, row(load, paste, clear, loadMask), canvas, source, settings);
    setContent(box);

    vm.imageProperty().addListener((o, a, img) -> showImage(img));
    vm.maskVersionProperty().addListener((o, a, b) -> drawMask());
    showImage(vm.imageProperty().get());
  }

  private void showImage(RgbImage img) {
    sketchImage = img == null ? null : new WritableImage(img.width(), img.height());
    picture.setImage(sketchImage);
    maskImage = img == null ? null : new WritableImage(img.width(), img.height());
    maskView.setImage(maskImage);
    drawMask();
    if (img != null) {
      setExpanded(true);
    }
  }

  /** Draws the sketched picture, and the mask red with its grey as opacity (0 transparent). */
  private void drawMask() {
    SketchModel sk = vm.sketch();
    if (sketchImage != null && sk != null && sk.width() == (int) sketchImage.getWidth()) {
      sketchImage
          .getPixelWriter()
          .setPixels(
              0,
              0,
              sk.width(),
              sk.height(),
              PixelFormat.getByteRgbInstance(),
              sk.image().rgb(),
              0,
              sk.width() * 3);
    }
    MaskModel m = vm.mask();
    if (maskImage == null || m == null || m.width() != (int) maskImage.getWidth()) {
      return;
    }
    byte[] px = m.pixels(); // [H, W]
    int[] argb = new int[px.length];
    for (int p = 0; p < px.length; p++) {
      argb[p] = (px[p] & 0xff) << 24 | 0xff2020;
    }
    maskImage
        .getPixelWriter()
        .setPixels(
            0, 0, m.width(), m.height(), PixelFormat.getIntArgbInstance(), argb, 0, m.width());
  }

  private void stroke(MouseEvent e, boolean start) {
    Image shown = picture.getImage();
    if (shown == null || !e.isPrimaryButtonDown()) {
      return;
    }
    Point2D p = picture.sceneToLocal(e.getSceneX(), e.getSceneY());
    double scale = shown.getWidth() / picture.getBoundsInLocal().getWidth();
    double x = p.getX() * scale;
    double y = p.getY() * scale;
    if (start) {
      vm.beginStroke(x, y);
    } else {
      vm.continueStroke(x, y);
    }
    e.consume();
  }

  private void choose() {
    FileChooser chooser = new FileChooser();
    chooser.setTitle("Start from a picture");
    chooser
        .getExtensionFilters()
        .add(new FileChooser.ExtensionFilter("PNG and JPEG images", "*.png", "*.jpg", "*.jpeg"));
    File f = chooser.showOpenDialog(getScene() == null ? null : getScene().getWindow());
    if (f != null) {
      loadFile(f);
    }
  }

  private void chooseMask() {
    FileChooser chooser = new FileChooser();
    chooser.setTitle("Load a mask (white repaints)");
    chooser
        .getExtensionFilters()
        .add(new FileChooser.ExtensionFilter("PNG and JPEG images", "*.png", "*.jpg", "*.jpeg"));
    File f = chooser.showOpenDialog(getScene() == null ? null : getScene().getWindow());
    if (f != null) {
      MaskResize.load(vm, studio.status(), f.toPath(), getScene());
    }
  }

  void paste() {
    Clipboard c = Clipboard.getSystemClipboard();
    if (c.hasFiles() && !c.getFiles().isEmpty()) {
      loadFile(c.getFiles().get(0));
    } else if (c.hasImage()) {
      useFx(c.getImage(), "clipboard");
    } else {
      studio.status().showError("The clipboard holds no picture to start from.");
    }
  }

  private void loadFile(File f) {
    String problem = vm.load(f.toPath());
    if (problem != null) {
      studio.status().showError(problem);
    } else {
      studio.useInitImage(vm.imageProperty().get(), vm.sourceProperty().get());
    }
  }

  /** Starts from a JavaFX picture (pasted or dropped), its transparency flattened onto white. */
  private void useFx(Image img, String from) {
    PixelReader r = img.getPixelReader();
    int w = (int) img.getWidth();
    int h = (int) img.getHeight();
    if (r == null || w < 1 || h < 1) {
      studio.status().showError("The " + from + " could not be read as a picture.");
      return;
    }
    int[] argb = new int[w * h];
    r.getPixels(0, 0, w, h, PixelFormat.getIntArgbInstance(), argb, 0, w);
    byte[] rgb = new byte[w * h * 3]; // [H, W, 3]
    for (int p = 0; p < argb.length; p++) {
      int a = argb[p] >>> 24;
      for (int c = 0; c < 3; c++) {
        int v = argb[p] >> (16 - 8 * c) & 0xff;
        rgb[p * 3 + c] = (byte) Math.round((v * a + 255.0 * (255 - a)) / 255.0);
      }
    }
    studio.useInitImage(new RgbImage(w, h, rgb), from);
  }

  private <T extends Enum<T>> ComboBox<T> choice(
      String id, T[] values, ObjectProperty<T> p, String tip) {
    ComboBox<T> box = new ComboBox<>();
    box.setId(id);
    box.getItems().setAll(values);
    box.valueProperty().bindBidirectional(p);
    box.setTooltip(new Tooltip(tip));
    box.setConverter(
        new StringConverter<>() {
          @Override
          public String toString(T v) {
            return v == null ? "" : v.name().toLowerCase(Locale.ROOT);
          }

          @Override
          public T fromString(String s) {
            return null;
          }
        });
    return box;
  }

  private Spinner<Integer> spinner(String id, int min, int max, IntegerProperty p, String tip) {
    Spinner<Integer> s = new Spinner<>(min, max, p.get());
    s.setId(id);
    s.setEditable(true);
    s.setPrefWidth(90);
    s.setTooltip(new Tooltip(tip));
    ObjectProperty<Integer> boxed = p.asObject();
    keepAlive.add(boxed);
    s.getValueFactory().valueProperty().bindBidirectional(boxed);
    return s;
  }

  private static Label title(String text) {
    Label l = new Label(text);
    l.getStyleClass().add("section-title");
    return l;
  }

  private static HBox row(Node... nodes) {
    HBox h = new HBox(4, nodes);
    h.setAlignment(Pos.CENTER_LEFT);
    return h;
  }
}
