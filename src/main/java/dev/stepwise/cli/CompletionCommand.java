package dev.stepwise.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code stepwise completion bash|zsh}: prints the shell completion script. */
@Command(
    name = "completion",
    mixinStandardHelpOptions = true,
    description = {
      "Prints a completion script for bash or zsh: commands, options, sampler names and the"
          + " checkpoints in the models folder (for --model)."
    },
    exitCodeListHeading = ExitCodes.HEADING,
    exitCodeList = {ExitCodes.OK, ExitCodes.FAILED, ExitCodes.USAGE},
    footerHeading = ExitCodes.EXAMPLES,
    footer = {
      "  source <(stepwise completion bash)          # this bash session",
      "  stepwise completion bash > ~/.local/share/bash-completion/completions/stepwise",
      "  echo 'source <(stepwise completion zsh)' >> ~/.zshrc"
    })
final class CompletionCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(
      paramLabel = "SHELL",
      arity = "0..1",
      completionCandidates = Candidates.Shells.class,
      description = "bash or zsh.")
  String shell;

  /** What the script's --model completion runs: the models folder's checkpoints, a path a line. */
  @Option(names = "--list-models", hidden = true)
  boolean listModels;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    if (listModels) {
      Candidates.Models.paths().forEach(out::println);
      out.flush();
      return 0;
    }
    if (shell == null) {
      throw new ParameterException(
          spec.commandLine(), "Missing required parameter: 'SHELL' (bash or zsh)");
    }
    String script = CompletionScript.bash(spec.root().commandLine());
    switch (shell) {
      case "bash" -> out.print(script);
      case "zsh" -> out.print(CompletionScript.ZSH_HEADER + script);
      default ->
          throw new dev.stepwise.engine.EngineException(
              "The shell \"" + shell + "\" is not supported; use bash or zsh.");
    }
    out.flush();
    return 0;
  }
}
