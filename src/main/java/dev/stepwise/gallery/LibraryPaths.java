package dev.stepwise.gallery;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.StringJoiner;

/**
 * The library's paths: a file's name relative to the library folder as the index stores it, and the
 * way back, which only ever yields a file inside the folder.
 *
 * <p>Names are joined from the path's own name elements with {@code /}, never by rewriting
 * characters: on Linux a backslash is an ordinary character of a file name, so {@code
 * sub\..\..\victim.png} is one file in the library, not a way out of it. A stored name is resolved
 * element by element and refused when an element is empty, {@code .} or {@code ..}, or when the
 * result (after resolving symbolic links of the folders on the way) is not inside the library.
 * {@code folder} is always the library's real path ({@link Library} resolves it on opening), so a
 * file directly in it needs no file-system call to be checked.
 */
final class LibraryPaths {
  private LibraryPaths() {}

  /**
   * The index name of {@code file}, which must be inside {@code folder}: elements joined with "/".
   */
  static String relative(Path folder, Path file) {
    Path rel = folder.relativize(file.toAbsolutePath().normalize());
    StringJoiner j = new StringJoiner("/");
    for (Path element : rel) {
      j.add(element.toString());
    }
    return j.toString();
  }

  /**
   * The file a stored name stands for, or null when the name does not lead to a place inside {@code
   * folder} (absolute, empty elements, "." or "..", a NUL, or a folder on the way that is a link
   * out of the library).
   */
  static Path inside(Path folder, String name) {
    if (name == null || name.isEmpty() || name.indexOf('\0') >= 0 || name.startsWith("/")) {
      return null;
    }
    Path p = folder;
    for (String element : name.split("/", -1)) {
      if (element.isEmpty() || element.equals(".") || element.equals("..")) {
        return null;
      }
      p = p.resolve(element);
      if (p.getNameCount() != 0 && !p.getFileName().toString().equals(element)) {
        return null; // the platform split the element further (a separator inside it)
      }
    }
    if (!p.normalize().startsWith(folder)) {
      return null;
    }
    return realParentInside(folder, p) ? p : null;
  }

  /**
   * Whether {@code file}'s folder, with every symbolic link resolved, is the library folder (a real
   * path) or below it (the file itself may be a link: moving or deleting a link touches only the
   * link). A folder that does not exist (the file is gone) counts as inside when its path is.
   */
  static boolean realParentInside(Path folder, Path file) {
    Path parent = file.toAbsolutePath().normalize().getParent();
    if (parent == null) {
      return false;
    }
    if (parent.equals(folder)) {
      return true; // the library's own folder, already real: no file-system call per image
    }
    try {
      if (!Files.exists(parent, LinkOption.NOFOLLOW_LINKS)) {
        return parent.startsWith(folder);
      }
      return parent.toRealPath().startsWith(folder);
    } catch (IOException e) {
      return false;
    }
  }
}
