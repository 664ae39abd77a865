package dev.stepwise;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** docs/architecture.md: no production file over 600 lines, no view model over 350. */
class SourceLimitsTest {
  @Test
  void productionFilesAndViewModelsStayWithinTheirLimits() throws IOException {
    List<Path> files;
    try (Stream<Path> s = Files.walk(Path.of("src/main/java"))) {
      files = s.filter(p -> p.toString().endsWith(".java")).collect(Collectors.toList());
    }
    assertTrue(files.size() > 100, "the sources were found: " + files.size());
    List<String> over =
        files.stream()
            .filter(
                p -> {
                  long limit = p.getFileName().toString().endsWith("ViewModel.java") ? 350 : 600;
                  try (Stream<String> lines = Files.lines(p)) {
                    return lines.count() > limit;
                  } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                  }
                })
            .map(Path::toString)
            .collect(Collectors.toList());
    assertEquals(List.of(), over, "split these files (docs/architecture.md, Limits)");
  }
}
