package dev.stepwise.app.lightbox;

import dev.stepwise.app.fx.FxImages;
import dev.stepwise.app.fx.PixelZoom;
import dev.stepwise.app.studio.Icons;
import javafx.geometry.Insets;
import javafx.geometry.Pos;
import javafx.scene.Scene;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.control.OverrunStyle;
import javafx.scene.control.ScrollPane;
import javafx.scene.control.ScrollPane.ScrollBarPolicy;
import javafx.scene.control.Tooltip;
import javafx.scene.image.Image;
import javafx.scene.image.ImageView;
import javafx.scene.input.Clipboard;
import javafx.scene.input.ClipboardContent;
import javafx.scene.input.KeyCode;
import javafx.scene.input.KeyCombination;
import javafx.scene.input.KeyEvent;
import javafx.scene.input.ScrollEvent;
import javafx.scene.layout.BorderPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.Region;
import javafx.scene.layout.StackPane;
import javafx.stage.Stage;
import javafx.stage.Window;

/**
 * The lightbox: one picture large on a dark ground, the arrow keys (or the buttons) step through
 * the others, Escape closes. Fit, 1:1, zoom in and out (+ and -, Ctrl+wheel); enlargements are
 * whole-number factors drawn with nearest-neighbour sampling, so pixels stay square; a picture
 * larger than the window pans (drag or scroll bars). F11 or F toggles full screen. The recipe is
 * one line under the picture; "Copy recipe" (Ctrl+C) puts AUTOMATIC1111's parameters text on the
 * clipboard.
 */
public final class LightboxWindow {
  private final LightboxViewModel vm;
  private final Stage stage = new Stage();
  private final ImageView view = new ImageView();
  private final StackPane holder = new StackPane(view);
  private final ScrollPane scroll = new ScrollPane(holder);
  private final Label zoom = new Label();
  private final Label message = new Label();
  private double shown = 1;
  private Image source;
  private int factor = 1;

