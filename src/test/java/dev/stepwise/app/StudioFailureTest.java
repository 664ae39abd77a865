package dev.stepwise.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** The sentence for a studio window that cannot open names what is missing (issue 16, item 10). */
class StudioFailureTest {
  private static final Map<String, String> X11 = Map.of("DISPLAY", ":0");

  @Test
  void missingGtkNamesThePackageAndNoDisplayNeedsNoDisplayVariable() {
    // What JavaFX 21 throws without GTK 3, and glassgtk3 failing to link.
    Throwable probe = new UnsupportedOperationException("Unable to load glass GTK library.");
    Throwable link =
        new RuntimeException(
            new UnsatisfiedLinkError("libglassgtk3.so: libgtk-3.so.0: cannot open"));
    assertEquals(StudioFailure.NO_GTK, StudioFailure.sentence(probe, X11));
    assertEquals(
        StudioFailure.NO_GTK, StudioFailure.sentence(link, Map.of("WAYLAND_DISPLAY", "w")));
    assertTrue(
        StudioFailure.NO_GTK.contains(
            "'sudo apt install libgtk-3-0' (on Debian 13, Ubuntu"
                + " 24.04 and newer the package is libgtk-3-0t64)"));
    assertEquals(StudioFailure.NO_DISPLAY, StudioFailure.sentence(probe, Map.of("DISPLAY", " ")));
    assertTrue(StudioFailure.NO_DISPLAY.contains("there is no display"));
    assertTrue(
        StudioFailure.sentence(new UnsupportedOperationException("Unable to open DISPLAY"), X11)
            .startsWith("The studio window could not open because the display DISPLAY=:0 refused"));
    assertEquals(
        "The studio window could not open (IllegalStateException: Toolkit already exited;"
            + " the log has the details); run a command such as 'stepwise generate' instead (see"
            + " stepwise --help).",
        StudioFailure.sentence(new IllegalStateException("Toolkit already exited."), X11));
  }
}
