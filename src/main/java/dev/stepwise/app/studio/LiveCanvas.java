package dev.stepwise.app.studio;

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
 * scaled smoothly to fit the area or shown at one image pixel per screen pixel. Drawing a frame is
 * one bulk copy plus {@code updateBuffer}; the buffer is replaced only when the size changes.
 */
public final class LiveCanvas extends ScrollPane {
  private final ImageView view = new ImageView();
  private final StackPane holder = new StackPane(view);
  private final BooleanProperty fit = new SimpleBooleanProperty(true);
  private PixelBuffer<IntBuffer> buffer;
  private IntBuffer ints;
  private int bufferWidth;
  private int bufferHeight;
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
    viewportBoundsProperty().addListener((o, a, b) -> layoutMode());
    layoutMode();
  }

  /** True: scale to the area; false: one image pixel per screen pixel (1:1). */
  public BooleanProperty fitProperty() {
    return fit;
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
    if (buffer == null || f.width() != bufferWidth || f.height() != bufferHeight) {
      bufferWidth = f.width();
      bufferHeight = f.height();
      ints =
          ByteBuffer.allocateDirect(bufferWidth * bufferHeight * 4)
              .order(ByteOrder.nativeOrder())
              .asIntBuffer();
      buffer =
          new PixelBuffer<>(bufferWidth, bufferHeight, ints, PixelFormat.getIntArgbPreInstance());
      view.setImage(new WritableImage(buffer));
      setImageSize(bufferWidth, bufferHeight);
    }
    // Opaque pixels: ARGB equals premultiplied ARGB. Absolute put: no shared position.
    ints.put(0, f.argb());
    buffer.updateBuffer(b -> null);
    frames++;
    long dt = System.nanoTime() - t0;
    drawNanos += dt;
    maxDrawNanos = Math.max(maxDrawNanos, dt);
  }

  /** Removes the picture: the canvas says what makes one. */
  public void clear() {
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
      view.setFitWidth(w);
      view.setFitHeight(h);
      holder.setMinSize(0, 0);
    } else {
      view.setFitWidth(imageWidth);
      view.setFitHeight(imageHeight);
      holder.setMinSize(imageWidth, imageHeight);
    }
  }
}
