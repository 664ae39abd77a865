package dev.stepwise.gallery;

import dev.stepwise.metadata.MetadataException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.SQLException;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A library's curation: favourite marks, galleries and tags. They live in the index and, after
 * every change, are mirrored whole into the curation journal ({@link CurationJournal}), from which
 * an index without any curation (new, rebuilt or replaced) gets them back on opening.
 *
 * <p>Not thread-safe on its own: {@link Library} calls it holding its own lock, which guards the
 * index. Journal writes are serialised across threads and processes by a lock of their own.
 */
final class LibraryCuration {
  private static final Logger LOG = LoggerFactory.getLogger(LibraryCuration.class);
  private static final Map<Path, ReentrantLock> JOURNAL_LOCKS = new ConcurrentHashMap<>();

  private final Library library;
  private final LibraryIndex index;

  /** The curation of {@code library}, kept in {@code index}. */
  LibraryCuration(Library library, LibraryIndex index) {
    this.library = library;
    this.index = index;
  }

  /** Marks or unmarks an image as a favourite. */
  void setFavourite(long id, boolean favourite) {
    library.sql(
        favourite
            ? "INSERT OR IGNORE INTO favourites(image_id) SELECT id FROM images WHERE id=?"
            : "DELETE FROM favourites WHERE image_id=?",
        id);
    saveJournal();
  }

  /** Returns the gallery names, sorted. */
  List<String> galleries() {
    return library.strings("SELECT name FROM galleries ORDER BY name COLLATE NOCASE");
  }

  /**
   * Adds images to a gallery, creating it when new.
   *
   * @throws MetadataException when the name is blank or longer than 200 characters
   */
  void addToGallery(String gallery, Collection<Long> ids) {
    if (gallery == null || gallery.isBlank() || gallery.length() > 200) {
      throw new MetadataException(
          "Gallery name '"
              + gallery
              + "' is not allowed; use 1 to 200 characters that are not all spaces.");
    }
    String name = gallery.strip();
    library.sql(
        "INSERT OR IGNORE INTO galleries(name, created) VALUES(?, ?)",
        name,
        System.currentTimeMillis());
    for (long id : ids) {
      library.sql(
          "INSERT OR IGNORE INTO gallery_images(gallery_id, image_id) SELECT g.id, i.id"
              + " FROM galleries g, images i WHERE g.name=? AND i.id=?",
          name,
          id);
    }
    saveJournal();
  }

  /** Removes images from a gallery (the images stay in the library). */
  void removeFromGallery(String gallery, Collection<Long> ids) {
    for (long id : ids) {
      library.sql(
          "DELETE FROM gallery_images WHERE image_id=? AND gallery_id IN"
              + " (SELECT id FROM galleries WHERE name=?)",
          id,
          gallery);
    }
    saveJournal();
  }

  /** Deletes a gallery; its images stay in the library. */
  void deleteGallery(String gallery) {
    library.sql("DELETE FROM galleries WHERE name=?", gallery);
    saveJournal();
  }

  /** Returns the galleries an image is in. */
  List<String> galleriesOf(long id) {
    return library.strings(
        "SELECT g.name FROM galleries g JOIN gallery_images gi"
            + " ON gi.gallery_id=g.id WHERE gi.image_id=? ORDER BY g.name",
        id);
  }

  /** Adds a tag to an image (tags are stored lower case, without surrounding spaces). */
  void tag(long id, String tag) {
    if (tag == null || tag.isBlank() || tag.length() > 100) {
      throw new MetadataException("Tag '" + tag + "' is not allowed; use 1 to 100 characters.");
    }
    library.sql(
        "INSERT OR IGNORE INTO tags(image_id, tag) SELECT id, ? FROM images WHERE id=?",
        tag.strip().toLowerCase(Locale.ROOT),
        id);
    saveJournal();
  }

  /** Removes a tag from an image. */
  void untag(long id, String tag) {
    library.sql(
        "DELETE FROM tags WHERE image_id=? AND tag=?", id, tag.strip().toLowerCase(Locale.ROOT));
    saveJournal();
  }

  /** Returns an image's tags, sorted. */
  List<String> tags(long id) {
    return library.strings("SELECT tag FROM tags WHERE image_id=? ORDER BY tag", id);
  }

  /**
   * Writes the curation journal from the index (after every favourite, gallery or tag change and
   * every delete). A failure is logged and the change stays in the index: the journal is a backup.
   */
  void saveJournal() {
    Path meta = library.meta();
    ReentrantLock jvm = JOURNAL_LOCKS.computeIfAbsent(library.folder(), f -> new ReentrantLock());
    jvm.lock();
    try (FileChannel ch =
            FileChannel.open(
                meta.resolve("curation.lock"),
                StandardOpenOption.CREATE,
                StandardOpenOption.WRITE);
        FileLock lock = ch.lock()) {
      CurationJournal.write(meta, index.curation());
    } catch (IOException | SQLException e) {
      LOG.warn(
          "Cannot write the curation journal in {}; favourites, galleries and tags stay in"
              + " the index only until the next change",
          meta,
          e);
    } finally {
      jvm.unlock();
    }
  }

  /** Gives an index without any curation (new, rebuilt or replaced) the journal's curation. */
  void restoreFromJournal() {
    Path meta = library.meta();
    try {
      if (index.hasCuration()) {
        return;
      }
      var journal = CurationJournal.read(meta);
      if (journal.isPresent() && !journal.get().isEmpty()) {
        int restored = index.restore(journal.get(), System.currentTimeMillis());
        LOG.info(
            "Restored {} favourite marks, gallery entries and tags from {}",
            restored,
            meta.resolve(CurationJournal.FILE));
      }
    } catch (SQLException e) {
      throw library.indexFailure(e);
    }
  }
}
