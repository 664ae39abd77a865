package dev.stepwise.app.gallery;

import java.awt.Desktop;
import java.nio.file.Path;

/**
 * Shows a folder in the system's file manager, where the platform allows it.
 *
 * <p>{@link #desktop()} uses {@link Desktop}, guarded: on a headless system, or one whose desktop
 * cannot open folders, it returns false instead of failing. The studio may pass one built on
 * JavaFX's {@code HostServices.showDocument} instead.
 */
@FunctionalInterface
public interface FolderOpener {
  /** Opens {@code folder}; returns false when this system cannot. */
  boolean open(Path folder);

  /** Returns an opener that uses {@link Desktop#open}, or reports false when unavailable. */
  static FolderOpener desktop() {
    return folder -> {
      try {
        if (java.awt.GraphicsEnvironment.isHeadless() || !Desktop.isDesktopSupported()) {
          return false;
        }
        Desktop d = Desktop.getDesktop();
        if (!d.isSupported(Desktop.Action.OPEN)) {
          return false;
        }
        d.open(folder.toFile());
        return true;
      } catch (Exception | LinkageError e) {
        return false;
      }
    };
  }
}
