package dev.stepwise.cli;

import dev.stepwise.Stepwise;
import dev.stepwise.engine.EngineException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Help;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * Manual pages in man(7) format, one per command ({@code stepwise.1}, {@code stepwise-generate.1},
 * {@code stepwise-library-list.1}, ...), written from the same picocli command model as {@code
 * --help} and the completion script: NAME, SYNOPSIS, DESCRIPTION, OPTIONS, COMMANDS, EXIT STATUS,
 * EXAMPLES (the help's footer) and SEE ALSO. The installer runs the hidden {@code stepwise man DIR}
 * at build time and the .deb installs the pages in /usr/share/man/man1.
 *
 * <p>picocli-codegen's ManPageGenerator was not used: it writes AsciiDoc, which needs Asciidoctor
 * (Ruby, or AsciidoctorJ with JRuby, tens of megabytes) to become a man page.
 */
@Command(
    name = "man",
    hidden = true,
    mixinStandardHelpOptions = true,
    description = "Writes a man page for every command into a folder.")
final class ManPages implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(paramLabel = "DIR", description = "Folder to write the .1 files into.")
  Path dir;

  @Override
  public Integer call() {
    Map<String, String> pages = pages(spec.root());
    try {
      Files.createDirectories(dir);
      for (Map.Entry<String, String> p : pages.entrySet()) {
        Files.writeString(dir.resolve(p.getKey()), p.getValue(), StandardCharsets.UTF_8);
      }
    } catch (IOException | SecurityException e) {
      throw new EngineException(
          "Cannot write the man pages into " + dir + " (" + GenerateCommand.reason(e) + ").", e);
    }
    spec.commandLine()
        .getOut()
        .printf(Locale.ROOT, "wrote %d man pages into %s%n", pages.size(), dir);
    spec.commandLine().getOut().flush();
    return 0;
  }

  /** Every visible command's page, by file name, the root's first. */
  static Map<String, String> pages(CommandSpec root) {
    Map<String, String> pages = new LinkedHashMap<>();
    add(root, pages);
    return pages;
  }

  private static void add(CommandSpec c, Map<String, String> pages) {
    pages.put(fileName(c), page(c));
    for (CommandSpec sub : visibleSubcommands(c)) {
      add(sub, pages);
    }
  }

  static String fileName(CommandSpec c) {
    return c.qualifiedName("-") + ".1";
  }

  private static List<CommandSpec> visibleSubcommands(CommandSpec c) {
    List<CommandSpec> subs = new ArrayList<>();
    for (CommandLine sub : c.subcommands().values()) {
      CommandSpec s = sub.getCommandSpec();
      if (!s.usageMessage().hidden() && !subs.contains(s)) {
        subs.add(s);
      }
    }
    return subs;
  }

  /** One command's page. */
  static String page(CommandSpec c) {
    StringBuilder b = new StringBuilder();
    String title = c.qualifiedName("-");
    b.append(".\\\" Made by stepwise man from the command model; do not edit.\n");
    b.append(".TH ")
        .append(title.toUpperCase(Locale.ROOT))
        .append(" 1 \"\" \"Stepwise ")
        .append(Stepwise.version())
        .append("\" \"Stepwise Manual\"\n");
    b.append(".nh\n.ad l\n"); // no hyphenation, ragged right: option names stay whole
    String[] description = c.usageMessage().description();
    String text = String.join(" ", description);
    b.append(".SH NAME\n")
        .append(escape(title))
        .append(" \\- ")
        .append(escape(firstSentence(format(text))))
        .append('\n');
    b.append(".SH SYNOPSIS\n");
    Help help = new Help(c, Help.defaultColorScheme(Help.Ansi.OFF));
    String synopsis = help.synopsis(0).replaceAll("\\s+", " ").trim();
    b.append(".B ").append(escape(c.qualifiedName())).append('\n');
    String args = synopsis.substring(Math.min(synopsis.length(), c.qualifiedName().length()));
    b.append(escape(args.trim())).append('\n');
    b.append(".SH DESCRIPTION\n");
    for (String line : format(text).split("\n")) {
      b.append(escape(line.trim())).append('\n');
    }
    if (!c.positionalParameters().isEmpty() || !c.options().isEmpty()) {
      b.append(".SH OPTIONS\n");
      for (PositionalParamSpec p : c.positionalParameters()) {
        if (!p.hidden()) {
          item(b, "\\fI" + escape(p.paramLabel()) + "\\fR", p);
        }
      }
      for (OptionSpec o : c.options()) {
        if (o.hidden()) {
          continue;
        }
        StringBuilder label = new StringBuilder();
        for (String name : o.names()) {
          label.append(label.length() == 0 ? "" : ", ").append("\\fB").append(escape(name));
          label.append("\\fR");
        }
        if (o.arity().max() > 0) {
          label.append("=\\fI").append(escape(o.paramLabel())).append("\\fR");
        }
        item(b, label.toString(), o);
      }
    }
    List<CommandSpec> subs = visibleSubcommands(c);
    if (!subs.isEmpty()) {
      b.append(".SH COMMANDS\n");
      for (CommandSpec s : subs) {
        b.append(".TP\n\\fB").append(escape(s.name())).append("\\fR\n");
        b.append(escape(format(String.join(" ", s.usageMessage().description())).trim()));
        b.append(" See \\fB").append(escape(s.qualifiedName("-"))).append("\\fR(1).\n");
      }
    }
    Map<String, String> exits = c.usageMessage().exitCodeList();
    if (!exits.isEmpty()) {
      b.append(".SH EXIT STATUS\n");
      for (Map.Entry<String, String> e : exits.entrySet()) {
        b.append(".TP\n\\fB").append(escape(e.getKey().trim())).append("\\fR\n");
        b.append(escape(format(e.getValue()).trim())).append('\n');
      }
    }
    String[] footer = c.usageMessage().footer();
    if (footer.length > 0) {
      b.append(".SH EXAMPLES\n.nf\n");
      for (String line : footer) {
        b.append(escape(format(line).strip())).append('\n');
      }
      b.append(".fi\n");
    }
    b.append(".SH SEE ALSO\n");
    List<String> see = new ArrayList<>();
    if (c.parent() != null) {
      see.add(c.parent().qualifiedName("-"));
    }
    subs.forEach(s -> see.add(s.qualifiedName("-")));
    if (c.parent() == null) {
      see.add("stepwise-completion");
    }
    for (int i = 0; i < see.size(); i++) {
      b.append("\\fB").append(escape(see.get(i))).append("\\fR(1)");
      b.append(i + 1 < see.size() ? ",\n" : "\n");
    }
    return b.toString();
  }

  private static void item(StringBuilder b, String label, ArgSpec a) {
    b.append(".TP\n").append(label).append('\n');
    String d = format(String.join(" ", a.renderedDescription())).trim();
    for (String line : d.split("\n")) {
      b.append(escape(line.trim())).append('\n');
    }
  }

  /**
   * picocli's format markup in help text: {@code %n} is a line break, {@code %%} a percent sign.
   */
  private static String format(String s) {
    return s.replace("%n", "\n").replace("%%", "%");
  }

  /** The description's first sentence, for NAME: "Stepwise: a studio. More." gives "a studio". */
  private static String firstSentence(String s) {
    String one = s.replaceAll("\\s+", " ").trim();
    int colon = one.indexOf(": ");
    if (colon > 0 && colon < 20 && !one.substring(0, colon).contains(" ")) {
      one = one.substring(colon + 2);
    }
    int dot = one.indexOf(". ");
    one = dot < 0 ? one : one.substring(0, dot + 1);
    if (one.endsWith(".")) {
      one = one.substring(0, one.length() - 1);
    }
    return one.isEmpty() ? one : Character.toLowerCase(one.charAt(0)) + one.substring(1);
  }

  /**
   * Text safe in a man page: backslashes and hyphens escaped, and a line that would start with a
   * control character ({@code .} or {@code '}) guarded by {@code \&}.
   */
  static String escape(String s) {
    String t = s.replace("\\", "\\e").replace("-", "\\-");
    return t.startsWith(".") || t.startsWith("'") ? "\\&" + t : t;
  }
}
