package dev.stepwise.app;

import java.util.Locale;
import java.util.Map;

/** The one sentence for a studio window that could not open, from JavaFX's failure. */
public final class StudioFailure {
  private static final String INSTEAD =
      "run a command such as 'stepwise generate' instead (see stepwise --help).";
  static final String NO_DISPLAY =
      "The studio window could not open because there is no display (neither DISPLAY nor"
          + " WAYLAND_DISPLAY is set); start it in a desktop session, or "
          + INSTEAD;
  static final String NO_GTK =
      "The studio window could not open because GTK 3 is not installed (JavaFX draws its windows"
          + " with it); install it with 'sudo apt install libgtk-3-0' (on Debian 13, Ubuntu 24.04"
          + " and newer the package is libgtk-3-0t64), or "
          + INSTEAD;

  private StudioFailure() {}

  /** The sentence for {@code failure} in the environment {@code env}. */
  public static String sentence(Throwable failure, Map<String, String> env) {
    String x11 = env.getOrDefault("DISPLAY", "").strip();
    String wayland = env.getOrDefault("WAYLAND_DISPLAY", "").strip();
    if (x11.isEmpty() && wayland.isEmpty()) {
      return NO_DISPLAY;
    }
    // JavaFX 21: "Unable to load glass GTK library.", or libglassgtk3.so failing to link.
    if (mentions(failure, "glass gtk library") || mentions(failure, "libgtk-3")) {
      return NO_GTK;
    }
    if (mentions(failure, "unable to open display")) {
      return "The studio window could not open because the display "
          + (x11.isEmpty() ? "WAYLAND_DISPLAY=" + wayland : "DISPLAY=" + x11)
          + " refused the connection (is its server running, and may this user use it?); "
          + INSTEAD;
    }
    Throwable e = failure;
    while (e.getCause() != null && e.getCause() != e) {
      e = e.getCause();
    }
    String m = e.getMessage() == null ? "" : ": " + e.getMessage().strip().replaceAll("\\.$", "");
    return "The studio window could not open ("
        + e.getClass().getSimpleName()
        + m
        + "; the log has the details); "
        + INSTEAD;
  }

  private static boolean mentions(Throwable t, String word) {
    for (Throwable e = t; e != null; e = e.getCause() == e ? null : e.getCause()) {
      if (e.getMessage() != null && e.getMessage().toLowerCase(Locale.ROOT).contains(word)) {
        return true;
      }
    }
    return false;
  }
}
