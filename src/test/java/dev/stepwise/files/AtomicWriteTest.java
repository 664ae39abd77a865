package dev.stepwise.files;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicWriteTest {
  @TempDir Path dir;

  @Test
  void writesANewFileAndLeavesNoTemporaryFile() throws Exception {
    Path file = dir.resolve("new.txt");
    AtomicWrite.writeString(file, "grüße");
    assertEquals("grüße", Files.readString(file, StandardCharsets.UTF_8));
    assertEquals(List.of("new.txt"), listing());
  }

  @Test
  void replacesAnExistingFile() throws Exception {
    Path file = dir.resolve("f.bin");
    Files.writeString(file, "old content that is longer");
    AtomicWrite.writeBytes(file, new byte[] {1, 2, 3});
    assertArrayEquals(new byte[] {1, 2, 3}, Files.readAllBytes(file));
    assertEquals(List.of("f.bin"), listing());
  }

  @Test
  void writesThroughATemporaryFileBesideTheTarget() throws Exception {
    Path file = dir.resolve("f.txt");
    Files.writeString(file, "old");
    List<String> during = new ArrayList<>();
    AtomicWrite.write(
        file,
        out -> {
          out.write("new".getBytes(StandardCharsets.UTF_8));
          out.flush();
          during.addAll(listing());
          assertEquals("old", Files.readString(file), "the target is untouched until the rename");
        });
    assertEquals(2, during.size(), during.toString());
    String tmp = during.get(0);
    assertTrue(tmp.startsWith(".f.txt.") && tmp.endsWith(".tmp"), tmp);
    assertTrue(AtomicWrite.isTemporary(dir.resolve(tmp)), tmp);
    assertFalse(AtomicWrite.isTemporary(file));
    assertEquals("new", Files.readString(file));
    assertEquals(List.of("f.txt"), listing());
  }

  @Test
  void aFailingCallbackKeepsTheOldFileAndLeavesNoTemporaryFile() throws Exception {
    Path file = dir.resolve("keep.txt");
    Files.writeString(file, "old");
    IOException io = new IOException("disk full");
    IOException thrown =
        assertThrows(
            IOException.class,
            () ->
                AtomicWrite.write(
                    file,
                    out -> {
                      out.write(new byte[100_000]);
                      throw io;
                    }));
    assertSame(io, thrown);
    IllegalStateException bug = new IllegalStateException("bug");
    assertSame(
        bug,
        assertThrows(
            IllegalStateException.class,
            () ->
                AtomicWrite.write(
                    file,
                    out -> {
                      out.write(1);
                      throw bug;
                    })));
    assertEquals("old", Files.readString(file));
    assertEquals(List.of("keep.txt"), listing());
  }

  @Test
  void aFailedRenameLeavesTheTargetAndNoTemporaryFile() throws Exception {
    Path target = dir.resolve("busy");
    Files.createDirectory(target);
    Files.writeString(target.resolve("inside.txt"), "keep");
    assertThrows(IOException.class, () -> AtomicWrite.writeString(target, "x"));
    assertTrue(Files.isDirectory(target));
    assertEquals("keep", Files.readString(target.resolve("inside.txt")));
    assertEquals(List.of("busy"), listing());
  }

  @Test
  void aMissingFolderIsReportedAndNothingIsCreated() {
    assertThrows(
        NoSuchFileException.class, () -> AtomicWrite.writeString(dir.resolve("no/x.txt"), "x"));
    assertFalse(Files.exists(dir.resolve("no")));
  }

  @Test
  void aCallbackMayCloseTheStreamItWasGiven() throws Exception {
    Path zip = dir.resolve("a.zip");
    AtomicWrite.write(
        zip,
        out -> {
          try (ZipOutputStream z = new ZipOutputStream(out)) {
            z.putNextEntry(new ZipEntry("one.txt"));
            z.write("1".getBytes(StandardCharsets.UTF_8));
            z.closeEntry();
          }
        });
    try (ZipInputStream in = new ZipInputStream(Files.newInputStream(zip))) {
      assertEquals("one.txt", in.getNextEntry().getName());
      assertEquals("1", new String(in.readAllBytes(), StandardCharsets.UTF_8));
    }
    assertEquals(List.of("a.zip"), listing());
  }

  @Test
  void theFileGetsTheUsualPermissionsOfANewFile() throws Exception {
    assumeTrue(Files.getFileAttributeView(dir, PosixFileAttributeView.class) != null, "no POSIX");
    Path plain = Files.createFile(dir.resolve("plain"));
    Path atomic = dir.resolve("atomic");
    AtomicWrite.writeString(atomic, "x");
    assertEquals(Files.getPosixFilePermissions(plain), Files.getPosixFilePermissions(atomic));
  }

  private List<String> listing() throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }
}
