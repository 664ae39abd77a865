package dev.stepwise.gallery;

import dev.stepwise.files.AtomicWrite;
import dev.stepwise.metadata.MetadataException;
import dev.stepwise.metadata.PngImage;
import dev.stepwise.metadata.PngText;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The image library: a folder of PNGs, each carrying its recipe, plus a SQLite index of them.
 *
 * <p>The PNG files are the truth. Opening scans the folder (new, changed and removed files by size
 * and modification time); an index that is missing, corrupt or of another schema is moved aside
 * and rebuilt from the files. Saving writes the PNG to a hidden temporary file, renames it to a
 * free readable name under a lock shared by every process, and only then adds the index row.
 * Several {@code Library} objects, in one process or many, may use one folder at once. Methods are
 * thread-safe. Index and trash live in the folder's {@code .stepwise} subfolder, with the
 * curation journal ({@link CurationJournal}) that gives a rebuilt index its favourites, galleries
 * and tags back.
 */
public final class Library implements AutoCloseable {
  /** Hidden folder inside the library for the index, lock and trash. */
  public static final String META_FOLDER = ".stepwise";

  private static final Map<Path, ReentrantLock> JVM_LOCKS = new ConcurrentHashMap<>();
  private static final Map<Path, ReentrantLock> CURATION_LOCKS = new ConcurrentHashMap<>();

  /** Deleted images stay in the trash this long; opening a library removes older ones. */
  public static final java.time.Duration TRASH_KEEP = java.time.Duration.ofDays(30);

