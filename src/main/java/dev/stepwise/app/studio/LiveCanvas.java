package dev.stepwise.app.studio;

import dev.stepwise.app.fx.PixelZoom;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.IntBuffer;
import javafx.beans.property.BooleanProperty;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.geometry.Pos;
import javafx.scene.control.Label;
import javafx.scene.control.ScrollPane;
import javafx.scene.image.ImageView;
import javafx.scene.image.PixelBuffer;
import javafx.scene.image.PixelFormat;
import javafx.scene.image.WritableImage;
import javafx.scene.layout.StackPane;

/**
 * The live picture: a {@link PixelBuffer} over a direct buffer shown by an {@link ImageView},
 * fitted to the area or shown at one image pixel per screen pixel. With {@link #pixelsProperty}
 * (the default) a fitted picture is enlarged by the largest whole number that fits, sampled
 * nearest-neighbour so its pixels stay square and crisp; without it, scaled smoothly to fill the
 * area. Reductions are always smooth. Drawing a frame is one bulk copy plus {@code updateBuffer};
 * the buffer is replaced only when the size changes.
 */
public final class LiveCanvas extends ScrollPane {
  private final ImageView view = new ImageView();
  private final StackPane holder = new StackPane(view);
  private final BooleanProperty fit = new SimpleBooleanProperty(true);
  private final BooleanProperty pixels = new SimpleBooleanProperty(true);
  private PixelBuffer<IntBuffer> buffer;
  private IntBuffer ints;
  private int bufferWidth;
  private int bufferHeight;
  private int bufferFactor = 1;
  private int factor = 1;
  private LiveFrame last;
  private double imageWidth = 512;
  private double imageHeight = 512;
  private long frames;
  private long drawNanos;
  private long maxDrawNanos;

  public LiveCanvas() {
    setId("canvas");
    getStyleClass().add("canvas-area");
    holder.getStyleClass().add("canvas-area");
    holder.setAlignment(Pos.CENTER);
    Label empty = new Label("Generate makes the picture here, step by step.");
    empty.setId("canvasEmpty");
    empty.getStyleClass().add("slot-placeholder");
    empty.visibleProperty().bind(view.imageProperty().isNull());
    holder.getChildren().add(empty);
    setContent(holder);
    view.setId("canvasImage");
    view.setPreserveRatio(true);
    view.setSmooth(true);
    fit.addListener((o, a, b) -> layoutMode());
    pixels.addListener((o, a, b) -> layoutMode());
    viewportBoundsProperty().addListener((o, a, b) -> layoutMode());
    layoutMode();
  }

  /** True: scale to the area; false: one image pixel per screen pixel (1:1). */
  public BooleanProperty fitProperty() {
    return fit;
  }

  /**
   * True: fitting enlarges by whole numbers with nearest-neighbour sampling (crisp pixels); false:
   * smooth scaling that fills the area.
   */
  public BooleanProperty pixelsProperty() {
    return pixels;
  }

  /**
   * The picture's size in image pixels, for 1:1 before the first frame; {@link #show} sets it from
   * every frame (frames have the output size).
   */
  public void setImageSize(double width, double height) {
    if (width > 0 && height > 0 && (width != imageWidth || height != imageHeight)) {
      imageWidth = width;
      imageHeight = height;
      layoutMode();
    }
  }

  /** Draws {@code f} (UI thread); null keeps the current picture. */
  public void show(LiveFrame f) {
    if (f == null) {
      return;
    }
    long t0 = System.nanoTime();
    draw(f);
    frames++;
    long dt = System.nanoTime() - t0;
    drawNanos += dt;
    maxDrawNanos = Math.max(maxDrawNanos, dt);
  }

  /**
   * Copies {@code f} into the buffer, each pixel as a block of {@link #factor} x {@link #factor}
   * when crisp pixels enlarge it (made here: the software renderer ignores {@code smooth=false}).
   */
  private void draw(LiveFrame f) {
    last = f;
    if (buffer == null
        || f.width() != bufferWidth
        || f.height() != bufferHeight
        || factor != bufferFactor) {
      bufferWidth = f.width();
      bufferHeight = f.height();
      bufferFactor = factor;
      int w = bufferWidth * factor;
      int h = bufferHeight * factor;
      ints = ByteBuffer.allocateDirect(w * h * 4).order(ByteOrder.nativeOrder()).asIntBuffer();
      buffer = new PixelBuffer<>(w, h, ints, PixelFormat.getIntArgbPreInstance());
      view.setImage(new WritableImage(buffer));
      setImageSize(bufferWidth, bufferHeight);
    }
    // Opaque pixels: ARGB equals premultiplied ARGB. Absolute puts: no shared position.
    if (bufferFactor == 1) {
      ints.put(0, f.argb());
    } else {
      PixelZoom.replicate(f.argb(), bufferWidth, bufferHeight, bufferFactor, ints);
    }
    buffer.updateBuffer(b -> null);
  }

  /** Removes the picture: the canvas says what makes one. */
  public void clear() {
    last = null;
    buffer = null;
    ints = null;
    bufferWidth = 0;
    bufferHeight = 0;
    view.setImage(null);
  }

  /** Total wall time spent in {@link #show} on the UI thread. */
  public long drawNanos() {
    return drawNanos;
  }

  /** The longest single {@link #show}. */
  public long maxDrawNanos() {
    return maxDrawNanos;
  }

  /** Frames drawn so far. */
  public long framesShown() {
    return frames;
  }

  /** The ImageView showing the picture. */
  public ImageView view() {
    return view;
  }

  /** Draws the last frame again when the enlargement factor changes. */
  private void refactor(int k) {
    if (k != factor) {
      factor = k;
      if (last != null) {
        draw(last);
      }
    }
  }

  private void layoutMode() {
    boolean f = fit.get();
    // The holder always fills the viewport (and grows past it at 1:1 with a large picture), so
    // the picture is centred whenever it is smaller than the area, at 1:1 too.
    setFitToWidth(true);
    setFitToHeight(true);
    setHbarPolicy(f ? ScrollBarPolicy.NEVER : ScrollBarPolicy.AS_NEEDED);
    setVbarPolicy(f ? ScrollBarPolicy.NEVER : ScrollBarPolicy.AS_NEEDED);
    if (f) {
      double w = Math.max(16, getViewportBounds().getWidth() - 16);
      double h = Math.max(16, getViewportBounds().getHeight() - 16);
      double s =
          pixels.get()
              ? PixelZoom.fit(imageWidth, imageHeight, w, h)
              : Math.min(w / imageWidth, h / imageHeight);
      view.setSmooth(!pixels.get() || PixelZoom.smooth(s));
      view.setFitWidth(imageWidth * s);
      view.setFitHeight(imageHeight * s);
      holder.setMinSize(0, 0);
      refactor(pixels.get() ? PixelZoom.factor((int) imageWidth, (int) imageHeight, s) : 1);
    } else {
      refactor(1);
      view.setSmooth(true); // one image pixel per screen pixel: nothing to interpolate
      view.setFitWidth(imageWidth);
      view.setFitHeight(imageHeight);
      holder.setMinSize(imageWidth, imageHeight);
    }
  }
}
