package dev.stepwise.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.stepwise.cli.CliTest.Run;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;

/** Issue 22: each command's help ends with real examples and the exit codes; the man pages. */
class HelpTest {
  @TempDir Path dir;

  /** Every visible command but bench (whose help belongs to the benchmark work), as word lists. */
  private static List<List<String>> commands() {
    List<List<String>> all = new ArrayList<>();
    collect(Main.commandLine(() -> {}).getCommandSpec(), new ArrayList<>(), all);
    return all;
  }

  private static void collect(CommandSpec c, List<String> path, List<List<String>> all) {
    all.add(List.copyOf(path));
    for (Map.Entry<String, CommandLine> e : c.subcommands().entrySet()) {
      CommandSpec s = e.getValue().getCommandSpec();
      if (!s.usageMessage().hidden() && !s.name().equals("bench")) {
        List<String> p = new ArrayList<>(path);
        p.add(s.name());
        collect(s, p, all);
      }
    }
  }

  @Test
  void everyHelpEndsWithExamplesThatParseAndListsTheExitCodes() {
    List<List<String>> commands = commands();
    assertEquals(10, commands.size(), commands.toString());
    for (List<String> command : commands) {
      List<String> args = new ArrayList<>(command);
      args.add("--help");
      Run r = CliTest.cli(args.toArray(String[]::new));
      assertEquals(0, r.code(), command + ": " + r.err());
      String help = r.out();
      assertTrue(
          help.contains("\nExit codes:\n    0   Success.\n    1   Failure, or a value refused;"),
          help);
      assertTrue(help.contains("\n    2   Bad usage"), help);
      int at = help.lastIndexOf("\nExamples:\n");
      assertTrue(at > help.indexOf("Exit codes:"), "examples come last: " + help);
      List<String> examples = help.substring(at + 11).lines().toList();
      assertTrue(examples.size() >= 2 && examples.size() <= 3, command + ": " + examples);
      for (String example : examples) {
        assertTrue(example.length() <= 80, "fits 80 columns: " + example);
        List<String> words = commandLine(example);
        assertEquals("stepwise", words.get(0), example);
        assertTrue(
            words.size() == 1
                || words.subList(1, 1 + command.size()).equals(command)
                || command.isEmpty(),
            command + " shows its own examples: " + example);
        // a real command line: every option and value parses
        Main.commandLine(() -> {}).parseArgs(words.subList(1, words.size()).toArray(String[]::new));
      }
    }
    assertTrue(
        CliTest.cli("generate", "--help").out().contains("\n  130   Interrupted by Ctrl+C"),
        "generate documents 130");
  }

  /** The stepwise command in an example line, as words: shell syntax around it is cut off. */
  private static List<String> commandLine(String example) {
    String s = example.substring(example.indexOf("stepwise"));
    for (String stop : new String[] {"|", ">", "#", ")", "'"}) {
      int i = s.indexOf(stop);
      if (i >= 0) {
        s = s.substring(0, i);
      }
    }
    List<String> words = new ArrayList<>();
    StringBuilder w = null;
    boolean quoted = false;
    for (char c : s.strip().toCharArray()) {
      if (c == '"') {
        quoted = !quoted;
        w = w == null ? new StringBuilder() : w;
      } else if (c == ' ' && !quoted) {
        if (w != null) {
          words.add(w.toString());
          w = null;
        }
      } else {
        w = (w == null ? new StringBuilder() : w).append(c);
      }
    }
    if (w != null) {
      words.add(w.toString());
    }
    return words;
  }

  @Test
  void manPagesAreWrittenForEveryVisibleCommandAndRenderWithoutWarnings() throws Exception {
    Run r = CliTest.cli("man", dir.toString());
    assertEquals(0, r.code(), r.err());
    assertEquals("wrote 11 man pages into " + dir + "\n", r.out());
    List<String> names;
    try (var s = Files.list(dir)) {
      names = s.map(p -> p.getFileName().toString()).sorted().toList();
    }
    assertEquals(11, names.size(), names.toString());
    assertTrue(names.contains("stepwise.1") && names.contains("stepwise-library-rebuild.1"));
    assertFalse(names.contains("stepwise-man.1"), "the hidden man command has no page");
    String generate = Files.readString(dir.resolve("stepwise-generate.1"));
    assertTrue(generate.startsWith(".\\\" Made by stepwise man"), generate);
    assertTrue(generate.contains("\n.TH STEPWISE-GENERATE 1 "), generate);
    assertTrue(generate.contains("\n\\fB\\-\\-sampler\\fR=\\fI<sampler>\\fR\n"), generate);
    assertTrue(generate.contains("\n.SH EXIT STATUS\n"), generate);
    assertTrue(generate.contains("\n\\fB130\\fR\nInterrupted by Ctrl+C"), generate);
    assertTrue(generate.contains("\n.SH EXAMPLES\n.nf\nstepwise generate \\-\\-prompt"), generate);
    assumeTrue(Files.isExecutable(Path.of("/usr/bin/groff")), "groff is not installed");
    for (String name : names) {
      Process p =
          new ProcessBuilder("groff", "-man", "-ww", "-z", dir.resolve(name).toString())
              .redirectErrorStream(true)
              .start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertTrue(p.waitFor(60, TimeUnit.SECONDS));
      assertEquals("", out, name + " renders without a warning");
      assertEquals(0, p.exitValue(), name);
    }
    Process p =
        new ProcessBuilder(
                "groff", "-man", "-Tutf8", "-P-cbu", dir.resolve("stepwise.1").toString())
            .start();
    String page = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS));
    assertTrue(page.contains("stepwise - a latent-diffusion image studio"), page);
    assertTrue(page.contains("stepwise-generate(1)"), page);
  }
}
