package dev.stepwise.gallery.bench;

import dev.stepwise.gallery.Library;
import dev.stepwise.gallery.LibraryImage;
import dev.stepwise.gallery.LibraryQuery;
import dev.stepwise.gallery.Recipe;
import dev.stepwise.gallery.ScanReport;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * Measures the library with many small synthetic images: saving (PNG + recipe + index row),
 * indexing a folder from scratch, re-reading it, full-text search latency and thumbnails.
 *
 * <p>Usage: {@code java -cp ... dev.stepwise.gallery.bench.LibraryBenchmark [IMAGES [FOLDER]]}
 * (default 10000 images in a new temporary folder, which is kept so that the grid benchmark can
 * scroll it). A folder that already holds images is not filled again.
 */
public final class LibraryBenchmark {
  private static final String[] WORDS =
      ("cat dog fox owl whale frog horse tiger castle forest"
              + " river mountain desert ocean city street garden window portrait landscape red blue"
              + " green golden silver dark bright misty snowy sunny night dawn dusk painting photo"
              + " sketch watercolor oil pixel emoji icon heart star moon sun cloud rain storm fire"
              + " ice glass stone wood metal paper flower tree leaf bird fish boat train robot"
              + " dragon knight wizard queen king child old young happy sad calm wild tiny huge")
          .split(" ");

  private LibraryBenchmark() {}

  /** Runs the benchmark and prints one line per figure. */
  public static void main(String[] args) throws IOException {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
    Path folder = args.length > 1 ? Path.of(args[1]) : Files.createTempDirectory("stepwise-bench");
    Random rnd = new Random(42);
    System.out.printf(
        Locale.ROOT,
        "library benchmark: %d images in %s (%d cores, %s)%n",
        n,
        folder,
        Runtime.getRuntime().availableProcessors(),
        System.getProperty("java.version"));

    try (Library lib = Library.open(folder)) {
      int have = lib.count();
      if (have < n) {
        long t0 = System.nanoTime();
        for (int i = have; i < n; i++) {
          lib.save(64, 64, pixels(i), recipe(rnd, i));
        }
        double s = (System.nanoTime() - t0) / 1e9;
        System.out.printf(
            Locale.ROOT,
            "save (64x64 PNG, both chunks, fsync, index row): %d images"
                + " in %.1f s = %.0f images/s%n",
            n - have,
            s,
            (n - have) / s);
      }
    }

    Files.delete(folder.resolve(Library.META_FOLDER).resolve("library.db"));
    for (String suffix : new String[] {"-wal", "-shm"}) {
      Files.deleteIfExists(folder.resolve(Library.META_FOLDER).resolve("library.db" + suffix));
    }
    long t0 = System.nanoTime();
    try (Library lib = Library.open(folder)) {
      double s = (System.nanoTime() - t0) / 1e9;
      ScanReport r = lib.openReport();
      System.out.printf(
          Locale.ROOT,
          "index from scratch (open with no index): %d images in %.2f" + " s = %.0f images/s%n",
          r.added(),
          s,
          r.added() / s);

      t0 = System.nanoTime();
      ScanReport again = lib.scan();
      System.out.printf(
          Locale.ROOT,
          "scan with nothing changed: %.0f ms (%d added)%n",
          (System.nanoTime() - t0) / 1e6,
          again.added());

      t0 = System.nanoTime();
      ScanReport rebuilt = lib.rebuild();
      s = (System.nanoTime() - t0) / 1e9;
      System.out.printf(
          Locale.ROOT, "rebuild (re-read every PNG): %d images in %.2f s%n", rebuilt.updated(), s);

      t0 = System.nanoTime();
      List<LibraryImage> all = lib.find(LibraryQuery.ALL);
      System.out.printf(
          Locale.ROOT,
          "list all %d images (rows + recipe JSON): %.0f ms%n",
          all.size(),
          (System.nanoTime() - t0) / 1e6);

      int queries = 500;
      double[] ms = new double[queries];
      long hits = 0;
      for (int i = 0; i < queries + 50; i++) {
        String q =
            WORDS[rnd.nextInt(WORDS.length)]
                + (i % 2 == 0 ? " " + WORDS[rnd.nextInt(WORDS.length)] : "");
        long q0 = System.nanoTime();
        List<LibraryImage> found = lib.find(LibraryQuery.search(q));
        if (i >= 50) { // the first 50 warm up
          ms[i - 50] = (System.nanoTime() - q0) / 1e6;
          hits += found.size();
        }
      }
      Arrays.sort(ms);
      System.out.printf(
          Locale.ROOT,
          "search (%d queries of 1-2 words, all hits returned, mean %d"
              + " hits): median %.2f ms, p95 %.2f ms, max %.2f ms%n",
          queries,
          hits / queries,
          ms[queries / 2],
          ms[queries * 95 / 100],
          ms[queries - 1]);

      int thumbs = Math.min(200, all.size());
      t0 = System.nanoTime();
      for (int i = 0; i < thumbs; i++) {
        lib.thumbnail(all.get(i).id());
      }
      double cold = (System.nanoTime() - t0) / 1e6 / thumbs;
      t0 = System.nanoTime();
      for (int i = 0; i < thumbs; i++) {
        lib.thumbnail(all.get(i).id());
      }
      double warm = (System.nanoTime() - t0) / 1e6 / thumbs;
      System.out.printf(
          Locale.ROOT, "thumbnail: %.2f ms made, %.3f ms cached (per image)%n", cold, warm);
    }
    System.out.println("folder kept for the grid benchmark: " + folder);
  }

  private static Recipe recipe(Random rnd, int i) {
    List<String> words = new ArrayList<>();
    for (int w = 0; w < 8; w++) {
      words.add(WORDS[rnd.nextInt(WORDS.length)]);
    }
    return new Recipe(
        String.join(" ", words),
        "blurry, low quality",
        "model-" + (i % 3),
        "0123456789",
        i % 2 == 0 ? "euler_a" : "dpmpp_2m",
        i % 4 == 0,
        20,
        7.5,
        0,
        rnd.nextLong() & 0xFFFFFFFFL,
        64,
        64,
        1000 + i,
        "Stepwise bench",
        Instant.parse("2026-01-01T00:00:00Z").plusSeconds(i * 600L),
        Map.of());
  }

  private static byte[] pixels(int i) {
    byte[] rgb = new byte[64 * 64 * 3];
    for (int p = 0; p < 64 * 64; p++) {
      int x = p % 64;
      int y = p / 64;
      rgb[p * 3] = (byte) (x * 4 + i);
      rgb[p * 3 + 1] = (byte) (y * 4);
      rgb[p * 3 + 2] = (byte) (i * 7);
    }
    return rgb;
  }
}
