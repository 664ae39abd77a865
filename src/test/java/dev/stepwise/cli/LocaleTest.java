package dev.stepwise.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stepwise.gallery.Library;
import dev.stepwise.gallery.LibraryImage;
import dev.stepwise.gallery.LibraryQuery;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 20, items 7 and 15: with LANG unset Java reads the command line and file names as ASCII, so
 * "héart ❤️" arrived as "h\uFFFD\uFFFDart ..." and was generated from and recorded that way.
 */
@Tag("hostile")
class LocaleTest {
  @TempDir Path dir;

  @Test
  void anArgumentThatWasNotDecodedIsRefusedInOneSentence() {
    assertEquals(
        "The argument 'h\uFFFD\uFFFDart' holds characters that the current locale"
            + " (ANSI_X3.4-1968) cannot decode; set a UTF-8 locale, for example LANG=C.UTF-8, and"
            + " run the command again.",
        Main.undecodedArgument(new String[] {"--prompt", "h\uFFFD\uFFFDart"}, "ANSI_X3.4-1968"));
    assertEquals(
        "The argument 'bad\uFFFD' is not valid UTF-8 text (U+FFFD marks the bytes that are not);"
            + " give it as UTF-8.",
        Main.undecodedArgument(new String[] {"bad\uFFFD"}, "UTF-8"));
    assertNull(Main.undecodedArgument(new String[] {"--prompt", "héart ❤️"}, "UTF-8"));
    assertNull(Main.undecodedArgument(new String[0], "ANSI_X3.4-1968"));
    LibraryCliTest.Run r = LibraryCliTest.cli("library", "search", "h\uFFFDart");
    assertEquals(2, r.code());
    assertTrue(r.err().startsWith("stepwise: The argument 'h\uFFFDart' "), r.err());
    assertEquals(1, r.err().lines().count(), r.err());
  }

  /** The real thing: a JVM started with no locale, given a UTF-8 prompt. */
  @Test
  void withoutAUtf8LocaleAPromptIsRefusedNotRecordedAsMojibake() throws Exception {
    Path out = dir.resolve("x.png");
    Run r =
        runWithoutLocale(
            "generate", "--prompt", "héart ❤️", "--steps", "1", "--out", out.toString());
    assertEquals(2, r.code(), r.output());
    assertTrue(
        r.output().contains("cannot decode; set a UTF-8 locale, for example LANG=C.UTF-8"),
        r.output());
    assertFalse(Files.exists(out));
  }

  /**
   * A library opened with no locale cannot spell "café.png": its row, favourite included, is kept
   * (not dropped as gone), and the file is not indexed a second time under a mangled name.
   */
  @Test
  void aLibraryOpenedWithoutALocaleKeepsItsNonAsciiImages() throws Exception {
    Path folder = dir.resolve("lib");
    try (Library lib = Library.open(folder)) {
      LibraryImage img = lib.save(1, 1, new byte[3], LibraryCliTest.recipe("a café", 1));
      Files.move(img.file(), img.file().resolveSibling("café.png"));
      lib.scan();
      LibraryImage moved = lib.find(LibraryQuery.ALL).get(0);
      assertEquals("café.png", moved.name());
      lib.setFavourite(moved.id(), true);
    }
    Run r = runWithoutLocale("library", "list", "--library", folder.toString());
    assertEquals(0, r.code(), r.output());
    assertTrue(
        r.output()
            .contains(
                "note: The file caf??.png is not indexed: its name is not valid text in this"
                    + " system's file-name encoding (ANSI_X3.4-1968); run Stepwise under a UTF-8"
                    + " locale (for example LANG=C.UTF-8) or rename it."),
        r.output());
    try (Library lib = Library.open(folder)) {
      List<LibraryImage> all = lib.find(LibraryQuery.ALL);
      assertEquals(1, all.size());
      assertEquals("café.png", all.get(0).name());
      assertTrue(all.get(0).favourite());
    }
  }

  record Run(int code, String output) {}

  private Run runWithoutLocale(String... args) throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(dev.stepwise.Main.class.getName());
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    Map<String, String> env = pb.environment();
    env.keySet().removeIf(k -> k.equals("LANG") || k.startsWith("LC_") || k.equals("LANGUAGE"));
    Path home = Files.createDirectories(dir.resolve("home"));
    env.put("HOME", home.toString());
    env.put("XDG_CACHE_HOME", home.resolve("cache").toString());
    env.put("XDG_STATE_HOME", home.resolve("state").toString());
    env.put("XDG_DATA_HOME", home.resolve("data").toString());
    env.put("XDG_CONFIG_HOME", home.resolve("config").toString());
    Process p = pb.start();
    byte[] output = p.getInputStream().readAllBytes();
    assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the command timed out");
    return new Run(p.exitValue(), new String(output, StandardCharsets.UTF_8));
  }
}
