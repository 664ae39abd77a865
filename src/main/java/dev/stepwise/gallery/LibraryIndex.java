package dev.stepwise.gallery;

import dev.stepwise.metadata.MetadataException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.sqlite.SQLiteConfig;

/**
 * The library's SQLite index: one connection, WAL journal, a busy timeout so that several processes
 * can write, and immediate transactions so that a writer never fails half-way on a lock upgrade.
 * Not thread-safe; {@link Library} serialises calls.
 */
final class LibraryIndex implements AutoCloseable {
  /** Bumped when the schema changes; an index of another version is rebuilt. */
  static final int SCHEMA_VERSION = 1;

  private static final String[] SCHEMA = {
    "CREATE TABLE IF NOT EXISTS images(id INTEGER PRIMARY KEY, file TEXT NOT NULL UNIQUE,"
        + " size INTEGER NOT NULL, mtime INTEGER NOT NULL, created INTEGER NOT NULL,"
        + " model TEXT, seed INTEGER, prompt TEXT NOT NULL DEFAULT '', recipe TEXT, notice TEXT)",
    "CREATE INDEX IF NOT EXISTS images_created ON images(created)",
    "CREATE INDEX IF NOT EXISTS images_model ON images(model)",
    "CREATE TABLE IF NOT EXISTS favourites(image_id INTEGER PRIMARY KEY"
        + " REFERENCES images(id) ON DELETE CASCADE)",
    "CREATE TABLE IF NOT EXISTS galleries(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE,"
        + " created INTEGER NOT NULL)",
    "CREATE TABLE IF NOT EXISTS gallery_images(gallery_id INTEGER NOT NULL REFERENCES"
        + " galleries(id) ON DELETE CASCADE, image_id INTEGER NOT NULL REFERENCES images(id)"
        + " ON DELETE CASCADE, PRIMARY KEY(gallery_id, image_id))",
    "CREATE TABLE IF NOT EXISTS tags(image_id INTEGER NOT NULL REFERENCES images(id)"
        + " ON DELETE CASCADE, tag TEXT NOT NULL, PRIMARY KEY(image_id, tag))",
    "CREATE TABLE IF NOT EXISTS thumbnails(image_id INTEGER PRIMARY KEY REFERENCES images(id)"
        + " ON DELETE CASCADE, png BLOB NOT NULL)",
    "CREATE VIRTUAL TABLE IF NOT EXISTS image_text USING fts5(prompt, negative, model,"
        + " tokenize='unicode61')",
    // files a scan could not index, by size and modification time, so that the next scan does not
    // read them again until they change (issue 20, item 8); new in place, no version bump needed
    "CREATE TABLE IF NOT EXISTS skipped(file TEXT PRIMARY KEY, size INTEGER NOT NULL,"
        + " mtime INTEGER NOT NULL, reason TEXT NOT NULL)",
  };

  private final Connection db;
  private final Path folder;

  /** A row to write: the file relative to the library folder and what was read from it. */
  record Row(String file, long size, long mtime, Instant created, Recipe recipe, String notice) {}

  /** A file a scan could not index: its name, size, modification time and the sentence why. */
  record Skip(String file, long size, long mtime, String reason) {}

  /**
   * Opens (creating if needed) the index and checks it.
   *
   * @throws SQLException when the file is not a usable SQLite database or fails its integrity check
   */
  /** How long a statement waits for another process's lock before SQLite reports busy. */
  static volatile int busyTimeoutMillis = 30_000;

