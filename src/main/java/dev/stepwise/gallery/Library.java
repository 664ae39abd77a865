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
 * and modification time); an index that is missing, corrupt or of another schema is moved aside and
 * rebuilt from the files. Saving writes the PNG to a hidden temporary file, renames it to a free
 * readable name under a lock shared by every process, and only then adds the index row. Several
 * {@code Library} objects, in one process or many, may use one folder at once. Methods are
 * thread-safe. Index and trash ({@link LibraryTrash}) live in the folder's {@code .stepwise}
 * subfolder, with the curation journal that gives a rebuilt index its favourites, galleries and
 * tags back ({@link LibraryCuration}).
 */
public final class Library implements AutoCloseable {
  /** Hidden folder inside the library for the index, lock and trash. */
  public static final String META_FOLDER = ".stepwise";

  /** Deleted images stay in the trash this long; opening a library removes older ones. */
  public static final java.time.Duration TRASH_KEEP = java.time.Duration.ofDays(30);

  private static final Map<Path, ReentrantLock> JVM_LOCKS = new ConcurrentHashMap<>();
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Library.class);

  private final Path folder;
  private final Path meta;
  private final Path dbFile;
  private final LibraryIndex index;
  private final LibraryCuration curation;
  private final LibraryTrash trash;
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
    this.curation = new LibraryCuration(this, opened);
    this.trash = new LibraryTrash(this, curation);
    cleanPending();
    try {
      emptyTrash(TRASH_KEEP);
    } catch (MetadataException e) {
      LOG.warn("Cannot empty the old part of the trash in {}", meta, e);
    }
    ScanReport scan = scan();
    curation.restoreFromJournal();
    this.openReport =
        new ScanReport(scan.added(), scan.updated(), scan.removed(), scan.skipped(), movedAside);
  }

  /**
   * Creates the library folder (and its metadata and trash) and returns its real path: a library
   * folder that is a symbolic link is scanned and acted on where the link leads (issue 20, item 5:
   * a linked library was never scanned).
   */
  private static Path realFolder(Path folder) {
    try {
      Files.createDirectories(folder.resolve(META_FOLDER).resolve(LibraryTrash.FOLDER));
      return folder.toRealPath();
    } catch (IOException e) {
      throw new MetadataException(
          "Cannot create the library folder " + folder + "; check that it is writable.", e);
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
      target =
          withWriteLock(
              () -> {
                Path t = ImageNames.free(folder, r);
                Files.move(pending, t, StandardCopyOption.ATOMIC_MOVE);
                return t;
              });
    } catch (IOException | RuntimeException e) {
      deleteQuietly(pending);
      if (e instanceof MetadataException m) {
        throw m;
      }
      throw new MetadataException(
          "Cannot save the image into the library "
              + folder
              + "; check that the folder is writable and the disk has room.",
          e);
    }
    try {
      LibraryIndex.Row row =
          new LibraryIndex.Row(
              relative(target),
              Files.size(target),
              Files.getLastModifiedTime(target).toMillis(),
              r.createdAt(),
              r,
              null);
      long id = indexWrite(List.of(row), List.of()).get(0);
      return get(id);
    } catch (IOException | MetadataException e) {
      // the PNG is complete and is the truth: the next scan indexes it (issue 20, item 14)
      throw new MetadataException(
          "The image "
              + target
              + " was saved and will be indexed the next time the library is opened. "
              + e.getMessage(),
          e);
    }
  }

  /**
   * Returns the PNG text chunks that carry a recipe: A1111 {@code parameters} (read by other tools)
   * and the Stepwise JSON under {@link RecipeJson#KEYWORD}, in that order.
   */
  public static Map<String, String> textChunks(Recipe recipe) {
    Map<String, String> chunks = new LinkedHashMap<>();
    chunks.put("parameters", dev.stepwise.metadata.InfoText.format(recipe.toParameters()));
    chunks.put(RecipeJson.KEYWORD, RecipeJson.write(recipe));
    return chunks;
  }

  /**
   * Keeps a picture a run started from (init image, mask) in {@code .stepwise/inputs/} and returns
   * the hash a recipe names it by ({@link LibraryInputs}).
   */
  public String keepInput(int width, int height, byte[] rgb) {
    return LibraryInputs.keep(meta, width, height, rgb);
  }

  /** The kept picture a recipe's hash names, or null when the library has none. */
  public Path input(String hash) {
    return LibraryInputs.find(meta, hash);
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
    return rebuild((done, total) -> {});
  }

  /**
   * As {@link #rebuild()}, telling {@code progress} (files done, files in all) after each file, on
   * this thread.
   */
  public ScanReport rebuild(java.util.function.BiConsumer<Integer, Integer> progress) {
    return LibraryScanner.scan(this, true, progress);
  }

  /** Marks or unmarks an image as a favourite. */
  public synchronized void setFavourite(long id, boolean favourite) {
    curation.setFavourite(id, favourite);
  }

  /** Returns the gallery names, sorted. */
  public synchronized List<String> galleries() {
    return curation.galleries();
  }

  /**
   * Adds images to a gallery, creating it when new.
   *
   * @throws MetadataException when the name is blank or longer than 200 characters
   */
  public synchronized void addToGallery(String gallery, Collection<Long> ids) {
    curation.addToGallery(gallery, ids);
  }

  /** Removes images from a gallery (the images stay in the library). */
  public synchronized void removeFromGallery(String gallery, Collection<Long> ids) {
    curation.removeFromGallery(gallery, ids);
  }

  /** Deletes a gallery; its images stay in the library. */
  public synchronized void deleteGallery(String gallery) {
    curation.deleteGallery(gallery);
  }

  /** Returns the galleries an image is in. */
  public synchronized List<String> galleriesOf(long id) {
    return curation.galleriesOf(id);
  }

  /** Adds a tag to an image (tags are stored lower case, without surrounding spaces). */
  public synchronized void tag(long id, String tag) {
    curation.tag(id, tag);
  }

  /** Removes a tag from an image. */
  public synchronized void untag(long id, String tag) {
    curation.untag(id, tag);
  }

  /** Returns an image's tags, sorted. */
  public synchronized List<String> tags(long id) {
    return curation.tags(id);
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
      sql(
          "INSERT OR REPLACE INTO thumbnails(image_id, png) SELECT id, ? FROM images WHERE id=?",
          png,
          id);
    }
    return png;
  }

  /**
   * Moves images to the library's trash and drops them from the index; {@link #undoDelete} puts
   * them back.
   */
  public synchronized DeletedImages delete(Collection<Long> ids) {
    return trash.delete(ids);
  }

  /** Puts deleted images back where they were, with their favourite mark, galleries and tags. */
  public synchronized List<LibraryImage> undoDelete(DeletedImages deleted) {
    return trash.undoDelete(deleted);
  }

  /**
   * Removes trash entries deleted more than {@code olderThan} ago ({@link java.time.Duration#ZERO}:
   * all of them). The deletion time comes from the trash name; an entry without one counts from its
   * file's modification time. Images removed here can no longer be restored by {@link #undoDelete}.
   *
   * @throws MetadataException when the trash cannot be read
   */
  public synchronized EmptiedTrash emptyTrash(java.time.Duration olderThan) {
    return trash.empty(olderThan);
  }

  /** Copies images into a folder; see {@link LibraryExport#copy}. */
  public List<Path> exportCopy(Collection<Long> ids, Path targetFolder) {
    return LibraryExport.copy(imagesOf(ids), targetFolder);
  }

  /** As {@link #exportCopy(Collection, Path)}, telling {@code listener} after each image. */
  public List<Path> exportCopy(Collection<Long> ids, Path to, LibraryExport.Listener listener) {
    return LibraryExport.copy(imagesOf(ids), to, listener);
  }

  /** Writes images into a zip file; see {@link LibraryExport#zip}. */
  public Path exportZip(Collection<Long> ids, Path zipFile, boolean overwrite) {
    return LibraryExport.zip(imagesOf(ids), zipFile, overwrite);
  }

  /** As {@link #exportZip}, telling {@code listener} after each image. */
  public Path exportZip(Collection<Long> ids, Path zip, boolean over, LibraryExport.Listener l) {
    return LibraryExport.zip(imagesOf(ids), zip, over, l);
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

  // ---- helpers shared with LibraryScanner, LibraryCuration and LibraryTrash ----

  synchronized Map<String, long[]> fileStamps() {
    try {
      return index.fileStamps();
    } catch (SQLException e) {
      throw indexFailure(e);
    }
  }

  synchronized List<Long> indexWrite(List<LibraryIndex.Row> rows, List<String> remove) {
    return indexWrite(rows, remove, List.of());
  }

  synchronized List<Long> indexWrite(
      List<LibraryIndex.Row> rows, List<String> remove, List<LibraryIndex.Skip> skips) {
    try {
      return index.write(rows, remove, skips);
    } catch (SQLException e) {
      throw indexFailure(e);
    }
  }

  synchronized Map<String, long[]> skippedStamps() {
    try {
      return index.skippedStamps();
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

  /** The library's metadata folder ({@value #META_FOLDER}). */
  Path meta() {
    return meta;
  }

  /** Something done with the write lock held. */
  interface IoAction<T> {
    T run() throws IOException;
  }

  /** Runs {@code action} holding the folder's write lock, across threads and processes. */
  <T> T withWriteLock(IoAction<T> action) throws IOException {
    ReentrantLock jvm = JVM_LOCKS.computeIfAbsent(folder, f -> new ReentrantLock());
    jvm.lock();
    try (FileChannel ch =
            FileChannel.open(
                meta.resolve("write.lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock lock = ch.lock()) {
      return action.run();
    } finally {
      jvm.unlock();
    }
  }

  /** Runs an index update, reporting a failure as a {@link MetadataException}. */
  void sql(String sql, Object... args) {
    try {
      index.update(sql, args);
    } catch (SQLException e) {
      throw indexFailure(e);
    }
  }

  /** Runs an index query for strings, reporting a failure as a {@link MetadataException}. */
  List<String> strings(String sql, Object... args) {
    try {
      return index.strings(sql, args);
    } catch (SQLException e) {
      throw indexFailure(e);
    }
  }

  private MetadataException busyIndex(SQLException e) {
    return new MetadataException(
        "The library index "
            + dbFile
            + " is in use by another program"
            + " (it stayed locked for "
            + LibraryIndex.busyTimeoutMillis / 1000.0
            + " s); try again"
            + " when that program is done, nothing was changed.",
        e);
  }

  /** The exception that reports an index failure: busy, or damaged and to be rebuilt. */
  MetadataException indexFailure(SQLException e) {
    if (LibraryIndex.busy(e)) {
      return busyIndex(e);
    }
    if (LibraryIndex.full(e)) {
      return new MetadataException(
          "The library index "
              + dbFile
              + " could not be written: the disk is full ("
              + e.getMessage()
              + "); the index was left as it was, free some space and try again.",
          e);
    }
    return new MetadataException(
        "The library index "
            + dbFile
            + " failed ("
            + e.getMessage()
            + "); run 'stepwise library rebuild' to rebuild it from the images.",
        e);
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
      throw new MetadataException(
          "The library index "
              + dbFile
              + " is damaged and cannot be moved aside; delete it and open the library again.",
          e);
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
      s.filter(
              p ->
                  p.getFileName().toString().matches("\\.?pending-.*")
                      || AtomicWrite.isTemporary(p))
          .filter(
              p -> {
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
