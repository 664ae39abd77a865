package dev.stepwise.files;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class UserDirsTest {
  private static final String HOME = "/home/u";

  @Test
  void unsetVariablesFallBackToTheHomeFolder() {
    assertEquals(Path.of("/home/u/.config"), UserDirs.config(Map.of(), HOME));
    assertEquals(Path.of("/home/u/.local/share"), UserDirs.data(Map.of(), HOME));
    assertEquals(Path.of("/home/u/.cache"), UserDirs.cache(Map.of(), HOME));
  }

  @Test
  void absoluteVariablesWin() {
    Map<String, String> env =
        Map.of("XDG_CONFIG_HOME", "/c", "XDG_DATA_HOME", "/d", "XDG_CACHE_HOME", "/k");
    assertEquals(Path.of("/c"), UserDirs.config(env, HOME));
    assertEquals(Path.of("/d"), UserDirs.data(env, HOME));
    assertEquals(Path.of("/k"), UserDirs.cache(env, HOME));
  }

  @Test
  void blankOrRelativeVariablesAreIgnored() {
    Map<String, String> blank =
        Map.of("XDG_CONFIG_HOME", " ", "XDG_DATA_HOME", "", "XDG_CACHE_HOME", "\t");
    assertEquals(Path.of("/home/u/.config"), UserDirs.config(blank, HOME));
    assertEquals(Path.of("/home/u/.local/share"), UserDirs.data(blank, HOME));
    assertEquals(Path.of("/home/u/.cache"), UserDirs.cache(blank, HOME));
    Map<String, String> relative =
        Map.of("XDG_CONFIG_HOME", "cfg", "XDG_DATA_HOME", "./data", "XDG_CACHE_HOME", "c/k");
    assertEquals(Path.of("/home/u/.config"), UserDirs.config(relative, HOME));
    assertEquals(Path.of("/home/u/.local/share"), UserDirs.data(relative, HOME));
    assertEquals(Path.of("/home/u/.cache"), UserDirs.cache(relative, HOME));
  }

  @Test
  void eachFolderReadsOnlyItsOwnVariable() {
    Map<String, String> env = Map.of("XDG_DATA_HOME", "/d");
    assertEquals(Path.of("/home/u/.config"), UserDirs.config(env, HOME));
    assertEquals(Path.of("/d"), UserDirs.data(env, HOME));
    assertEquals(Path.of("/home/u/.cache"), UserDirs.cache(env, HOME));
  }
}