  /**
   * Whether {@code e} says the database is busy or locked by another connection (SQLITE_BUSY 5,
   * SQLITE_LOCKED 6, with their extended codes): the index is in use, not damaged.
   */
  static boolean busy(SQLException e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof SQLException s) {
        int primary = s.getErrorCode() & 0xff;
        String m = String.valueOf(s.getMessage()).toLowerCase(java.util.Locale.ROOT);
        if (primary == 5
            || primary == 6
            || m.contains("database is locked")
            || m.contains("sqlite_busy")) {
          return true;
        }
      }
    }
    return false;
  }

  LibraryIndex(Path dbFile, Path folder) throws SQLException {
    this.folder = folder;
    ensureNativeFolder();
    SQLiteConfig config = new SQLiteConfig();
    config.setJournalMode(SQLiteConfig.JournalMode.WAL);
    config.setSynchronous(SQLiteConfig.SynchronousMode.NORMAL);
    config.setBusyTimeout(busyTimeoutMillis);
    config.enforceForeignKeys(true);
    config.setTransactionMode(SQLiteConfig.TransactionMode.IMMEDIATE);
    db = config.createConnection("jdbc:sqlite:" + dbFile);
    try {
      try (Statement s = db.createStatement();
          ResultSet rs = s.executeQuery("PRAGMA quick_check")) {
        if (!rs.next() || !"ok".equals(rs.getString(1))) {
          throw new SQLException("integrity check failed");
        }
      }
      int version;
      try (Statement s = db.createStatement();
          ResultSet rs = s.executeQuery("PRAGMA user_version")) {
        version = rs.next() ? rs.getInt(1) : -1;
      }
      if (version != 0 && version != SCHEMA_VERSION) {
        throw new SQLException("schema version " + version + " is not " + SCHEMA_VERSION);
      }
      db.setAutoCommit(false);
      try (Statement s = db.createStatement()) {
        for (String sql : SCHEMA) {
          s.execute(sql);
        }
        s.execute("PRAGMA user_version = " + SCHEMA_VERSION);
      }
      db.commit();
      db.setAutoCommit(true);
    } catch (SQLException | RuntimeException e) {
      db.close();
      throw e;
    }
  }

  /**
   * Creates the folder sqlite-jdbc unpacks its native library into ({@code org.sqlite.tmpdir},
   * which {@code Stepwise.configureOffline} points into the cache); sqlite-jdbc does not create it.
   */
  private static void ensureNativeFolder() {
    String dir = System.getProperty("org.sqlite.tmpdir");
    if (dir != null) {
      try {
        java.nio.file.Files.createDirectories(Path.of(dir));
      } catch (java.io.IOException | RuntimeException ignored) {
        // sqlite-jdbc reports its own error when it cannot unpack
      }
    }
  }

  /** Returns file name to {size, mtime} for every row. */
  Map<String, long[]> fileStamps() throws SQLException {
    Map<String, long[]> m = new HashMap<>();
    try (Statement s = db.createStatement();
        ResultSet rs = s.executeQuery("SELECT file, size, mtime FROM images")) {
      while (rs.next()) {
        m.put(rs.getString(1), new long[] {rs.getLong(2), rs.getLong(3)});
      }
    }
    return m;
  }

  /** Returns file name to {size, mtime} for every file remembered as skipped. */
  Map<String, long[]> skippedStamps() throws SQLException {
    Map<String, long[]> m = new HashMap<>();
    try (Statement s = db.createStatement();
        ResultSet rs = s.executeQuery("SELECT file, size, mtime FROM skipped")) {
      while (rs.next()) {
        m.put(rs.getString(1), new long[] {rs.getLong(2), rs.getLong(3)});
      }
    }
    return m;
  }

  /** Inserts or updates rows, and drops rows of the given files, in one transaction. */
  List<Long> write(List<Row> rows, List<String> removeFiles) throws SQLException {
    return write(rows, removeFiles, List.of());
  }

  /**
   * Inserts or updates rows, drops rows of the given files and remembers skipped files, in one
   * transaction; a file written or removed is no longer remembered as skipped.
   */
  List<Long> write(List<Row> rows, List<String> removeFiles, List<Skip> skips) throws SQLException {
    List<Long> ids = new ArrayList<>();
    db.setAutoCommit(false);
    try {
      try (PreparedStatement up =
              db.prepareStatement(
                  "INSERT INTO images(file, size, mtime, created, model, seed, prompt, recipe,"
                      + " notice) VALUES(?,?,?,?,?,?,?,?,?) ON CONFLICT(file) DO UPDATE SET"
                      + " size=excluded.size, mtime=excluded.mtime, created=excluded.created,"
                      + " model=excluded.model, seed=excluded.seed, prompt=excluded.prompt,"
                      + " recipe=excluded.recipe, notice=excluded.notice RETURNING id");
          PreparedStatement ftsDel = db.prepareStatement("DELETE FROM image_text WHERE rowid=?");
          PreparedStatement ftsIns =
              db.prepareStatement(
                  "INSERT INTO image_text(rowid, prompt, negative, model) VALUES(?,?,?,?)");
          PreparedStatement thumbDel =
              db.prepareStatement("DELETE FROM thumbnails WHERE image_id=?")) {
        for (Row r : rows) {
          Recipe rc = r.recipe();
          up.setString(1, r.file());
          up.setLong(2, r.size());
          up.setLong(3, r.mtime());
          up.setLong(4, r.created().toEpochMilli());
          up.setString(5, rc == null ? null : rc.modelName());
          if (rc == null) {
            up.setNull(6, java.sql.Types.INTEGER);
          } else {
            up.setLong(6, rc.seed());
          }
          up.setString(7, rc == null ? "" : rc.prompt());
          up.setString(8, rc == null ? null : RecipeJson.write(rc));
          up.setString(9, r.notice());
          long id;
          try (ResultSet rs = up.executeQuery()) {
            rs.next();
            id = rs.getLong(1);
          }
          ids.add(id);
          ftsDel.setLong(1, id);
          ftsDel.executeUpdate();
          thumbDel.setLong(1, id);
          thumbDel.executeUpdate();
          ftsIns.setLong(1, id);
          ftsIns.setString(2, rc == null ? "" : rc.prompt());
          ftsIns.setString(3, rc == null ? "" : rc.negativePrompt());
          ftsIns.setString(4, modelWords(rc));
          ftsIns.executeUpdate();
        }
      }
      writeSkips(rows, removeFiles, skips);
      try (PreparedStatement find = db.prepareStatement("SELECT id FROM images WHERE file=?");
          PreparedStatement del = db.prepareStatement("DELETE FROM images WHERE id=?");
          PreparedStatement ftsDel = db.prepareStatement("DELETE FROM image_text WHERE rowid=?")) {
        for (String f : removeFiles) {
          find.setString(1, f);
          try (ResultSet rs = find.executeQuery()) {
            if (rs.next()) {
              long id = rs.getLong(1);
              del.setLong(1, id);
              del.executeUpdate();
              ftsDel.setLong(1, id);
              ftsDel.executeUpdate();
            }
          }
        }
      }
      db.commit();
      return ids;
    } catch (SQLException | RuntimeException e) {
      rollback(e);
      throw e;
    } finally {
      endTransaction();
    }
  }

  private void writeSkips(List<Row> rows, List<String> removeFiles, List<Skip> skips)
      throws SQLException {
    try (PreparedStatement forget = db.prepareStatement("DELETE FROM skipped WHERE file=?");
        PreparedStatement remember =
            db.prepareStatement(
                "INSERT OR REPLACE INTO skipped(file, size, mtime, reason) VALUES(?,?,?,?)")) {
      for (Row r : rows) {
        forget.setString(1, r.file());
        forget.executeUpdate();
      }
      for (String f : removeFiles) {
        forget.setString(1, f);
        forget.executeUpdate();
      }
      for (Skip k : skips) {
        remember.setString(1, k.file());
        remember.setLong(2, k.size());
        remember.setLong(3, k.mtime());
        remember.setString(4, k.reason());
        remember.executeUpdate();
      }
    }
  }

  /**
   * Rolls a failed transaction back, keeping {@code cause} as the failure: SQLite rolls back by
   * itself on some errors (SQLITE_FULL, SQLITE_IOERR), and a second rollback would then replace the
   * real reason with "no transaction is active" (issue 20, item 14).
   */
  private void rollback(Exception cause) {
    try {
      if (!db.getAutoCommit()) {
        db.rollback();
      }
    } catch (SQLException again) {
      cause.addSuppressed(again);
    }
  }

  /**
   * Back to autocommit after a transaction. sqlite-jdbc commits on the switch; after a rollback
   * SQLite made by itself there is nothing to commit, and that "no transaction is active" must not
   * replace the failure being thrown (it did: issue 20, item 14).
   */
  private void endTransaction() throws SQLException {
    try {
      db.setAutoCommit(true);
    } catch (SQLException e) {
      if (!String.valueOf(e.getMessage()).contains("no transaction is active")) {
        throw e;
      }
    }
  }

  /**
   * Whether {@code e} says the index could not grow: SQLITE_FULL (13), the disk (or the index's
   * size limit) is full. The index itself is fine; rebuilding it would not help.
   */
  static boolean full(SQLException e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof SQLException s
          && ((s.getErrorCode() & 0xff) == 13
              || String.valueOf(s.getMessage()).contains("database or disk is full"))) {
        return true;
      }
    }
    return false;
  }

  /** Runs a query and returns the images, newest first. */
  List<LibraryImage> find(LibraryQuery q) throws SQLException {
    StringBuilder sql =
        new StringBuilder(
            "SELECT i.id, i.file, i.recipe, i.notice, i.created, i.size, f.image_id IS NOT NULL"
                + " FROM images i LEFT JOIN favourites f ON f.image_id = i.id WHERE 1=1");
    List<Object> args = new ArrayList<>();
    List<String> text = new ArrayList<>();
    for (String w : q.words() == null ? new String[0] : q.words().strip().split("\\s+")) {
      if (w.length() > 1 && w.startsWith("#")) {
        // "#tag": images carrying that tag (tags are stored lower case)
        sql.append(" AND EXISTS (SELECT 1 FROM tags t WHERE t.image_id = i.id AND t.tag = ?)");
        args.add(w.substring(1).toLowerCase(Locale.ROOT));
      } else {
        text.add(w);
      }
    }
    String match = ftsQuery(String.join(" ", text));
    if (match != null) {
      sql.append(" AND i.id IN (SELECT rowid FROM image_text WHERE image_text MATCH ?)");
      args.add(match);
    }
    if (q.gallery() != null) {
      sql.append(
          " AND EXISTS (SELECT 1 FROM gallery_images gi JOIN galleries g"
              + " ON g.id = gi.gallery_id WHERE gi.image_id = i.id AND g.name = ?)");
      args.add(q.gallery());
    }
    if (q.favouritesOnly()) {
      sql.append(" AND f.image_id IS NOT NULL");
    }
    if (q.model() != null) {
      sql.append(" AND i.model = ?");
      args.add(q.model());
    }
    if (q.from() != null) {
      sql.append(" AND i.created >= ?");
      args.add(q.from().toEpochMilli());
    }
    if (q.to() != null) {
      sql.append(" AND i.created < ?");
      args.add(q.to().toEpochMilli());
    }
    sql.append(" ORDER BY i.created DESC, i.id DESC LIMIT ?");
    args.add(q.limit());
    return select(sql.toString(), args);
  }

  /** Returns one image, or null. */
  LibraryImage get(long id) throws SQLException {
    List<LibraryImage> l =
        select(
            "SELECT i.id, i.file, i.recipe, i.notice, i.created, i.size, f.image_id IS NOT NULL"
                + " FROM images i LEFT JOIN favourites f ON f.image_id = i.id WHERE i.id = ?",
            List.of(id));
    return l.isEmpty() ? null : l.get(0);
  }

  private List<LibraryImage> select(String sql, List<Object> args) throws SQLException {
    List<LibraryImage> out = new ArrayList<>();
    try (PreparedStatement ps = db.prepareStatement(sql)) {
      for (int i = 0; i < args.size(); i++) {
        ps.setObject(i + 1, args.get(i));
      }
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          String json = rs.getString(3);
          Recipe recipe = null;
          String notice = rs.getString(4);
          if (json != null) {
            try {
              recipe = RecipeJson.read(json);
            } catch (MetadataException e) {
              notice = e.getMessage();
            }
          }
          Path file = LibraryPaths.inside(folder, rs.getString(2));
          if (file == null) {
            continue; // a name that leads out of the library (crafted or stale): never acted on
          }
          out.add(
              new LibraryImage(
                  rs.getLong(1),
                  file,
                  recipe,
                  notice,
                  Instant.ofEpochMilli(rs.getLong(5)),
                  rs.getBoolean(7),
                  rs.getLong(6)));
        }
      }
    }
    return out;
  }

  /** The text search's model column: the model's name and the backend it was made on, if any. */
  private static String modelWords(Recipe rc) {
    String model = rc == null || rc.modelName() == null ? "" : rc.modelName();
    String backend = rc == null ? null : rc.backend();
    return backend == null ? model : (model + " " + backend).strip();
  }

  /**
   * Turns user words into an FTS5 query: every word quoted (so no FTS syntax leaks in) with a
   * prefix star, all words required; null when there are no words.
   */
  static String ftsQuery(String words) {
    if (words == null) {
      return null;
    }
    StringBuilder q = new StringBuilder();
    for (String w : words.strip().split("\\s+")) {
      String t = w.replace("\"", "").toLowerCase(Locale.ROOT);
      if (t.isEmpty() || t.chars().noneMatch(Character::isLetterOrDigit)) {
        continue;
      }
      if (q.length() > 0) {
        q.append(' ');
      }
      q.append('"').append(t).append("\"*");
    }
    return q.length() == 0 ? null : q.toString();
  }

  /** Favourites, galleries (empty ones too) and tags, by file: what the curation journal keeps. */
  CurationJournal.Curation curation() throws SQLException {
    List<String> favourites =
        strings("SELECT i.file FROM favourites f JOIN images i ON i.id = f.image_id");
    Map<String, List<String>> galleries = new HashMap<>();
    for (String name : strings("SELECT name FROM galleries")) {
      galleries.put(name, new ArrayList<>());
    }
    for (String[] pair :
        pairs(
            "SELECT g.name, i.file FROM gallery_images gi JOIN galleries g ON g.id = gi.gallery_id"
                + " JOIN images i ON i.id = gi.image_id")) {
      galleries.computeIfAbsent(pair[0], k -> new ArrayList<>()).add(pair[1]);
    }
    Map<String, List<String>> tags = new HashMap<>();
    for (String[] pair :
        pairs("SELECT i.file, t.tag FROM tags t JOIN images i ON i.id = t.image_id")) {
      tags.computeIfAbsent(pair[0], k -> new ArrayList<>()).add(pair[1]);
    }
    return new CurationJournal.Curation(favourites, galleries, tags);
  }

  /** True when any favourite, gallery or tag is indexed. */
  boolean hasCuration() throws SQLException {
    return !strings(
            "SELECT 1 FROM favourites UNION ALL SELECT 1 FROM galleries"
                + " UNION ALL SELECT 1 FROM tags LIMIT 1")
        .isEmpty();
  }

  /**
   * Puts a journal's curation back by file name, in one transaction. Files that are not indexed,
   * gallery names over 200 characters and tags over 100 are skipped (the journal is untrusted).
   *
   * @return how many favourite marks, gallery memberships and tags were restored
   */
  int restore(CurationJournal.Curation c, long now) throws SQLException {
    int restored = 0;
    db.setAutoCommit(false);
    try (PreparedStatement fav =
            db.prepareStatement(
                "INSERT OR IGNORE INTO favourites(image_id) SELECT id FROM images WHERE file = ?");
        PreparedStatement gal =
            db.prepareStatement("INSERT OR IGNORE INTO galleries(name, created) VALUES(?, ?)");
        PreparedStatement member =
            db.prepareStatement(
                "INSERT OR IGNORE INTO gallery_images(gallery_id, image_id) SELECT g.id, i.id"
                    + " FROM galleries g, images i WHERE g.name = ? AND i.file = ?");
        PreparedStatement tag =
            db.prepareStatement(
                "INSERT OR IGNORE INTO tags(image_id, tag) SELECT id, ? FROM images WHERE file"
                    + " = ?")) {
      for (String file : c.favourites()) {
        fav.setString(1, file);
        restored += fav.executeUpdate();
      }
      for (Map.Entry<String, List<String>> g : c.galleries().entrySet()) {
        String name = g.getKey().strip();
        if (name.isEmpty() || name.length() > 200) {
          continue;
        }
        gal.setString(1, name);
        gal.setLong(2, now);
        gal.executeUpdate();
        for (String file : g.getValue()) {
          member.setString(1, name);
          member.setString(2, file);
          restored += member.executeUpdate();
        }
      }
      for (Map.Entry<String, List<String>> t : c.tags().entrySet()) {
        for (String value : t.getValue()) {
          String normal = value.strip().toLowerCase(Locale.ROOT);
          if (normal.isEmpty() || normal.length() > 100) {
            continue;
          }
          tag.setString(1, normal);
          tag.setString(2, t.getKey());
          restored += tag.executeUpdate();
        }
      }
      db.commit();
    } catch (SQLException | RuntimeException e) {
      rollback(e);
      throw e;
    } finally {
      endTransaction();
    }
    return restored;
  }

  private List<String[]> pairs(String sql) throws SQLException {
    List<String[]> out = new ArrayList<>();
    try (Statement s = db.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      while (rs.next()) {
        out.add(new String[] {rs.getString(1), rs.getString(2)});
      }
    }
    return out;
  }

  /** Runs an update with arguments in its own transaction. */
  int update(String sql, Object... args) throws SQLException {
    try (PreparedStatement ps = db.prepareStatement(sql)) {
      for (int i = 0; i < args.length; i++) {
        ps.setObject(i + 1, args[i]);
      }
      return ps.executeUpdate();
    }
  }

  /** Returns the first column of every row as strings. */
  List<String> strings(String sql, Object... args) throws SQLException {
    List<String> out = new ArrayList<>();
    try (PreparedStatement ps = db.prepareStatement(sql)) {
      for (int i = 0; i < args.length; i++) {
        ps.setObject(i + 1, args[i]);
      }
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(rs.getString(1));
        }
      }
    }
    return out;
  }

  /** Returns the first column of the first row as bytes, or null. */
  byte[] bytes(String sql, Object... args) throws SQLException {
    try (PreparedStatement ps = db.prepareStatement(sql)) {
      for (int i = 0; i < args.length; i++) {
        ps.setObject(i + 1, args[i]);
      }
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? rs.getBytes(1) : null;
      }
    }
  }

  /** Counts the images. */
  int count() throws SQLException {
    try (Statement s = db.createStatement();
        ResultSet rs = s.executeQuery("SELECT count(*) FROM images")) {
      rs.next();
      return rs.getInt(1);
    }
  }

  @Override
  public void close() throws SQLException {
    db.close();
  }
}
