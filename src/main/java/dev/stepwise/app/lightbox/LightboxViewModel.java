package dev.stepwise.app.lightbox;

import dev.stepwise.app.fx.PixelZoom;
import dev.stepwise.gallery.Recipe;
import dev.stepwise.metadata.InfoText;
import java.util.List;
import javafx.beans.binding.Bindings;
import javafx.beans.binding.StringBinding;
import javafx.beans.property.BooleanProperty;
import javafx.beans.property.DoubleProperty;
import javafx.beans.property.ReadOnlyIntegerProperty;
import javafx.beans.property.ReadOnlyIntegerWrapper;
import javafx.beans.property.ReadOnlyObjectProperty;
import javafx.beans.property.ReadOnlyObjectWrapper;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.beans.property.SimpleDoubleProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;

/**
 * The lightbox's state: the pictures it steps through (results oldest first, or the gallery's
 * images in the gallery's order), which one is shown, the zoom (fit, or a scale from {@link
 * PixelZoom}'s steps) and full screen. No controls; {@link LightboxWindow} shows it.
 */
public final class LightboxViewModel {
  private final List<LightboxItem> items;
  private final ReadOnlyIntegerWrapper index = new ReadOnlyIntegerWrapper();
  private final ReadOnlyObjectWrapper<LightboxItem> current = new ReadOnlyObjectWrapper<>();
  private final BooleanProperty fit = new SimpleBooleanProperty(true);
  private final DoubleProperty scale = new SimpleDoubleProperty(1);
  private final BooleanProperty fullScreen = new SimpleBooleanProperty();
  private final StringProperty message = new SimpleStringProperty("");
  private final StringBinding counter;
  private final StringBinding recipeLine;

  /** Shows {@code items} (at least one), starting at {@code start} (clamped into range). */
  public LightboxViewModel(List<LightboxItem> items, int start) {
    if (items.isEmpty()) {
      throw new IllegalArgumentException("the lightbox needs at least one picture");
    }
    this.items = List.copyOf(items);
    index.addListener((o, a, b) -> current.set(this.items.get(b.intValue())));
    counter =
        Bindings.createStringBinding(() -> (index.get() + 1) + " of " + this.items.size(), index);
    recipeLine = Bindings.createStringBinding(() -> line(current.get()), current);
    index.set(Math.max(0, Math.min(start, this.items.size() - 1)));
    current.set(this.items.get(index.get()));
  }

  /** The pictures, in the order the arrow keys step through them. */
  public List<LightboxItem> items() {
    return items;
  }

  /** The index of the picture shown. */
  public ReadOnlyIntegerProperty indexProperty() {
    return index.getReadOnlyProperty();
  }

  /** The picture shown. */
  public ReadOnlyObjectProperty<LightboxItem> currentProperty() {
    return current.getReadOnlyProperty();
  }

  /** Shows the next picture; false (nothing changes) at the last. */
  public boolean next() {
    return go(index.get() + 1);
  }

  /** Shows the previous picture; false at the first. */
  public boolean previous() {
    return go(index.get() - 1);
  }

  /** Shows the first picture. */
  public void first() {
    go(0);
  }

  /** Shows the last picture. */
  public void last() {
    go(items.size() - 1);
  }

  private boolean go(int i) {
    if (i < 0 || i >= items.size() || i == index.get()) {
      return false;
    }
    message.set("");
    index.set(i);
    return true;
  }

  /** True: the picture fits the window (whole-number enlargement); false: {@link #scale}. */
  public BooleanProperty fitProperty() {
    return fit;
  }

  /** The scale when not fitting, 1 = one image pixel per screen pixel. */
  public DoubleProperty scaleProperty() {
    return scale;
  }

  /** Fits the picture to the window. */
  public void fitToWindow() {
    fit.set(true);
  }

  /** One image pixel per screen pixel. */
  public void oneToOne() {
    zoomTo(1);
  }

  /** The next zoom step above {@code shown}, the scale the picture has now. */
  public void zoomIn(double shown) {
    zoomTo(PixelZoom.zoomIn(shown));
  }

  /** The next zoom step below {@code shown}. */
  public void zoomOut(double shown) {
    zoomTo(PixelZoom.zoomOut(shown));
  }

  private void zoomTo(double s) {
    scale.set(s);
    fit.set(false);
  }

  /** The scale to show a {@code iw} x {@code ih} picture with in a {@code vw} x {@code vh} area. */
  public double scaleFor(double iw, double ih, double vw, double vh) {
    return fit.get() ? PixelZoom.fit(iw, ih, vw, vh) : scale.get();
  }

  /** What the zoom label says for a picture shown at {@code shown}: "Fit 300%" or "200%". */
  public String zoomText(double shown) {
    return (fit.get() ? "Fit " : "") + PixelZoom.percent(shown);
  }

  /** Whether the lightbox fills the screen. */
  public BooleanProperty fullScreenProperty() {
    return fullScreen;
  }

  /** "3 of 12". */
  public StringBinding counterProperty() {
    return counter;
  }

  /** The recipe in one short line: seed, steps, sampler, scale, size, prompt. */
  public StringBinding recipeLineProperty() {
    return recipeLine;
  }

  /** One sentence about the last action ("Copied the recipe."), empty after a step. */
  public StringProperty messageProperty() {
    return message;
  }

  /**
   * The recipe to copy: AUTOMATIC1111's parameters text (what PNG Info shows and "Open parameters…"
   * reads back), or why there is none.
   */
  public String recipeText() {
    LightboxItem item = current.get();
    Recipe r = item.recipe();
    if (r == null) {
      return item.notice() == null ? "This image has no recipe." : item.notice();
    }
    return InfoText.format(r.toParameters());
  }

  /** Says that the recipe was copied. */
  public void copied() {
    message.set("Copied the recipe.");
  }

  static String line(LightboxItem item) {
    if (item == null) {
      return "";
    }
    Recipe r = item.recipe();
    if (r == null) {
      return item.notice() == null ? item.title() : item.title() + " · " + item.notice();
    }
    StringBuilder s =
        new StringBuilder("seed ")
            .append(r.seed())
            .append(" · ")
            .append(r.steps())
            .append(" steps · ")
            .append(r.sampler())
            .append(r.karras() ? " Karras" : "")
            .append(" · scale ")
            .append(number(r.guidance()));
    if (r.variationStrength() > 0) {
      s.append(" · variation ")
          .append(r.variationSeed())
          .append(" at ")
          .append(number(r.variationStrength()));
    }
    return s.append(" · ")
        .append(r.width())
        .append("×")
        .append(r.height())
        .append(" · ")
        .append(r.prompt())
        .toString();
  }

  private static String number(double v) {
    return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
  }
}
