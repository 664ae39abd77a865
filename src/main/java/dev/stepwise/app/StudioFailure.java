package dev.stepwise.app;

import java.util.Map;

/**
 * The one sentence for a studio window that could not open, from JavaFX's failure and the
 * environment: no display at all, GTK 3 missing (JavaFX's glass toolkit draws its windows with it),
 * a display that refused the connection, or anything else.
 */
public final class StudioFailure {
  /** The end of every sentence: the commands work without a window. */
  private static final String INSTEAD =
      "run a command such as 'stepwise generate' instead (see stepwise --help).";

  /** No DISPLAY and no WAYLAND_DISPLAY. */
  static final String NO_DISPLAY =
      "The studio window could not open because there is no display (neither DISPLAY nor"
          + " WAYLAND_DISPLAY is set); start it in a desktop session, or "
          + INSTEAD;

  /** JavaFX could not load its GTK 3 toolkit. */
  static final String NO_GTK =
      "The studio window could not open because GTK 3 is not installed (JavaFX draws its windows"
          + " with it); install it with 'sudo apt install libgtk-3-0' (on Debian 13, Ubuntu 24.04"
          + " and newer the package is libgtk-3-0t64), or "
          + INSTEAD;

  private StudioFailure() {}

  /** The sentence for {@code failure} in the environment {@code env}. */
  public static String sentence(Throwable failure, Map<String, String> env) {
    String display = env.get("DISPLAY");
    boolean x11 = display != null && !display.isBlank();
    String wayland = env.get("WAYLAND_DISPLAY");
    if (!x11 && (wayland == null || wayland.isBlank())) {
      return NO_DISPLAY;
    }
    if (mentions(failure, "glass gtk library", "libgtk-3", "libglassgtk3", "libgdk-3")) {
      return NO_GTK;
    }
    if (mentions(failure, "unable to open display")) {
      return "The studio window could not open because the display "
          + (x11 ? "DISPLAY=" + display : "WAYLAND_DISPLAY=" + wayland)
          + " refused the connection (is its server running, and may this user use it?); "
          + INSTEAD;
    }
    return "The studio window could not open ("
        + reason(failure)
        + "; the log has the details); "
        + INSTEAD;
  }

  /** Whether a message in {@code t}'s cause chain contains one of {@code words} (any case). */
  private static boolean mentions(Throwable t, String... words) {
    for (Throwable e = t; e != null; e = e.getCause() == e ? null : e.getCause()) {
      String m = e.getMessage() == null ? "" : e.getMessage().toLowerCase(java.util.Locale.ROOT);
      for (String w : words) {
        if (m.contains(w)) {
          return true;
        }
      }
    }
    return false;
  }

  /** The innermost cause as a fragment: its class and message without a final period. */
  private static String reason(Throwable t) {
    Throwable e = t;
    while (e.getCause() != null && e.getCause() != e) {
      e = e.getCause();
    }
    String m = e.getMessage();
    String name = e.getClass().getSimpleName();
    return m == null || m.isBlank()
        ? name
        : name + ": " + m.replaceAll("\\s+", " ").replaceAll("[.\\s]+$", "");
  }
}
