package dev.stepwise.cli;

import dev.stepwise.engine.EngineException;
import dev.stepwise.engine.pack.ModelsFolder;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.AutoComplete;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code stepwise completion bash|zsh}: picocli's bash script for the command model, whose {@code
 * --model} also offers the models folder's checkpoints, asked for at each completion ({@code
 * --list-models}). zsh runs the same script through bashcompinit, which the script loads.
 */
@Command(
    name = "completion",
    mixinStandardHelpOptions = true,
    description = "Prints a bash or zsh completion script: commands, options, samplers, models.",
    footer = {
      "  source <(stepwise completion bash)",
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

  @Option(names = "--list-models", hidden = true)
  boolean listModels;

  private static final String FILES = "      COMPREPLY=( $( compgen -f -- \"${curr_word}\" ) )";

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    if (listModels) {
      for (ModelsFolder.Entry e : ModelsFolder.at(ModelsFolder.defaultRoot()).checkpoints()) {
        if (e.refusal() == null) {
          out.println(e.path());
        }
      }
    } else if (shell == null) {
      throw new ParameterException(spec.commandLine(), "Missing SHELL: bash or zsh.");
    } else if (shell.equals("bash") || shell.equals("zsh")) {
      out.print(
          (shell.equals("zsh") ? "# zsh: the bash script, run through bashcompinit.\n" : "")
              + script(AutoComplete.bash("stepwise", spec.root().commandLine())));
    } else {
      throw new EngineException("The shell \"" + shell + "\" is not supported; use bash or zsh.");
    }
    out.flush();
    return 0;
  }

  /** picocli's script, with the models folder's checkpoints added to generate's --model. */
  static String script(String s) {
    int at = s.indexOf("    '--model')", s.indexOf("function _picocli_stepwise_generate()"));
    int files = s.indexOf(FILES, at);
    if (at < 0 || files < 0 || files - at > 200) {
      throw new IllegalStateException("picocli's script has no file completion for --model");
    }
    int end = s.lastIndexOf("\n# Define a completion specification");
    return s.substring(0, files)
        + FILES.substring(0, FILES.length() - 2)
        + " $( compgen -W \"$(_stepwise_models)\" -- \"${curr_word}\" ) )"
        + s.substring(files + FILES.length(), end)
        + "\n# --model: the checkpoints in the models folder, a path a line.\n"
        + "function _stepwise_models() {\n"
        + "  local cmd=\"${COMP_WORDS[0]}\"\n"
        + "  command -v \"$cmd\" > /dev/null 2>&1 || cmd=stepwise\n"
        + "  \"$cmd\" completion --list-models 2> /dev/null\n"
        + "}\n"
        + s.substring(end);
  }
}
