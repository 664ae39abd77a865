package dev.stepwise.gallery;

import dev.stepwise.metadata.MetadataException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A library's trash, the {@code .stepwise/trash} folder: deleting moves an image there and drops it
 * from the index, undoing puts it back with its favourite mark, galleries and tags, and emptying
 * removes entries for good once they are old enough.
 *
 * <p>Not thread-safe on its own: {@link Library} calls it holding its own lock.
 */
final class LibraryTrash {
  /** The trash folder's name inside the library's metadata folder. */
  static final String FOLDER = "trash";

  /** Trash names: {@code d<deletion epoch millis>-<uuid>-<original name>}. */
  private static final Pattern NAME = Pattern.compile("d(\\d{1,15})-.*");

  private static final Logger LOG = LoggerFactory.getLogger(LibraryTrash.class);

  private final Library library;
  private final LibraryCuration curation;

  /** The trash of {@code library}, whose {@code curation} an image leaves and gets back. */
  LibraryTrash(Library library, LibraryCuration curation) {
    this.library = library;
    this.curation = curation;
  }

  private Path folder() {
    return library.meta().resolve(FOLDER);
  }

  /** Moves images to the trash and drops them from the index; see {@link Library#delete}. */
  DeletedImages delete(Collection<Long> ids) {
    Path libraryFolder = library.folder();
    List<DeletedImages.Item> items = new ArrayList<>();
    for (long id : ids) {
      LibraryImage img = library.get(id);
      if (img == null) {
        continue;
      }
      Path trash =
          folder()
              .resolve(
                  "d" + System.currentTimeMillis() + "-" + UUID.randomUUID() + "-" + img.name());
      List<String> galleries = curation.galleriesOf(id);
      List<String> tags = curation.tags(id);
      if (!LibraryPaths.realParentInside(libraryFolder, img.file())) {
        throw new MetadataException(
            "Cannot delete "
                + img.file()
                + ": it is not inside the library"
                + " folder "
                + libraryFolder
                + ".");
      }
      try {
        if (Files.exists(img.file(), LinkOption.NOFOLLOW_LINKS)) {
          Files.move(img.file(), trash, StandardCopyOption.ATOMIC_MOVE);
        }
        library.indexWrite(List.of(), List.of(library.relative(img.file())));
      } catch (IOException e) {
        throw new MetadataException(
            "Cannot delete " + img.file() + "; check that the library" + " folder is writable.", e);
      }
      items.add(new DeletedImages.Item(trash, img.file(), img.favourite(), galleries, tags));
    }
    if (!items.isEmpty()) {
      curation.saveJournal();
    }
    return new DeletedImages(items);
  }

  /** Puts deleted images back; see {@link Library#undoDelete}. */
  List<LibraryImage> undoDelete(DeletedImages deleted) {
    Path libraryFolder = library.folder();
    List<LibraryImage> restored = new ArrayList<>();
    for (DeletedImages.Item it : deleted.items()) {
      if (!Files.exists(it.trashFile())) {
        continue;
      }
      try {
        Path back =
            library.withWriteLock(
                () -> {
                  Path t =
                      Files.exists(it.originalFile())
                          ? ImageNames.free(
                              libraryFolder, null, it.originalFile().getFileName().toString())
                          : it.originalFile();
                  Files.move(it.trashFile(), t, StandardCopyOption.ATOMIC_MOVE);
                  return t;
                });
        long id = LibraryScanner.indexFiles(library, List.of(back)).get(0);
        curation.setFavourite(id, it.favourite());
        for (String g : it.galleries()) {
          curation.addToGallery(g, List.of(id));
        }
        for (String t : it.tags()) {
          curation.tag(id, t);
        }
        restored.add(library.get(id));
      } catch (IOException e) {
        throw new MetadataException("Cannot restore " + it.originalFile() + ".", e);
      }
    }
    return restored;
  }

  /** Removes entries deleted more than {@code olderThan} ago; see {@link Library#emptyTrash}. */
  EmptiedTrash empty(Duration olderThan) {
    long cutoff = System.currentTimeMillis() - olderThan.toMillis();
    int files = 0;
    long bytes = 0;
    Path trash = folder();
    List<Path> entries;
    try (var s = Files.list(trash)) {
      entries = s.toList();
    } catch (IOException e) {
      throw new MetadataException("Cannot read the library trash " + trash + ".", e);
    }
    for (Path p : entries) {
      try {
        if (!Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
          continue;
        }
        Matcher m = NAME.matcher(p.getFileName().toString());
        long deleted =
            m.matches() ? Long.parseLong(m.group(1)) : Files.getLastModifiedTime(p).toMillis();
        if (deleted <= cutoff) {
          long size = Files.size(p);
          Files.delete(p);
          files++;
          bytes += size;
        }
      } catch (IOException e) {
        LOG.warn("Cannot remove {} from the trash", p, e);
      }
    }
    return new EmptiedTrash(files, bytes);
  }
}