  /** Trash names: {@code d<deletion epoch millis>-<uuid>-<original name>}. */
  private static final java.util.regex.Pattern TRASH_NAME =
      java.util.regex.Pattern.compile("d(\\d{1,15})-.*");
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Library.class);

  private final Path folder;
  private final Path meta;
  private final Path dbFile;
  private final LibraryIndex index;
  private final ScanReport openReport;
  /** Test hook run between the temporary write and the rename. */
  volatile Runnable beforeMove = () -> {};

  private Library(Path folder) {
    this.folder = realFolder(folder.toAbsolutePath().normalize());
    this.meta = this.folder.resolve(META_FOLDER);
    this.dbFile = meta.resolve("library.db");
    LibraryIndex opened;
    String movedAside = null;
    try {
      opened = new LibraryIndex(dbFile, this.folder);
    } catch (SQLException e) {
      if (LibraryIndex.busy(e)) {
        throw busyIndex(e); // in use by another process: busy is not damaged
      }
      movedAside = moveAside();
      try {
        opened = new LibraryIndex(dbFile, this.folder);
      } catch (SQLException again) {
        throw new MetadataException("Cannot create the library index " + dbFile + ".", again);
      }
    }
    this.index = opened;
    cleanPending();
    try {
      emptyTrash(TRASH_KEEP);
    } catch (MetadataException e) {
      LOG.warn("Cannot empty the old part of the trash in {}", meta, e);
    }
    ScanReport scan = scan();
    restoreCuration();
    this.openReport = new ScanReport(scan.added(), scan.updated(), scan.removed(), scan.skipped(),
        movedAside);
  }

  /**
   * Creates the library folder (and its metadata and trash) and returns its real path: a library
   * folder that is a symbolic link is scanned and acted on where the link leads (issue 20, item 5:
   * a linked library was never scanned).
   */
  private static Path realFolder(Path folder) {
    try {
      Files.createDirectories(folder.resolve(META_FOLDER).resolve("trash"));
      return folder.toRealPath();
    } catch (IOException e) {
      throw new MetadataException("Cannot create the library folder " + folder
          + "; check that it is writable.", e);
    }
  }

  /** Opens the library in {@link LibraryLocation#defaultFolder()}. */
  public static Library open() {
    return open(LibraryLocation.defaultFolder());
  }

  /**
   * Opens (creating if needed) the library in {@code folder}, scanning it.
   *
   * @throws MetadataException when the folder or its index cannot be created
   */
  public static Library open(Path folder) {
    return new Library(folder);
  }

  /** Returns the library folder, absolute. */
  public Path folder() {
    return folder;
  }

  /** Returns what the scan made on opening found, including a corrupt index moved aside. */
  public ScanReport openReport() {
    return openReport;
  }

  /**
   * Saves one image with its recipe: PNG with the A1111 {@code parameters} chunk and the Stepwise
   * JSON chunk, named like {@code 2026-11-27_142501_seed1234.png}.
   *
   * @param recipe what made the image; stamped with the current time when it has none
   * @return the indexed image
   * @throws MetadataException when the pixels do not fit the size or the file cannot be written
   */
  public LibraryImage save(int width, int height, byte[] rgb, Recipe recipe) {
    Recipe r = recipe.createdAt() == null ? recipe.withCreatedAt(Instant.now()) : recipe;
    Map<String, String> chunks = textChunks(r);
    Path pending = meta.resolve("pending-" + UUID.randomUUID() + ".png");
    PngImage.write(pending, width, height, 3, rgb, chunks, false);
    Path target;
    try {
      beforeMove.run();
      target = withWriteLock(() -> {
        Path t = ImageNames.free(folder, r);
        Files.move(pending, t, StandardCopyOption.ATOMIC_MOVE);
        return t;
      });
    } catch (IOException | RuntimeException e) {
      deleteQuietly(pending);
      if (e instanceof MetadataException m) {
        throw m;
      }
      throw new MetadataException("Cannot save the image into the library " + folder
          + "; check that the folder is writable and the disk has room.", e);
    }
    try {
      LibraryIndex.Row row = new LibraryIndex.Row(relative(target), Files.size(target),
          Files.getLastModifiedTime(target).toMillis(), r.createdAt(), r, null);
      long id = indexWrite(List.of(row), List.of()).get(0);
      return get(id);
    } catch (IOException e) {
      throw new MetadataException("The image " + target + " was saved but cannot be indexed.", e);
    }
  }

  /**
   * Returns the PNG text chunks that carry a recipe: A1111 {@code parameters} (read by other
   * tools) and the Stepwise JSON under {@link RecipeJson#KEYWORD}, in that order.
   */
  public static Map<String, String> textChunks(Recipe recipe) {
    Map<String, String> chunks = new LinkedHashMap<>();
    chunks.put("parameters", dev.stepwise.metadata.InfoText.format(recipe.toParameters()));
    chunks.put(RecipeJson.KEYWORD, RecipeJson.write(recipe));
    return chunks;
  }

  /** Saves a batch ("Save all"), in order; see {@link #save(int, int, byte[], Recipe)}. */
  public List<LibraryImage> saveAll(List<ImageToSave> images) {
    List<LibraryImage> out = new ArrayList<>();
    for (ImageToSave i : images) {
      out.add(save(i.width(), i.height(), i.rgb(), i.recipe()));
    }
    return out;
  }

  /** Returns the images matching {@code query}, newest first. */
  public synchronized List<LibraryImage> find(LibraryQuery query) {
    try {
      return index.find(query);
    } catch (SQLException e) {
      throw indexFailure(e);
    }
  }

  /** Returns one image, or null when the index has no such id. */
  public synchronized LibraryImage get(long id) {
    try {
      return index.get(id);
    } catch (SQLException e) {
      throw indexFailure(e);
    }
  }

  /** Returns how many images the index holds. */
  public synchronized int count() {
    try {
      return index.count();
    } catch (SQLException e) {
      throw indexFailure(e);
    }
  }

  /** Indexes new and changed PNGs in the folder and drops rows whose file is gone. */
  public ScanReport scan() {
    return LibraryScanner.scan(this, false);
  }

  /** Reads every PNG in the folder again (favourites, galleries and tags are kept). */
  public ScanReport rebuild() {
    return LibraryScanner.scan(this, true);
  }

  /** Marks or unmarks an image as a favourite. */
  public synchronized void setFavourite(long id, boolean favourite) {
    sql(favourite ? "INSERT OR IGNORE INTO favourites(image_id) SELECT id FROM images WHERE id=?"
        : "DELETE FROM favourites WHERE image_id=?", id);
    saveCuration();
  }

  /** Returns the gallery names, sorted. */
  public synchronized List<String> galleries() {
    return strings("SELECT name FROM galleries ORDER BY name COLLATE NOCASE");
  }

  /**
   * Adds images to a gallery, creating it when new.
   *
   * @throws MetadataException when the name is blank or longer than 200 characters
   */
  public synchronized void addToGallery(String gallery, Collection<Long> ids) {
    if (gallery == null || gallery.isBlank() || gallery.length() > 200) {
      throw new MetadataException("Gallery name '" + gallery
          + "' is not allowed; use 1 to 200 characters that are not all spaces.");
    }
    String name = gallery.strip();
    sql("INSERT OR IGNORE INTO galleries(name, created) VALUES(?, ?)", name,
        System.currentTimeMillis());
    for (long id : ids) {
      sql("INSERT OR IGNORE INTO gallery_images(gallery_id, image_id) SELECT g.id, i.id FROM"
          + " galleries g, images i WHERE g.name=? AND i.id=?", name, id);
    }
    saveCuration();
  }

  /** Removes images from a gallery (the images stay in the library). */
  public synchronized void removeFromGallery(String gallery, Collection<Long> ids) {
    for (long id : ids) {
      sql("DELETE FROM gallery_images WHERE image_id=? AND gallery_id IN"
          + " (SELECT id FROM galleries WHERE name=?)", id, gallery);
    }
    saveCuration();
  }

  /** Deletes a gallery; its images stay in the library. */
  public synchronized void deleteGallery(String gallery) {
    sql("DELETE FROM galleries WHERE name=?", gallery);
    saveCuration();
  }

  /** Returns the galleries an image is in. */
  public synchronized List<String> galleriesOf(long id) {
    return strings("SELECT g.name FROM galleries g JOIN gallery_images gi ON gi.gallery_id=g.id"
        + " WHERE gi.image_id=? ORDER BY g.name", id);
  }

  /** Adds a tag to an image (tags are stored lower case, without surrounding spaces). */
  public synchronized void tag(long id, String tag) {
    if (tag == null || tag.isBlank() || tag.length() > 100) {
      throw new MetadataException("Tag '" + tag + "' is not allowed; use 1 to 100 characters.");
    }
    sql("INSERT OR IGNORE INTO tags(image_id, tag) SELECT id, ? FROM images WHERE id=?",
        tag.strip().toLowerCase(java.util.Locale.ROOT), id);
    saveCuration();
  }

  /** Removes a tag from an image. */
  public synchronized void untag(long id, String tag) {
    sql("DELETE FROM tags WHERE image_id=? AND tag=?", id,
        tag.strip().toLowerCase(java.util.Locale.ROOT));
    saveCuration();
  }

  /** Returns an image's tags, sorted. */
  public synchronized List<String> tags(long id) {
    return strings("SELECT tag FROM tags WHERE image_id=? ORDER BY tag", id);
  }

  /** Returns the model names of the library's images, sorted. */
  public synchronized List<String> models() {
    return strings("SELECT DISTINCT model FROM images WHERE model IS NOT NULL ORDER BY model");
  }

  /**
   * Returns the image's thumbnail as PNG bytes (at most {@link Thumbnails#SIZE} pixels a side),
   * made on first use and cached in the index.
   *
   * @throws MetadataException when the image is not in the index or cannot be decoded
   */
  public byte[] thumbnail(long id) {
    LibraryImage img;
    synchronized (this) {
      try {
        byte[] cached = index.bytes("SELECT png FROM thumbnails WHERE image_id=?", id);
        if (cached != null) {
          return cached;
        }
      } catch (SQLException e) {
        throw indexFailure(e);
      }
      img = get(id);
    }
    if (img == null) {
      throw new MetadataException("Image " + id + " is not in the library.");
    }
    byte[] png = Thumbnails.render(img.file(), Thumbnails.SIZE);
    synchronized (this) {
      sql("INSERT OR REPLACE INTO thumbnails(image_id, png) SELECT id, ? FROM images WHERE id=?",
          png, id);
    }
    return png;
  }

  /**
   * Moves images to the library's trash and drops them from the index; {@link #undoDelete} puts
   * them back.
   */
  public synchronized DeletedImages delete(Collection<Long> ids) {
    List<DeletedImages.Item> items = new ArrayList<>();
    for (long id : ids) {
      LibraryImage img = get(id);
      if (img == null) {
        continue;
      }
      Path trash = meta.resolve("trash")
          .resolve("d" + System.currentTimeMillis() + "-" + UUID.randomUUID() + "-" + img.name());
      List<String> galleries = galleriesOf(id);
      List<String> tags = tags(id);
      if (!LibraryPaths.realParentInside(folder, img.file())) {
        throw new MetadataException("Cannot delete " + img.file() + ": it is not inside the library"
            + " folder " + folder + ".");
      }
      try {
        if (Files.exists(img.file(), java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
          Files.move(img.file(), trash, StandardCopyOption.ATOMIC_MOVE);
        }
        indexWrite(List.of(), List.of(relative(img.file())));
      } catch (IOException e) {
        throw new MetadataException("Cannot delete " + img.file() + "; check that the library"
            + " folder is writable.", e);
      }
      items.add(new DeletedImages.Item(trash, img.file(), img.favourite(), galleries, tags));
    }
    if (!items.isEmpty()) {
      saveCuration();
    }
    return new DeletedImages(items);
  }

  /** Puts deleted images back where they were, with their favourite mark, galleries and tags. */
  public synchronized List<LibraryImage> undoDelete(DeletedImages deleted) {
    List<LibraryImage> restored = new ArrayList<>();
    for (DeletedImages.Item it : deleted.items()) {
      if (!Files.exists(it.trashFile())) {
        continue;
      }
      try {
        Path back = withWriteLock(() -> {
          Path t = Files.exists(it.originalFile())
              ? ImageNames.free(folder, null, it.originalFile().getFileName().toString())
              : it.originalFile();
          Files.move(it.trashFile(), t, StandardCopyOption.ATOMIC_MOVE);
          return t;
        });
        long id = LibraryScanner.indexFiles(this, List.of(back)).get(0);
        setFavourite(id, it.favourite());
        for (String g : it.galleries()) {
          addToGallery(g, List.of(id));
        }
        for (String t : it.tags()) {
          tag(id, t);
        }
        restored.add(get(id));
      } catch (IOException e) {
        throw new MetadataException("Cannot restore " + it.originalFile() + ".", e);
      }
    }
    return restored;
  }

  /**
   * Removes trash entries deleted more than {@code olderThan} ago ({@link java.time.Duration#ZERO}:
   * all of them). The deletion time comes from the trash name; an entry without one counts from
   * its file's modification time. Images removed here can no longer be restored by {@link
   * #undoDelete}.
   *
   * @throws MetadataException when the trash cannot be read
   */
  public synchronized EmptiedTrash emptyTrash(java.time.Duration olderThan) {
    long cutoff = System.currentTimeMillis() - olderThan.toMillis();
    int files = 0;
    long bytes = 0;
    Path trash = meta.resolve("trash");
    List<Path> entries;
    try (var s = Files.list(trash)) {
      entries = s.toList();
    } catch (IOException e) {
      throw new MetadataException("Cannot read the library trash " + trash + ".", e);
    }
    for (Path p : entries) {
      try {
        if (!Files.isRegularFile(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
          continue;
        }
        var m = TRASH_NAME.matcher(p.getFileName().toString());
        long deleted = m.matches() ? Long.parseLong(m.group(1))
            : Files.getLastModifiedTime(p).toMillis();
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

  /** Copies images into a folder; see {@link LibraryExport#copy}. */
  public List<Path> exportCopy(Collection<Long> ids, Path targetFolder) {
    return LibraryExport.copy(imagesOf(ids), targetFolder);
  }

  /** Writes images into a zip file; see {@link LibraryExport#zip}. */
  public Path exportZip(Collection<Long> ids, Path zipFile, boolean overwrite) {
    return LibraryExport.zip(imagesOf(ids), zipFile, overwrite);
  }

  private List<LibraryImage> imagesOf(Collection<Long> ids) {
    List<LibraryImage> images = new ArrayList<>();
    for (long id : ids) {
      LibraryImage img = get(id);
      if (img == null) {
        throw new MetadataException("Image " + id + " is not in the library.");
      }
      images.add(img);
    }
    return images;
  }

  @Override
  public synchronized void close() {
    try {
      index.close();
    } catch (SQLException e) {
      throw indexFailure(e);
    }
  }

  // ---- helpers shared with LibraryScanner ----

  synchronized Map<String, long[]> fileStamps() {
    try {
      return index.fileStamps();
    } catch (SQLException e) {
      throw indexFailure(e);
    }
  }

  synchronized List<Long> indexWrite(List<LibraryIndex.Row> rows, List<String> remove) {
    try {
      return index.write(rows, remove);
    } catch (SQLException e) {
      throw indexFailure(e);
    }
  }

  /** Returns the file's path relative to the library folder, its name elements joined with "/". */
  String relative(Path file) {
    return LibraryPaths.relative(folder, file);
  }

  /** Reads PNG text through {@link PngText} (bounded). */
  static Map<String, String> readText(Path file) {
    return PngText.read(file);
  }

  private interface IoAction<T> {
    T run() throws IOException;
  }

  /** Runs {@code action} holding the folder's write lock, across threads and processes. */
  private <T> T withWriteLock(IoAction<T> action) throws IOException {
    ReentrantLock jvm = JVM_LOCKS.computeIfAbsent(folder, f -> new ReentrantLock());
    jvm.lock();
    try (FileChannel ch = FileChannel.open(meta.resolve("write.lock"), StandardOpenOption.CREATE,
            StandardOpenOption.WRITE);
        FileLock lock = ch.lock()) {
      return action.run();
    } finally {
      jvm.unlock();
    }
  }

  private void sql(String sql, Object... args) {
    try {
      index.update(sql, args);
    } catch (SQLException e) {
      throw indexFailure(e);
    }
  }

  private List<String> strings(String sql, Object... args) {
    try {
      return index.strings(sql, args);
    } catch (SQLException e) {
      throw indexFailure(e);
    }
  }

  private MetadataException busyIndex(SQLException e) {
    return new MetadataException("The library index " + dbFile + " is in use by another program"
        + " (it stayed locked for " + LibraryIndex.busyTimeoutMillis / 1000.0 + " s); try again when"
        + " that program is done, nothing was changed.", e);
  }

  private MetadataException indexFailure(SQLException e) {
    if (LibraryIndex.busy(e)) {
      return busyIndex(e);
    }
    return new MetadataException("The library index " + dbFile + " failed (" + e.getMessage()
        + "); run 'stepwise library rebuild' to rebuild it from the images.", e);
  }

  /**
   * Writes the curation journal from the index (after every favourite, gallery or tag change and
   * every delete). A failure is logged and the change stays in the index: the journal is a backup.
   */
  private void saveCuration() {
    ReentrantLock jvm = CURATION_LOCKS.computeIfAbsent(folder, f -> new ReentrantLock());
    jvm.lock();
    try (FileChannel ch = FileChannel.open(meta.resolve("curation.lock"),
            StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock lock = ch.lock()) {
      CurationJournal.write(meta, index.curation());
    } catch (IOException | SQLException e) {
      LOG.warn("Cannot write the curation journal in {}; favourites, galleries and tags stay in"
          + " the index only until the next change", meta, e);
    } finally {
      jvm.unlock();
    }
  }

  /** Gives an index without any curation (new, rebuilt or replaced) the journal's curation. */
  private void restoreCuration() {
    try {
      if (index.hasCuration()) {
        return;
      }
      var journal = CurationJournal.read(meta);
      if (journal.isPresent() && !journal.get().isEmpty()) {
        int restored = index.restore(journal.get(), System.currentTimeMillis());
        LOG.info("Restored {} favourite marks, gallery entries and tags from {}", restored,
            meta.resolve(CurationJournal.FILE));
      }
    } catch (SQLException e) {
      throw indexFailure(e);
    }
  }

  /** Moves a broken index (and its WAL files) aside; returns the new name of the main file. */
  private String moveAside() {
    String stamp = ImageNames.STAMP.format(java.time.LocalDateTime.now());
    Path aside = meta.resolve("library.db.corrupt-" + stamp + "-" + UUID.randomUUID());
    try {
      if (Files.exists(dbFile)) {
        Files.move(dbFile, aside);
      }
      for (String suffix : new String[] {"-wal", "-shm"}) {
        Path p = meta.resolve("library.db" + suffix);
        if (Files.exists(p)) {
          Files.move(p, meta.resolve(aside.getFileName() + suffix));
        }
      }
    } catch (IOException e) {
      throw new MetadataException("The library index " + dbFile
          + " is damaged and cannot be moved aside; delete it and open the library again.", e);
    }
    return aside.toString();
  }

  /**
   * Removes temporary files that a crash left behind (older than a minute): pending saves and the
   * temporary files of an atomic write, such as the curation journal's.
   */
  private void cleanPending() {
    long cutoff = System.currentTimeMillis() - 60_000;
    try (var s = Files.list(meta)) {
      s.filter(p -> p.getFileName().toString().matches("\\.?pending-.*")
              || AtomicWrite.isTemporary(p))
          .filter(p -> {
            try {
              return Files.getLastModifiedTime(p).toMillis() < cutoff;
            } catch (IOException e) {
              return false;
            }
          })
          .forEach(Library::deleteQuietly);
    } catch (IOException ignored) {
      // cleaning is best effort; a leftover temporary file is hidden and never indexed
    }
  }

  static void deleteQuietly(Path p) {
    try {
      Files.deleteIfExists(p);
    } catch (IOException ignored) {
      // best effort
    }
  }
}
