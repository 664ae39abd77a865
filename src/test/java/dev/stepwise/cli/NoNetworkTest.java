package dev.stepwise.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stepwise.engine.TestPacks;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The local engine opens no network connection: {@code generate} runs under strace, which records
 * every connect, bind and listen of the JVM and its threads; none may be an internet (AF_INET or
 * AF_INET6) one. Local Unix sockets (nscd lookups) are allowed. Skipped where strace is missing
 * (.ci/run installs it); the same check with {@code serve} is its own test, which must listen.
 */
class NoNetworkTest {
  @TempDir Path dir;

  @Test
  void generateWithTheLocalEngineConnectsBindsAndListensNowhere() throws Exception {
    assertEquals(List.of(), internetCalls(List.of()), "network calls of a local generate");
    assertTrue(Files.size(dir.resolve("a.png")) > 0, "the image was written");
  }

  /** The check itself can fail: a configured backend (a closed port here) is a connect. */
  @Test
  void aConfiguredBackendIsSeenConnecting() throws Exception {
    List<String> calls = internetCalls(List.of("--backend", "http://127.0.0.1:9"));
    assertTrue(calls.stream().anyMatch(l -> l.contains("connect(")), calls.toString());
  }

  /** The AF_INET/AF_INET6 connect, bind and listen lines of one {@code generate} run. */
  private List<String> internetCalls(List<String> extra) throws Exception {
    Assumptions.assumeTrue(
        Files.isExecutable(Path.of("/usr/bin/strace")), "strace is not installed");
    Path trace = dir.resolve("trace.txt");
    List<String> cmd = new ArrayList<>();
    cmd.addAll(List.of("/usr/bin/strace", "-f", "-qq", "-e", "trace=connect,bind,listen"));
    cmd.addAll(List.of("-o", trace.toString()));
    List<String> args = new ArrayList<>();
    args.addAll(List.of("generate", "--model", TestPacks.tinySd().toString(), "--prompt", "a"));
    args.addAll(List.of("--steps", "2", "-q", "--out", dir.resolve("a.png").toString()));
    args.addAll(extra);
    cmd.addAll(ChildJvm.command(args));
    ProcessBuilder pb =
        ChildJvm.isolated(new ProcessBuilder(cmd).redirectErrorStream(true), dir.resolve("home"));
    pb.redirectOutput(dir.resolve("out.txt").toFile());
    Process p = pb.start();
    assertTrue(p.waitFor(180, TimeUnit.SECONDS), "generate under strace took over 3 minutes");
    String out = Files.readString(dir.resolve("out.txt"));
    Assumptions.assumeFalse(
        out.contains("PTRACE_TRACEME") || out.contains("Operation not permitted"),
        "ptrace is not allowed here: " + out);
    assertEquals(extra.isEmpty(), p.exitValue() == 0, out);
    return Files.readAllLines(trace).stream()
        .filter(l -> l.contains("AF_INET"))
        .collect(Collectors.toList());
  }
}
