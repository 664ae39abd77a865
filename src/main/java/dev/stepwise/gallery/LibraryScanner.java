package dev.stepwise.gallery;

import dev.stepwise.metadata.MetadataException;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * Brings the index in line with the PNG files: new and changed files (by size and modification
 * time) are read, rows whose file is gone are dropped. Hidden files and folders (name starting with
 * a dot) are skipped, so temporary files and the trash are never indexed.
 */
final class LibraryScanner {
  private static final int BATCH = 500;

  private LibraryScanner() {}

  /**
   * Scans the library folder; {@code all} re-reads every file, changed or not. A file that cannot
   * be indexed (damaged, over a bound, a name this system cannot spell) is remembered with its size
   * and modification time and not read again until it changes or {@code all} is set.
   */
  static ScanReport scan(Library lib, boolean all) {
    return scan(lib, all, (done, total) -> {});
  }

  /** As {@link #scan(Library, boolean)}, telling {@code progress} (done, total) after each file. */
  static ScanReport scan(Library lib, boolean all, BiConsumer<Integer, Integer> progress) {
    Map<String, long[]> known = lib.fileStamps();
    Map<String, long[]> knownSkips = lib.skippedStamps();
    Map<Path, long[]> files = listPngStamps(lib.folder());
    List<LibraryIndex.Row> rows = new ArrayList<>();
    List<LibraryIndex.Skip> skips = new ArrayList<>(); // written last: removals forget skips first
    List<String> gone = new ArrayList<>();
    List<String> skipped = new ArrayList<>();
    int added = 0;
    int updated = 0;
    int done = 0;
    for (Map.Entry<Path, long[]> e : files.entrySet()) {
      progress.accept(done++, files.size());
      Path f = e.getKey();
      String rel = lib.relative(f);
      long[] stamp = known.remove(rel);
      long[] skip = knownSkips.remove(rel);
      long size = e.getValue()[0];
      long mtime = e.getValue()[1];
      boolean spelled = LibraryPaths.spelled(f);
      if (!all && (same(skip, size, mtime) || (spelled && same(stamp, size, mtime)))) {
        continue;
      }
      int before = skipped.size();
      LibraryIndex.Row row = read(lib, f, size, mtime, skipped);
      if (row == null) {
        skips.add(new LibraryIndex.Skip(rel, size, mtime, skipped.get(before)));
        if (!spelled && stamp != null) {
          gone.add(rel); // indexed before names were checked: a row no one can act on
        }
        continue;
      }
      rows.add(row);
      if (stamp == null) {
        added++;
      } else {
        updated++;
      }
      if (rows.size() >= BATCH) {
        lib.indexWrite(rows, List.of());
        rows.clear();
      }
    }
    for (String rel : known.keySet()) {
      if (!LibraryPaths.spellable(lib.folder(), rel)) {
        continue; // this system cannot spell the name (a locale that is not UTF-8): keep the row
      }
      Path file = LibraryPaths.inside(lib.folder(), rel);
      if (file == null || !Files.exists(file)) {
        gone.add(rel);
      }
    }
    progress.accept(files.size(), files.size());
    List<String> remove = new ArrayList<>(gone);
    remove.addAll(knownSkips.keySet()); // skipped files that are gone: forget them
    lib.indexWrite(rows, remove, skips);
    return new ScanReport(added, updated, gone.size(), skipped, null);
  }

  private static boolean same(long[] stamp, long size, long mtime) {
    return stamp != null && stamp[0] == size && stamp[1] == mtime;
  }

  /** Indexes the given files now and returns their ids in order. */
  static List<Long> indexFiles(Library lib, List<Path> files) throws IOException {
    List<LibraryIndex.Row> rows = new ArrayList<>();
    List<String> skipped = new ArrayList<>();
    for (Path f : files) {
      LibraryIndex.Row row =
          read(lib, f, Files.size(f), Files.getLastModifiedTime(f).toMillis(), skipped);
      if (row == null) {
        throw new MetadataException(skipped.get(skipped.size() - 1));
      }
      rows.add(row);
    }
    return lib.indexWrite(rows, List.of());
  }

  /** Reads one file into a row; a damaged PNG adds a sentence to {@code skipped} and gives null. */
  private static LibraryIndex.Row read(
      Library lib, Path f, long size, long mtime, List<String> skipped) {
    if (!LibraryPaths.spelled(f)) {
      skipped.add(LibraryPaths.unspelledSentence(lib.relative(f)));
      return null;
    }
    Map<String, String> text;
    try {
      text = Library.readText(f);
    } catch (MetadataException e) {
      skipped.add(e.getMessage());
      return null;
    }
    Recipe recipe = null;
    String notice = null;
    try {
      ImageParameters p = ImageParameters.fromText(text);
      recipe = p.recipe();
      notice = p.notices().isEmpty() ? null : String.join(" ", p.notices());
    } catch (MetadataException e) {
      notice = e.getMessage();
    }
    Instant created =
        recipe != null && recipe.createdAt() != null
            ? recipe.createdAt()
            : Instant.ofEpochMilli(mtime);
    return new LibraryIndex.Row(lib.relative(f), size, mtime, created, recipe, notice);
  }

  /** Lists the PNG files under {@code folder}, skipping hidden files and folders. */
  static List<Path> listPngs(Path folder) {
    return new ArrayList<>(listPngStamps(folder).keySet());
  }

  /** Maps each PNG under {@code folder} to {size, modification millis}, in path order. */
  static Map<Path, long[]> listPngStamps(Path folder) {
    Map<Path, long[]> out = new java.util.TreeMap<>();
    try {
      Files.walkFileTree(
          folder,
          new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
              return !dir.equals(folder) && dir.getFileName().toString().startsWith(".")
                  ? FileVisitResult.SKIP_SUBTREE
                  : FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
              String n = file.getFileName().toString();
              if (attrs.isRegularFile()
                  && !n.startsWith(".")
                  && n.toLowerCase(Locale.ROOT).endsWith(".png")) {
                out.put(file, new long[] {attrs.size(), attrs.lastModifiedTime().toMillis()});
              }
              return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException exc) {
              return FileVisitResult.CONTINUE;
            }
          });
    } catch (IOException e) {
      throw new MetadataException("Cannot list the library folder " + folder + ".", e);
    }
    return out;
  }
}
