package dev.stepwise.app.studio;

import javafx.scene.control.Button;
import javafx.scene.control.ButtonBase;
import javafx.scene.control.ToggleButton;
import javafx.scene.control.Tooltip;
import org.kordamp.ikonli.javafx.FontIcon;

/** Builds the studio's actions: every one has an Ikonli Material Design icon and a tooltip. */
public final class Icons {
  private Icons() {}

  /** A button with {@code text} (may be empty), the icon {@code icon} and {@code tip}. */
  public static Button button(String id, String text, String icon, String tip) {
    return decorate(new Button(text), id, icon, tip);
  }

  /** A toggle button likewise. */
  public static ToggleButton toggle(String id, String text, String icon, String tip) {
    return decorate(new ToggleButton(text), id, icon, tip);
  }

  /** A fresh icon of the materialdesign2 pack, e.g. {@code "mdi2p-play"}. */
  public static FontIcon icon(String name) {
    FontIcon i = new FontIcon(name);
    i.setIconSize(16);
    return i;
  }

  private static <B extends ButtonBase> B decorate(B b, String id, String icon, String tip) {
    b.setId(id);
    b.setGraphic(icon(icon));
    b.setTooltip(new Tooltip(tip));
    return b;
  }
}