  private LightboxWindow(Window owner, LightboxViewModel vm) {
    this.vm = vm;
    Button prev =
        Icons.button("lightboxPrev", "", "mdi2c-chevron-left", "Previous picture (Left arrow)");
    prev.setOnAction(e -> vm.previous());
    Button next =
        Icons.button("lightboxNext", "", "mdi2c-chevron-right", "Next picture (Right arrow)");
    next.setOnAction(e -> vm.next());
    prev.disableProperty().bind(vm.indexProperty().isEqualTo(0));
    next.disableProperty().bind(vm.indexProperty().isEqualTo(vm.items().size() - 1));
    Label counter = new Label();
    counter.setId("lightboxCounter");
    counter.textProperty().bind(vm.counterProperty());
    Button fit =
        Icons.button(
            "lightboxFit",
            "Fit",
            "mdi2f-fit-to-page-outline",
            "Fit the window, enlarging by whole numbers (0)");
    fit.setOnAction(e -> vm.fitToWindow());
    Button one =
        Icons.button(
            "lightbox1to1",
            "1:1",
            "mdi2m-magnify-expand",
            "One image pixel per screen" + " pixel (1)");
    one.setOnAction(e -> vm.oneToOne());
    Button out =
        Icons.button(
            "lightboxZoomOut",
            "",
            "mdi2m-magnify-minus-outline",
            "Zoom out (- or" + " Ctrl+wheel)");
    out.setOnAction(e -> vm.zoomOut(shown));
    Button in =
        Icons.button(
            "lightboxZoomIn",
            "",
            "mdi2m-magnify-plus-outline",
            "Zoom in (+ or" + " Ctrl+wheel); pixels stay square");
    in.setOnAction(e -> vm.zoomIn(shown));
    zoom.setId("lightboxZoom");
    zoom.setMinWidth(70);
    zoom.setAlignment(Pos.CENTER);
    Button full =
        Icons.button("lightboxFullScreen", "", "mdi2f-fullscreen", "Full screen (F11 or F)");
    full.setOnAction(e -> vm.fullScreenProperty().set(!vm.fullScreenProperty().get()));
    Button close = Icons.button("lightboxClose", "", "mdi2c-close", "Close (Esc)");
    close.setOnAction(e -> stage.close());
    Region spacer = new Region();
    HBox.setHgrow(spacer, Priority.ALWAYS);
    HBox top = new HBox(6, prev, counter, next, spacer, fit, one, out, zoom, in, full, close);
    top.setAlignment(Pos.CENTER_LEFT);
    top.setPadding(new Insets(4, 8, 4, 8));

    Label recipe = new Label();
    recipe.setId("lightboxRecipe");
    recipe.textProperty().bind(vm.recipeLineProperty());
    recipe.setTextOverrun(OverrunStyle.ELLIPSIS);
    recipe.setMaxWidth(Double.MAX_VALUE);
    recipe.setMinWidth(60);
    HBox.setHgrow(recipe, Priority.ALWAYS);
    Tooltip tip = new Tooltip();
    tip.setWrapText(true);
    tip.setMaxWidth(600);
    recipe.setTooltip(tip);
    Button copy =
        Icons.button(
            "lightboxCopy",
            "Copy recipe",
            "mdi2c-content-copy",
            "Copy the recipe as AUTOMATIC1111's parameters text (Ctrl+C); Open parameters… reads"
                + " it back");
    copy.setMinWidth(Region.USE_PREF_SIZE);
    copy.setOnAction(e -> copyRecipe());
    message.setId("lightboxMessage");
    message.textProperty().bind(vm.messageProperty());
    message.setMinWidth(Region.USE_PREF_SIZE);
    HBox bottom = new HBox(8, recipe, message, copy);
    bottom.setAlignment(Pos.CENTER_LEFT);
    bottom.setPadding(new Insets(4, 8, 4, 8));

    view.setId("lightboxImage");
    view.setPreserveRatio(true);
    holder.setAlignment(Pos.CENTER);
    holder.setStyle("-fx-background-color: #1e1e1e;");
    scroll.setId("lightboxView");
    scroll.setStyle("-fx-background: #1e1e1e; -fx-background-color: #1e1e1e;");
    scroll.setFitToWidth(true);
    scroll.setFitToHeight(true);
    scroll.setPannable(true);
    scroll.setHbarPolicy(ScrollBarPolicy.AS_NEEDED);
    scroll.setVbarPolicy(ScrollBarPolicy.AS_NEEDED);
    scroll.addEventFilter(ScrollEvent.SCROLL, this::wheel);

    BorderPane root = new BorderPane(scroll, top, null, bottom, null);
    root.setId("lightbox");
    Scene scene = new Scene(root);
    if (owner != null && owner.getScene() != null) {
      scene.getStylesheets().setAll(owner.getScene().getStylesheets());
      stage.initOwner(owner);
      stage.setWidth(Math.max(640, owner.getWidth() * 0.9));
      stage.setHeight(Math.max(480, owner.getHeight() * 0.9));
    } else {
      stage.setWidth(1000);
      stage.setHeight(760);
    }
    scene.addEventFilter(KeyEvent.KEY_PRESSED, this::key);
    stage.setScene(scene);
    stage.setFullScreenExitKeyCombination(KeyCombination.NO_MATCH); // Escape closes instead
    stage.setFullScreenExitHint("");
    vm.fullScreenProperty().addListener((o, a, b) -> stage.setFullScreen(b));
    stage.fullScreenProperty().addListener((o, a, b) -> vm.fullScreenProperty().set(b));

    vm.currentProperty()
        .addListener(
            (o, a, item) -> {
              show(item);
              tip.setText(vm.recipeText());
            });
    tip.setText(vm.recipeText());
    vm.fitProperty().addListener((o, a, b) -> layoutPicture());
    vm.scaleProperty().addListener((o, a, b) -> layoutPicture());
    scroll.viewportBoundsProperty().addListener((o, a, b) -> layoutPicture());
    show(vm.currentProperty().get());
  }

  /** Opens the lightbox for {@code vm} over {@code owner} (may be null). */
  public static LightboxWindow show(Window owner, LightboxViewModel vm) {
    LightboxWindow w = new LightboxWindow(owner, vm);
    w.stage.show();
    w.layoutPicture();
    return w;
  }

