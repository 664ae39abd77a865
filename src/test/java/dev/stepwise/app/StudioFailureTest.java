package dev.stepwise.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** The sentence for a studio window that could not open names what is missing. */
class StudioFailureTest {
  private static final Map<String, String> X11 = Map.of("DISPLAY", ":0");

  @Test
  void missingGtkNamesThePackageOnDebianAndUbuntu() {
    // JavaFX 21's GtkApplication when no GTK 3 library loads, and glassgtk3 failing to link.
    Throwable probe = new UnsupportedOperationException("Unable to load glass GTK library.");
    Throwable link =
        new RuntimeException(
            "Application launch failed",
            new UnsatisfiedLinkError(
                "/tmp/.openjfx/libglassgtk3.so: libgtk-3.so.0: cannot open shared object file"));
    for (Throwable t : new Throwable[] {probe, link}) {
      String s = StudioFailure.sentence(t, X11);
      assertEquals(StudioFailure.NO_GTK, s);
      assertTrue(s.contains("'sudo apt install libgtk-3-0'") && s.contains("libgtk-3-0t64"), s);
      assertTrue(s.startsWith("The studio window could not open") && s.endsWith("."), s);
    }
    assertEquals(
        StudioFailure.NO_GTK,
        StudioFailure.sentence(probe, Map.of("WAYLAND_DISPLAY", "wayland-0")));
  }

  @Test
  void noDisplayIsSaidOnlyWhenNeitherDisplayVariableIsSet() {
    Throwable probe = new UnsupportedOperationException("Unable to open DISPLAY");
    assertEquals(StudioFailure.NO_DISPLAY, StudioFailure.sentence(probe, Map.of()));
    assertEquals(StudioFailure.NO_DISPLAY, StudioFailure.sentence(probe, Map.of("DISPLAY", " ")));
    assertTrue(StudioFailure.NO_DISPLAY.contains("no display"));
    assertEquals(
        "The studio window could not open because the display DISPLAY=:0 refused the connection"
            + " (is its server running, and may this user use it?); run a command such as"
            + " 'stepwise generate' instead (see stepwise --help).",
        StudioFailure.sentence(probe, X11));
    assertEquals(
        "The studio window could not open (IllegalStateException: Toolkit already exited; the log"
            + " has the details); run a command such as 'stepwise generate' instead (see stepwise"
            + " --help).",
        StudioFailure.sentence(new IllegalStateException("Toolkit already exited."), X11));
  }
}
