package dev.stepwise.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Stepwise's {@code Main} in a fresh JVM with this test JVM's class path and engine settings. */
final class ChildJvm {
  private ChildJvm() {}

  /** {@code java [-D...] -cp CLASSPATH dev.stepwise.Main args...}. */
  static List<String> command(List<String> args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    for (String key : List.of("ENGINE_CACHE_DIR", "jna.tmpdir", "ai.djl.pytorch.num_threads")) {
      if (System.getProperty(key) != null) {
        cmd.add("-D" + key + "=" + System.getProperty(key));
      }
    }
    cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "dev.stepwise.Main"));
    cmd.addAll(args);
    return cmd;
  }

  /**
   * {@link #command} that a SIGINT can stop: where this JVM ignores SIGINT (a CI runner started in
   * the background), the child would inherit that through exec, so perl resets it first.
   */
  static List<String> interruptible(List<String> args) throws IOException {
    List<String> cmd = new ArrayList<>();
    String status = Files.readString(Path.of("/proc/self/status"));
    String ignored = status.replaceAll("(?s).*\nSigIgn:\\s*(\\w+).*", "$1");
    if ((Long.parseUnsignedLong(ignored, 16) & 2) != 0) {
      cmd.addAll(List.of("perl", "-e", "$SIG{INT} = 'DEFAULT'; exec @ARGV or die"));
    }
    cmd.addAll(command(args));
    return cmd;
  }

  /** Points the child's XDG folders (log, library, models) at {@code home}. */
  static ProcessBuilder isolated(ProcessBuilder pb, Path home) {
    for (String v : List.of("XDG_CACHE_HOME", "XDG_DATA_HOME", "XDG_CONFIG_HOME")) {
      pb.environment().put(v, home.toString());
    }
    return pb;
  }
}
