package dev.stepwise.metadata;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;

/**
 * The corpus of other tools' images (src/test/resources/metadata-corpus, README.md there), kept
 * gzipped in the repository and unzipped once per test run into a temporary folder.
 */
public final class MetadataCorpus {
  private static final Path SOURCE = Path.of("src/test/resources/metadata-corpus");
  private static Path dir;

  private MetadataCorpus() {}

  /** The folder holding the corpus images, unzipped. */
  public static synchronized Path dir() {
    if (dir == null) {
      try {
        Path d = Files.createTempDirectory("metadata-corpus");
        d.toFile().deleteOnExit();
        for (String name : images()) {
          try (InputStream in = new GZIPInputStream(Files.newInputStream(source(name)))) {
            Path f = d.resolve(name);
            Files.copy(in, f);
            f.toFile().deleteOnExit();
          }
        }
        dir = d;
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return dir;
  }

  /** One corpus image, unzipped. */
  public static Path file(String name) {
    return dir().resolve(name);
  }

  /** The names of the corpus images, sorted. */
  public static List<String> images() throws IOException {
    try (Stream<Path> s = Files.list(SOURCE)) {
      return s.map(p -> p.getFileName().toString())
          .filter(n -> n.matches(".*\\.(png|jpg|webp)\\.gz"))
          .map(n -> n.substring(0, n.length() - 3))
          .sorted()
          .toList();
    }
  }

  /** expected.json, or a1111-reference.json (kept gzipped). */
  public static JsonObject json(String name) throws IOException {
    Path p = SOURCE.resolve(name);
    String text =
        Files.exists(p)
            ? Files.readString(p, StandardCharsets.UTF_8)
            : new String(
                new GZIPInputStream(Files.newInputStream(source(name))).readAllBytes(),
                StandardCharsets.UTF_8);
    return JsonParser.parseString(text).getAsJsonObject();
  }

  private static Path source(String name) {
    return SOURCE.resolve(name + ".gz");
  }
}
