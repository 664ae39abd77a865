package dev.stepwise.engine.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stepwise.engine.EngineException;
import dev.stepwise.engine.backend.BackendsConfig.Entry;
import dev.stepwise.engine.backend.BackendsConfig.Kind;
import dev.stepwise.files.AtomicWrite;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 15: the named backends file, read as an untrusted file and written atomically. */
class BackendsConfigTest {
  @TempDir Path dir;

  private BackendsConfig config() {
    return new BackendsConfig(dir.resolve("cfg").resolve("backends.json"));
  }

  @Test
  void roundTripKeepsOrderKindEnabledAndCredentialsButNeverShowsThem() throws Exception {
    BackendsConfig c = config();
    assertEquals(List.of(), c.load(), "no file: no backends");
    List<Entry> all =
        List.of(
            new Entry("gpu-box", "http://artist:s3cret@gpu-box:7860", Kind.A1111, true),
            new Entry("comfy.1", "http://10.0.0.2:8188/", Kind.COMFYUI, false));
    c.save(all);
    assertEquals(all, c.load());
    assertEquals("http://gpu-box:7860", all.get(0).shownUrl());
    String text = Files.readString(c.file());
    assertTrue(text.contains("\"kind\": \"comfyui\""), text);
    assertEquals(
        "rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(c.file())));
    try (Backend b = BackendsConfig.backend(all.get(0))) {
      assertEquals("gpu-box", b.name(), "a configured backend goes by its name");
    }
    try (Backend b = BackendsConfig.backend("http://u:p@host:7860", null, null)) {
      assertEquals("http://host:7860", b.name(), "an unnamed one by its URL without credentials");
    }
    try (Backend b = BackendsConfig.backend(all.get(1))) {
      assertEquals("comfy.1", b.name(), "a ComfyUI entry by its name too");
    }
  }

  @Test
  void hostileFilesGiveOneSentenceNamingTheEntryAndField() throws Exception {
    Path f = dir.resolve("backends.json");
    BackendsConfig c = new BackendsConfig(f);
    String good = "{\"name\": \"a\", \"url\": \"http://a:1\"}";
    String[][] cases = {
      {"{\"backends\": [" + good, "is not valid JSON (it may be truncated)"},
      {"", "is not valid JSON"},
      {"{\"backends\": [" + good + "]} trailing", "is not valid JSON"},
      {"{'backends': []}", "is not valid JSON"},
      {"[" + good + "]", "is not an object with a \"backends\" list."},
      {"{\"backends\": {}}", "\"backends\" is not a list of entries."},
      {"{\"backends\": [7]}", "The backend entry 1 in " + f + " is not an object"},
      {
        "{\"backends\": [" + good + ", {\"name\": 5, \"url\": \"http://b:1\"}]}",
        "The backend entry 2 in " + f + " has a \"name\" that is not a text."
      },
      {"{\"backends\": [{\"name\": \"b\"}]}", "The backend entry 1 in " + f + " has no \"url\""},
      {
        "{\"backends\": [{\"name\": \"../x\", \"url\": \"http://b:1\"}]}",
        "has a bad \"name\": The backend name '../x' is not allowed"
      },
      {
        "{\"backends\": [{\"name\": \"b\", \"url\": \"http://u:pw9@b:1/x?y\"}]}",
        "The backend b in " + f + " has a bad \"url\": it has a path"
      },
      {
        "{\"backends\": [{\"name\": \"b\", \"url\": \"file:///etc/passwd\"}]}",
        "has a bad \"url\": it is not an http or https URL"
      },
      {
        "{\"backends\": [{\"name\": \"b\", \"url\": \"http://b:1\", \"kind\": \"sdcpp\"}]}",
        "The backend b in " + f + " has the \"kind\" 'sdcpp'; use a1111 or comfyui."
      },
      {
        "{\"backends\": [{\"name\": \"b\", \"url\": \"http://b:1\", \"enabled\": \"yes\"}]}",
        "The backend b in " + f + " has an \"enabled\" that is not true or false."
      },
      {
        "{\"backends\": [" + good + ", {\"name\": \"A\", \"url\": \"http://b:1\"}]}",
        "The backend name A is given twice in " + f + "; give each once."
      },
      {"{\"backends\": [" + "[".repeat(5000) + "]}", "is not valid JSON"},
    };
    for (String[] k : cases) {
      Files.writeString(f, k[0], StandardCharsets.UTF_8);
      EngineException e = assertThrows(EngineException.class, c::load, k[0]);
      assertTrue(e.getMessage().contains(k[1]), k[0] + " -> " + e.getMessage());
      assertTrue(e.getMessage().endsWith("."), e.getMessage());
      assertFalse(e.getMessage().contains("\n"), e.getMessage());
      assertFalse(e.getMessage().contains("pw9"), e.getMessage());
    }
    StringBuilder many = new StringBuilder("{\"backends\": [");
    for (int i = 0; i < 101; i++) {
      many.append(i == 0 ? "" : ",").append("{\"name\": \"b" + i + "\", \"url\": \"http://b:1\"}");
    }
    Files.writeString(f, many + "]}");
    EngineException tooMany = assertThrows(EngineException.class, c::load);
    assertTrue(
        tooMany.getMessage().contains("lists 101 backends; at most 100"), tooMany.getMessage());
    byte[] huge = new byte[(int) BackendsConfig.MAX_BYTES + 1];
    java.util.Arrays.fill(huge, (byte) ' ');
    Files.write(f, huge);
    EngineException big = assertThrows(EngineException.class, c::load);
    assertEquals(
        "The backends file " + f + " is 1048577 bytes; at most 1048576 bytes are read.",
        big.getMessage());
  }

  @Test
  void aFailedWriteLeavesTheOldFileWholeAndNoTemporaryFile() throws Exception {
    BackendsConfig c = config();
    List<Entry> one = List.of(new Entry("a", "http://a:1", Kind.A1111, true));
    c.save(one);
    String before = Files.readString(c.file());
    // a duplicate name is refused before anything is written
    assertThrows(
        EngineException.class,
        () ->
            c.save(
                List.of(
                    new Entry("a", "http://a:1", Kind.A1111, true),
                    new Entry("A", "http://b:1", Kind.A1111, true))));
    assertEquals(before, Files.readString(c.file()));
    // a folder standing where the file goes: the rename fails, nothing half-written stays
    BackendsConfig blocked = new BackendsConfig(dir.resolve("blocked"));
    Files.createDirectories(blocked.file().resolve("child"));
    EngineException e = assertThrows(EngineException.class, () -> blocked.save(one));
    assertTrue(e.getMessage().startsWith("The backends file " + blocked.file()), e.getMessage());
    try (var s = Files.list(dir)) {
      assertTrue(s.noneMatch(AtomicWrite::isTemporary), "no temporary file left");
    }
    assertEquals(one, c.load());
  }

  @Test
  void namesAreChecked() {
    assertNull(BackendsConfig.nameProblem("gpu_box-2.local"));
    for (String bad : new String[] {"", "-x", "a b", "a/b", "x".repeat(41), "http://a"}) {
      assertTrue(BackendsConfig.nameProblem(bad) != null, bad);
    }
  }
}
