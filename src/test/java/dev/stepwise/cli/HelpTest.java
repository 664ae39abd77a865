package dev.stepwise.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stepwise.cli.CliTest.Run;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 22: help ends with exit codes and real examples; completion; man pages. */
class HelpTest {
  @TempDir Path dir;

  @Test
  void helpEndsWithExitCodesAndExamplesThatParse() {
    for (String command :
        List.of(
            "",
            "generate",
            "library",
            "models",
            "completion",
            "info",
            "bench",
            "serve",
            "upscale",
            "backends")) {
      String help = CliTest.cli((command + " --help").trim().split(" ")).out();
      assertTrue(help.contains("\nExit codes:\n    0   Success.\n    1   Failure"), help);
      assertEquals(
          command.isEmpty() || command.equals("generate"), help.contains("\n  130   Interrupted"));
      List<String> examples = help.substring(help.indexOf("\nExamples:\n") + 11).lines().toList();
      assertTrue(examples.size() >= 2 && examples.size() <= 3, help);
      for (String example : examples) {
        assertTrue(example.length() <= 80 && example.contains("stepwise " + command), example);
        String s = example.substring(example.indexOf("stepwise ") + 9).split("[|>#)']")[0];
        List<String> words = new ArrayList<>();
        for (String w : s.trim().split(" +(?=(?:[^\"]*\"[^\"]*\")*[^\"]*$)")) {
          if (!w.isEmpty()) {
            words.add(w.replace("\"", ""));
          }
        }
        Main.commandLine(() -> {}).parseArgs(words.toArray(String[]::new)); // a real command line
      }
    }
  }

  @Test
  void bashSourcesTheCompletionScriptAndCompletesOptionsSamplersAndModels() throws Exception {
    Run r = CliTest.cli("completion", "bash");
    Path script = Files.writeString(dir.resolve("stepwise.bash"), r.out());
    Path models = dir.resolve("models");
    Path pack = Files.createDirectories(models.resolve("checkpoints/my-pack"));
    Files.writeString(pack.resolve("model_index.json"), "{}");
    Path single = Files.writeString(models.resolve("checkpoints/sd15.safetensors"), "");
    String driver =
        "source \"$1\" 2> err || exit 3; [ -s err ] && exit 4\n"
            + "stepwise() { '" // for --model's listing: this build, on the test class path
            + Path.of(System.getProperty("java.home"), "bin", "java")
            + "' -cp \"$CP\" dev.stepwise.Main \"$@\"; }\n"
            + "comp() { COMP_WORDS=(\"$@\"); COMP_CWORD=$(( $# - 1 )); COMP_LINE=\"$*\"\n"
            + "  COMPREPLY=(); _complete_stepwise 2> /dev/null; echo \"$*: ${COMPREPLY[*]}\"; }\n"
            + "comp stepwise generate --sam\ncomp stepwise generate --sampler euler\n"
            + "comp stepwise generate --progress ''\ncomp stepwise com\n"
            + "comp stepwise generate --model \"$2/\"\n";
    ProcessBuilder pb =
        new ProcessBuilder("bash", "--norc", "-c", driver, "bash", "" + script, "" + models)
            .directory(dir.toFile())
            .redirectErrorStream(true);
    pb.environment().put("CP", System.getProperty("java.class.path"));
    pb.environment().put("STEPWISE_MODELS", "" + models);
    pb.environment().put("XDG_CACHE_HOME", "" + dir.resolve("cache"));
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes());
    assertTrue(p.waitFor(120, TimeUnit.SECONDS));
    assertEquals(0, p.exitValue(), "sourced cleanly: " + out);
    assertEquals(
        "stepwise generate --sam: --sampler\n"
            + "stepwise generate --sampler euler: euler euler_a\n"
            + "stepwise generate --progress : bar plain json none\n"
            + "stepwise com: completion\n"
            + String.format(
                "stepwise generate --model %s/: %1$s/checkpoints %s %s%n", models, pack, single),
        out);
    String zsh = CliTest.cli("completion", "zsh").out();
    assertEquals("# zsh: the bash script, run through bashcompinit.\n" + r.out(), zsh);
    assertTrue(r.out().contains("autoload -U +X bashcompinit && bashcompinit"));
  }

  @Test
  void manPagesRenderWithoutAWarning() throws Exception {
    Run r = CliTest.cli("man", dir.toString());
    assertEquals(
        "wrote " + visibleCommands(Main.commandLine(() -> {})) + " man pages into " + dir + "\n",
        r.out());
    String generate = Files.readString(dir.resolve("stepwise-generate.1"));
    assertTrue(generate.contains("\n\\fB\\-\\-sampler\\fR=\\fI<sampler>\\fR\n"), generate);
    assertTrue(generate.contains("\n.SH EXIT STATUS\n.TP\n\\fB0\\fR\nSuccess.\n"), generate);
    assertTrue(generate.contains("\n.SH EXAMPLES\n.nf\nstepwise generate \\-\\-prompt"), generate);
    Assumptions.assumeTrue(Files.exists(Path.of("/usr/bin/groff")));
    try (var pages = Files.list(dir)) {
      for (Path page : pages.toList()) {
        Process p = new ProcessBuilder("groff", "-man", "-ww", "-z", "" + page).start();
        assertEquals("", new String(p.getErrorStream().readAllBytes()), "" + page);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
      }
    }
  }

  /** The commands a man page is written for: every command not hidden, subcommands included. */
  private static int visibleCommands(picocli.CommandLine c) {
    if (c.getCommandSpec().usageMessage().hidden()) {
      return 0;
    }
    int n = 1;
    for (picocli.CommandLine sub : new java.util.LinkedHashSet<>(c.getSubcommands().values())) {
      n += visibleCommands(sub);
    }
    return n;
  }
}