  /** The lightbox's window. */
  public Stage stage() {
    return stage;
  }

  /** The picture shown, at its own size (the view may hold a copy enlarged by whole numbers). */
  public Image picture() {
    return source;
  }

  /** The scale the picture is drawn at now (1 = one image pixel per screen pixel). */
  public double shownScale() {
    return shown;
  }

  private void show(LightboxItem item) {
    stage.setTitle("Stepwise: " + item.title());
    Image img;
    if (item.image() != null) {
      img = FxImages.toFx(item.image());
    } else {
      img = new Image(item.file().toUri().toString(), true); // decoded in the background
      img.progressProperty()
          .addListener(
              (o, a, b) -> {
                if (b.doubleValue() >= 1) {
                  layoutPicture();
                }
              });
      img.errorProperty()
          .addListener(
              (o, a, b) -> {
                if (b) {
                  vm.messageProperty()
                      .set("The file " + item.file().getFileName() + " could not be read.");
                }
              });
    }
    source = img;
    factor = 1;
    view.setImage(img);
    layoutPicture();
  }

  private void layoutPicture() {
    Image img = source;
    if (img == null || img.getWidth() <= 0 || img.getHeight() <= 0 || img.getProgress() < 1) {
      return;
    }
    double iw = img.getWidth();
    double ih = img.getHeight();
    double s =
        vm.scaleFor(
            iw, ih, scroll.getViewportBounds().getWidth(), scroll.getViewportBounds().getHeight());
    shown = s;
    int k = PixelZoom.factor((int) iw, (int) ih, s);
    if (k != factor) { // whole-number enlargements: blocks of k x k pixels made here
      factor = k;
      view.setImage(PixelZoom.enlarge(img, k));
    }
    view.setSmooth(PixelZoom.smooth(s)); // and nearest-neighbour for what is left
    view.setFitWidth(iw * s);
    view.setFitHeight(ih * s);
    holder.setMinSize(iw * s, ih * s); // larger than the viewport: the scroll pane pans it
    zoom.setText(vm.zoomText(s));
  }

  private void copyRecipe() {
    ClipboardContent content = new ClipboardContent();
    content.putString(vm.recipeText());
    Clipboard.getSystemClipboard().setContent(content);
    vm.copied();
  }

  private void wheel(ScrollEvent e) {
    if (e.isControlDown() || e.isShortcutDown()) {
      if (e.getDeltaY() > 0) {
        vm.zoomIn(shown);
      } else if (e.getDeltaY() < 0) {
        vm.zoomOut(shown);
      }
      e.consume();
    }
  }

  private void key(KeyEvent e) {
    KeyCode k = e.getCode();
    String t = e.getText();
    boolean done = true;
    if (e.isShortcutDown()) {
      if (k == KeyCode.C) {
        copyRecipe();
      } else {
        done = false;
      }
    } else if (k == KeyCode.LEFT || k == KeyCode.PAGE_UP) {
      vm.previous();
    } else if (k == KeyCode.RIGHT || k == KeyCode.PAGE_DOWN || k == KeyCode.SPACE) {
      vm.next();
    } else if (k == KeyCode.HOME) {
      vm.first();
    } else if (k == KeyCode.END) {
      vm.last();
    } else if (k == KeyCode.ESCAPE) {
      stage.close();
    } else if (k == KeyCode.F11 || k == KeyCode.F) {
      vm.fullScreenProperty().set(!vm.fullScreenProperty().get());
    } else if (k == KeyCode.PLUS || k == KeyCode.ADD || "+".equals(t) || k == KeyCode.EQUALS) {
      vm.zoomIn(shown);
    } else if (k == KeyCode.MINUS || k == KeyCode.SUBTRACT || "-".equals(t)) {
      vm.zoomOut(shown);
    } else if (k == KeyCode.DIGIT0 || k == KeyCode.NUMPAD0) {
      vm.fitToWindow();
    } else if (k == KeyCode.DIGIT1 || k == KeyCode.NUMPAD1) {
      vm.oneToOne();
    } else {
      done = false;
    }
    if (done) {
      e.consume();
    }
  }
}
