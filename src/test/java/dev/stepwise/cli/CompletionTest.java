package dev.stepwise.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.stepwise.cli.CliTest.Run;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 22: the completion script, run by a real bash. */
class CompletionTest {
  @TempDir Path dir;

  /**
   * Sources the script in a fresh bash and completes each line (words separated by spaces, the last
   * one being completed, "" for an empty word); returns bash's output: "source:" and the sourcing's
   * stderr, then each line's candidates, one a line, after "== line".
   */
  private String complete(Path script, Map<String, String> env, String... lines)
      throws IOException, InterruptedException {
    StringBuilder b = new StringBuilder();
    b.append("source \"$1\" 2> \"$2\"; echo \"source: $? $(cat \"$2\")\"\n");
    b.append("complete -p stepwise\n");
    b.append("comp() {\n");
    b.append("  COMP_WORDS=(\"$@\"); COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ));\n");
    b.append("  COMP_LINE=\"$*\"; COMP_POINT=${#COMP_LINE}; COMPREPLY=()\n");
    b.append("  _complete_stepwise 2> /dev/null\n");
    b.append("  echo \"== $*\"; printf '%s\\n' \"${COMPREPLY[@]}\" | sort\n");
    b.append("}\n");
    for (String line : lines) {
      b.append("comp");
      for (String w : line.split(" ", -1)) {
        b.append(" '").append(w).append('\'');
      }
      b.append('\n');
    }
    Path driver = Files.writeString(dir.resolve("driver.sh"), b.toString());
    ProcessBuilder pb =
        new ProcessBuilder(
                "bash",
                "--norc",
                "--noprofile",
                driver.toString(),
                script.toString(),
                dir.resolve("source.err").toString())
            .directory(dir.toFile())
            .redirectErrorStream(true);
    pb.environment().putAll(env);
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(120, TimeUnit.SECONDS), "bash timed out");
    assertEquals(0, p.exitValue(), out);
    return out;
  }

  private Path script(String shell) throws IOException {
    Run r = CliTest.cli("completion", shell);
    assertEquals(0, r.code(), r.err());
    assertEquals("", r.err());
    return Files.writeString(dir.resolve("stepwise." + shell), r.out());
  }

  @Test
  void theBashScriptSourcesCleanlyAndCompletesCommandsOptionsAndSamplers() throws Exception {
    assumeTrue(Files.isExecutable(Path.of("/bin/bash")), "bash is not installed");
    String out =
        complete(
            script("bash"),
            Map.of(),
            "stepwise generate --sam",
            "stepwise generate --sampler euler",
            "stepwise generate --progress ",
            "stepwise com",
            "stepwise completion ",
            "stepwise library reb");
    assertTrue(out.startsWith("source: 0 \n"), "sourced without a message: " + out);
    assertTrue(out.contains("-F _complete_stepwise stepwise"), out);
    assertTrue(out.contains("== stepwise generate --sam\n--sampler\n=="), out);
    assertTrue(out.contains("== stepwise generate --sampler euler\neuler\neuler_a\n=="), out);
    assertTrue(out.contains("== stepwise generate --progress \nbar\njson\nnone\nplain\n=="), out);
    assertTrue(out.contains("== stepwise com\ncompletion\n=="), out);
    assertTrue(out.contains("== stepwise completion \nbash\nzsh\n=="), out);
    assertTrue(out.endsWith("== stepwise library reb\nrebuild\n"), out);
    assertFalse(out.contains("\nman\n"), "the hidden man command is not offered: " + out);
  }

  @Test
  void modelOffersFilesAndTheModelsFolderCheckpointsAskedForAtCompletionTime() throws Exception {
    assumeTrue(Files.isExecutable(Path.of("/bin/bash")), "bash is not installed");
    Path models = dir.resolve("models");
    Path pack = Files.createDirectories(models.resolve("checkpoints").resolve("my-pack"));
    Files.writeString(pack.resolve("model_index.json"), "{}");
    Path single = Files.writeString(models.resolve("checkpoints").resolve("sd15.safetensors"), "");
    Files.createDirectories(dir.resolve("work"));
    Files.writeString(dir.resolve("work").resolve("local.safetensors"), "");
    // "stepwise" in the completing shell: this build, as a shell function on the test class path
    Path script = script("bash");
    String withStub =
        "stepwise() { \""
            + Path.of(System.getProperty("java.home"), "bin", "java")
            + "\" -cp \"$STEPWISE_CP\" "
            + dev.stepwise.Main.class.getName()
            + " \"$@\"; }\n"
            + Files.readString(script);
    Files.writeString(script, withStub);
    String out =
        complete(
            script,
            Map.of(
                "STEPWISE_MODELS", models.toString(),
                "STEPWISE_CP", System.getProperty("java.class.path"),
                "XDG_CACHE_HOME", dir.resolve("cache").toString()),
            "stepwise generate --model work/",
            "stepwise generate --model " + models);
    assertTrue(out.contains("== stepwise generate --model work/\nwork/local.safetensors\n=="), out);
    assertTrue(
        out.endsWith(
            "== stepwise generate --model "
                + models
                + "\n"
                + models
                + "\n"
                + pack
                + "\n"
                + single
                + "\n"),
        out);
  }

  @Test
  void theZshScriptIsTheBashOneRunThroughBashcompinit() throws Exception {
    String bash = Files.readString(script("bash"));
    String zsh = Files.readString(script("zsh"));
    assertTrue(zsh.endsWith(bash), "the same script");
    String header = zsh.substring(0, zsh.length() - bash.length());
    assertTrue(header.contains("bashcompinit"), header);
    assertTrue(bash.contains("autoload -U +X bashcompinit && bashcompinit"), "loads it itself");
    Run r = CliTest.cli("completion", "fish");
    assertEquals(1, r.code());
    assertEquals(
        "stepwise: The shell \"fish\" is not supported; use bash or zsh.", r.err().strip());
    r = CliTest.cli("completion");
    assertEquals(2, r.code());
  }

  @Test
  void listModelsPrintsNothingButPaths() {
    Run r = CliTest.cli("completion", "--list-models");
    assertEquals(0, r.code(), r.err());
    List<String> bad = new ArrayList<>();
    for (String line : r.out().lines().toList()) {
      if (!Files.exists(Path.of(line))) {
        bad.add(line);
      }
    }
    assertEquals(List.of(), bad);
  }
}
