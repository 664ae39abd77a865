package dev.stepwise.cli;

import dev.stepwise.Stepwise;
import dev.stepwise.engine.EngineException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Help;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code stepwise man DIR} (hidden; the installer runs it): a man(7) page per visible command, from
 * the same command model as --help. picocli-codegen's ManPageGenerator writes AsciiDoc, which needs
 * Asciidoctor (Ruby or JRuby) to become a man page; this writes the man page itself.
 */
@Command(name = "man", hidden = true, description = "Writes the man pages into DIR.")
final class ManPages implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(paramLabel = "DIR")
  Path dir;

  @Override
  public Integer call() {
    Map<String, String> pages = new TreeMap<>();
    add(spec.root(), pages);
    try {
      Files.createDirectories(dir);
      for (Map.Entry<String, String> p : pages.entrySet()) {
        Files.writeString(dir.resolve(p.getKey()), p.getValue());
      }
    } catch (IOException e) {
      throw new EngineException("Cannot write the man pages into " + dir + ".", e);
    }
    spec.commandLine().getOut().println("wrote " + pages.size() + " man pages into " + dir);
    return 0;
  }

  private static void add(CommandSpec c, Map<String, String> pages) {
    if (!c.usageMessage().hidden()) {
      pages.put(c.qualifiedName("-") + ".1", page(c));
      for (CommandLine sub : new java.util.LinkedHashSet<>(c.subcommands().values())) {
        add(sub.getCommandSpec(), pages);
      }
    }
  }

  static String page(CommandSpec c) {
    String text = format(String.join(" ", c.usageMessage().description()));
    String name = text.replaceAll("\\s+", " ").replaceFirst("^\\w+: ", "").split("\\. ")[0];
    StringBuilder b = new StringBuilder(".\\\" Made by stepwise man; do not edit.\n");
    b.append(".TH ").append(c.qualifiedName("-").toUpperCase(Locale.ROOT));
    b.append(" 1 \"\" \"Stepwise ").append(Stepwise.version()).append("\" \"Stepwise Manual\"\n");
    b.append(".nh\n.ad l\n.SH NAME\n").append(escape(c.qualifiedName("-"))).append(" \\- ");
    b.append(escape(name.replaceAll("\\.$", ""))).append("\n.SH SYNOPSIS\n");
    String synopsis = new Help(c, Help.defaultColorScheme(Help.Ansi.OFF)).synopsis(0);
    b.append(".B ").append(escape(c.qualifiedName())).append('\n');
    b.append(
        escape(
            synopsis.replaceAll("\\s+", " ").trim().substring(c.qualifiedName().length()).trim()));
    b.append("\n.SH DESCRIPTION\n").append(escape(text)).append('\n');
    b.append(".SH OPTIONS\n");
    for (ArgSpec a : c.args()) {
      if (a.hidden()) {
        continue;
      }
      String label = "\\fI" + escape(a.paramLabel()) + "\\fR";
      if (a instanceof OptionSpec o) {
        String names = "\\fB" + escape(String.join(", ", o.names())) + "\\fR";
        label = o.arity().max() > 0 ? names + "=" + label : names;
      }
      b.append(".TP\n").append(label).append('\n');
      b.append(escape(format(String.join(" ", a.renderedDescription())))).append('\n');
    }
    if (!c.subcommands().isEmpty()) {
      b.append(".SH COMMANDS\n");
      for (CommandLine sub : new java.util.LinkedHashSet<>(c.subcommands().values())) {
        CommandSpec s = sub.getCommandSpec();
        if (!s.usageMessage().hidden()) {
          b.append(".TP\n\\fB").append(s.name()).append("\\fR\n");
          b.append(escape(format(String.join(" ", s.usageMessage().description()))));
          b.append(" See \\fB").append(escape(s.qualifiedName("-"))).append("\\fR(1).\n");
        }
      }
    }
    b.append(".SH EXIT STATUS\n");
    c.usageMessage()
        .exitCodeList()
        .forEach(
            (k, v) -> b.append(".TP\n\\fB").append(k.trim()).append("\\fR\n" + escape(v) + "\n"));
    if (c.usageMessage().footer().length > 0) {
      b.append(".SH EXAMPLES\n.nf\n");
      for (String line : c.usageMessage().footer()) {
        b.append(escape(format(line).strip())).append('\n');
      }
      b.append(".fi\n");
    }
    return b.toString();
  }

  /** picocli's markup: %n a line break, %% a percent sign. */
  private static String format(String s) {
    return s.replace("%n", "\n").replace("%%", "%").trim();
  }

  /** Backslashes and hyphens escaped; a line starting with . or ' guarded. */
  static String escape(String s) {
    return s.replace("\\", "\\e").replace("-", "\\-").replaceAll("(?m)^([.'])", "\\\\&$1");
  }
}
