package dev.stepwise.gallery;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
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
    if (!spellable(folder, name)) {
      return null; // this system's file-name encoding cannot spell it (issue 20, items 7 and 15)
    }
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
   * Whether this system can turn the stored name into a path: false when the file-name encoding
   * ({@code sun.jnu.encoding}, ASCII when no UTF-8 locale is set) cannot encode its characters.
   */
  static boolean spellable(Path folder, String name) {
    try {
      folder.getFileSystem().getPath(name == null ? "" : name);
      return true;
    } catch (InvalidPathException e) {
      return false;
    }
  }

  /**
   * Whether {@code file}'s name, as text, leads back to the same file. A name whose bytes are not
   * valid in the file-name encoding (such as {@code bad\xff.png} under UTF-8, or {@code café.png}
   * when no UTF-8 locale is set) is read with replacement characters; that text names another file,
   * so the index cannot keep it (issue 20, item 7).
   */
  static boolean spelled(Path file) {
    try {
      return file.getFileSystem().getPath(file.toString()).equals(file);
    } catch (InvalidPathException e) {
      return false;
    }
  }

  /** The sentence for a file whose name {@link #spelled} refuses. */
  static String unspelledSentence(String name) {
    String encoding = System.getProperty("sun.jnu.encoding", "UTF-8");
    boolean utf8 = "UTF-8".equalsIgnoreCase(encoding) || "UTF8".equalsIgnoreCase(encoding);
    return "The file "
        + name
        + " is not indexed: its name is not valid text in this system's file-name encoding ("
        + encoding
        + "); "
        + (utf8
            ? "rename it with a UTF-8 name."
            : "run Stepwise under a UTF-8 locale (for example LANG=C.UTF-8) or rename it.");
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
