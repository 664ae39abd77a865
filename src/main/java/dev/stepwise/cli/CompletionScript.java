package dev.stepwise.cli;

import picocli.AutoComplete;
import picocli.CommandLine;

/**
 * The completion script: picocli's bash script for the command model (commands, options, the values
 * of options with completion candidates), with one addition: {@code --model} offers, besides file
 * names, the checkpoints of the models folder, asked for at each completion ({@code stepwise
 * completion --list-models}) so that models added later are offered too. zsh runs the same script
 * through its bash completion emulation (bashcompinit), which the script loads itself.
 */
final class CompletionScript {
  private CompletionScript() {}

  /** What the zsh script adds in front of the bash one. */
  static final String ZSH_HEADER =
      """
      # stepwise completion for zsh: picocli's bash completion script, which zsh runs through
      # its bash completion emulation (bashcompinit; the script loads compinit and bashcompinit
      # itself when they are not loaded yet). Install: add to ~/.zshrc
      #   source <(stepwise completion zsh)
      """;

  private static final String HEADER =
      """
      #
      # stepwise completion for bash, made by `stepwise completion bash`. Install for yourself:
      #   stepwise completion bash > ~/.local/share/bash-completion/completions/stepwise
      # or for this session only: source <(stepwise completion bash). The .deb installs it as
      # /usr/share/bash-completion/completions/stepwise. --model also offers the checkpoints in the
      # models folder ($STEPWISE_MODELS or $XDG_DATA_HOME/stepwise/models), read at each completion.
      """;

  /** The file completion picocli writes for a path option such as {@code --model}. */
  private static final String FILES =
      "      COMPREPLY=( $( compgen -f -- \"${curr_word}\" ) ) # files\n";

  private static final String MODEL_CASE = "    '--model')\n";

  private static final String MODELS_FUNCTION =
      """

      # The checkpoints Stepwise can open in the models folder, one path a line (for --model).
      function _stepwise_models() {
        local cmd="${COMP_WORDS[0]}"
        command -v "$cmd" > /dev/null 2>&1 || cmd=stepwise
        "$cmd" completion --list-models 2> /dev/null
      }
      """;

  /** The bash script (which also runs in zsh: see {@link #ZSH_HEADER}). */
  static String bash(CommandLine root) {
    String s = AutoComplete.bash("stepwise", root);
    int firstLineEnd = s.indexOf('\n') + 1;
    s = s.substring(0, firstLineEnd) + HEADER + s.substring(firstLineEnd);
    // --model of generate: its case is followed by picocli's file completion; add the models.
    int at = s.indexOf(MODEL_CASE, s.indexOf("function _picocli_stepwise_generate()"));
    int files = at < 0 ? -1 : s.indexOf(FILES, at);
    if (files < 0 || files - at > 200) {
      throw new IllegalStateException("picocli's script has no file completion for --model");
    }
    s =
        s.substring(0, files)
            + "      COMPREPLY=( $( compgen -f -- \"${curr_word}\" )"
            + " $( compgen -W \"$(_stepwise_models)\" -- \"${curr_word}\" ) )"
            + " # files and the models folder's checkpoints\n"
            + s.substring(files + FILES.length());
    int complete = s.lastIndexOf("\n# Define a completion specification");
    return s.substring(0, complete) + MODELS_FUNCTION + s.substring(complete);
  }
}
