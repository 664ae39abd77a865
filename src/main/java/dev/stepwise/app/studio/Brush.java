package dev.stepwise.app.studio;

import javafx.beans.property.BooleanProperty;
import javafx.beans.property.IntegerProperty;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.beans.property.SimpleIntegerProperty;

/**
 * The init image area's brush: its size, soft edge, eraser, and whether it paints the mask or
 * sketches in colour on the picture itself. It routes a stroke (in init-image pixels) to the {@link
 * MaskModel} or the {@link SketchModel}, and Undo to the one the brush paints. Used on the UI
 * thread.
 */
public final class Brush {
  /** The brush diameter a new session starts with, in init-image pixels. */
  public static final int DEFAULT_SIZE = 24;

  /** The largest brush diameter the controls offer. */
  public static final int MAX_SIZE = 256;

  /** The widest soft edge the controls offer, in pixels. */
  public static final int MAX_SOFT = 128;

  private final IntegerProperty size = new SimpleIntegerProperty(DEFAULT_SIZE);
  private final IntegerProperty soft = new SimpleIntegerProperty(0);
  private final BooleanProperty erasing = new SimpleBooleanProperty();
  private final BooleanProperty sketching = new SimpleBooleanProperty();
  private final IntegerProperty color = new SimpleIntegerProperty(0x000000);
  private double lastX;
  private double lastY;

  /** Starts a stroke at (x, y): remembers the painted model for undo and paints one dab. */
  void begin(MaskModel mask, SketchModel sketch, double x, double y) {
    if (sketching.get()) {
      sketch.beginStroke();
      sketch.dab(x, y, size.get(), color.get());
    } else {
      mask.beginStroke();
      mask.dab(x, y, size.get(), soft.get(), erasing.get());
    }
    lastX = x;
    lastY = y;
  }

  /** Continues the stroke to (x, y): paints the segment from the last point. */
  void extend(MaskModel mask, SketchModel sketch, double x, double y) {
    if (sketching.get()) {
      sketch.line(lastX, lastY, x, y, size.get(), color.get());
    } else {
      mask.line(lastX, lastY, x, y, size.get(), soft.get(), erasing.get());
    }
    lastX = x;
    lastY = y;
  }

  /** Goes back one edit of the model the brush paints; false when there is none. */
  boolean undo(MaskModel mask, SketchModel sketch) {
    return sketching.get() ? sketch.undo() : mask.undo();
  }

  /** The diameter in init-image pixels, 1 to {@link #MAX_SIZE}. */
  public IntegerProperty sizeProperty() {
    return size;
  }

  /** The mask brush's soft edge: the last this-many pixels of the radius ramp from 255 to 0. */
  public IntegerProperty softProperty() {
    return soft;
  }

  /** Whether the mask brush erases (keeps) instead of painting (repaint). */
  public BooleanProperty erasingProperty() {
    return erasing;
  }

  /** Whether the brush sketches in colour on the picture instead of painting the mask. */
  public BooleanProperty sketchingProperty() {
    return sketching;
  }

  /** The sketch colour, 0xRRGGBB. */
  public IntegerProperty colorProperty() {
    return color;
  }
}
