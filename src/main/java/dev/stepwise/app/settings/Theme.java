package dev.stepwise.app.settings;

import java.net.URL;

/** The studio's colour themes, each one style sheet on top of JavaFX's Modena. */
public enum Theme {
  LIGHT("light.css"),
  DARK("dark.css");

  private final String sheet;

  Theme(String sheet) {
    this.sheet = sheet;
  }

  /** The style sheet's URL as a string, for {@code Scene.getStylesheets()}. */
  public String stylesheet() {
    URL url = Theme.class.getResource(sheet);
    if (url == null) {
      throw new IllegalStateException("The style sheet " + sheet + " is missing from the build.");
    }
    return url.toExternalForm();
  }

  /** The other theme. */
  public Theme toggled() {
    return this == LIGHT ? DARK : LIGHT;
  }

  /** Reads a stored name; anything unknown is the light theme. */
  public static Theme parse(String name) {
    for (Theme t : values()) {
      if (t.name().equalsIgnoreCase(name == null ? "" : name.trim())) {
        return t;
      }
    }
    return LIGHT;
  }
}
