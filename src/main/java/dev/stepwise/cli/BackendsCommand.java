package dev.stepwise.cli;

import dev.stepwise.engine.EngineException;
import dev.stepwise.engine.backend.Backend;
import dev.stepwise.engine.backend.BackendsConfig;
import dev.stepwise.engine.backend.BackendsConfig.Entry;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code stepwise backends}: the named servers in {@code backends.json} ({@link BackendsConfig}),
 * which {@code generate --backend NAME} and the studio use. Credentials in a URL are kept in the
 * file and never printed.
 */
@Command(
    name = "backends",
    mixinStandardHelpOptions = true,
    subcommands = {
      BackendsCommand.ListCommand.class,
      BackendsCommand.AddCommand.class,
      BackendsCommand.RemoveCommand.class,
      BackendsCommand.TestCommand.class
    },
    description =
        "Lists, adds, removes and tests the named servers (AUTOMATIC1111's API) that generate"
            + " --backend NAME and the studio run jobs on; kept in backends.json in the config"
            + " folder ($XDG_CONFIG_HOME/stepwise).",
    footer = {
      "  stepwise backends add gpu-box http://user:pass@gpu-box:7860",
      "  stepwise backends test gpu-box",
      "  stepwise backends list"
    })
final class BackendsCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /**
   * The backend {@code spec} names: a URL (it holds "://") as given, else the configured backend of
   * that name.
   *
   * @throws CliErrors.BadValue with one sentence when it is neither
   */
  static Backend resolve(String spec) {
    try {
      if (spec.contains("://")) {
        return BackendsConfig.backend(spec, null, null);
      }
      return BackendsConfig.backend(entry(spec));
    } catch (CliErrors.BadValue e) {
      throw e;
    } catch (EngineException e) {
      throw new CliErrors.BadValue(e.getMessage());
    }
  }

  /** The configured entry named {@code name}, or a refusal listing the names. */
  private static Entry entry(String name) {
    BackendsConfig config = BackendsConfig.standard();
    List<Entry> all = config.load();
    Entry e = BackendsConfig.find(all, name);
    if (e == null) {
      throw new CliErrors.BadValue(
          "No backend is named '"
              + Main.printable(name)
              + "'; the configured backends are "
              + BackendsConfig.names(all)
              + " (give a name or a URL such as http://host:7860).");
    }
    return e;
  }

  @Command(
      name = "list",
      mixinStandardHelpOptions = true,
      description = "Prints each backend: name, URL without credentials, kind, on or off.")
  static final class ListCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      BackendsConfig config = BackendsConfig.standard();
      List<Entry> all = config.load();
      if (all.isEmpty()) {
        out.println(
            "No backends in "
                + Main.printable(config.file().toString())
                + "; add one with stepwise backends add NAME URL.");
        return 0;
      }
      int w = all.stream().mapToInt(e -> e.name().length()).max().orElse(4);
      for (Entry e : all) {
        out.println(
            String.format(
                Locale.ROOT,
                "%-" + w + "s  %-8s %-7s %s",
                e.name(),
                e.enabled() ? "enabled" : "disabled",
                e.kind().key(),
                Main.printable(e.shownUrl())));
      }
      return 0;
    }
  }

  @Command(
      name = "add",
      mixinStandardHelpOptions = true,
      description =
          "Adds a backend: a name and an http or https URL (user:pass@ for HTTP basic"
              + " authentication, as A1111's --api-auth); --replace changes an existing one.")
  static final class AddCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "NAME", description = "A name such as gpu-box.")
    String name;

    @Parameters(
        index = "1",
        paramLabel = "URL",
        description = "Such as http://gpu-box:7860 or comfyui+http://host:8188.")
    String url;

    @Option(names = "--disabled", description = "Add it switched off.")
    boolean disabled;

    @Option(names = "--replace", description = "Replace the backend of the same name.")
    boolean replace;

    @Override
    public Integer call() {
      BackendsConfig config = BackendsConfig.standard();
      List<Entry> all = new ArrayList<>(config.load());
      Entry added;
      try {
        BackendsConfig.Kind kind =
            url.strip().toLowerCase(Locale.ROOT).startsWith("comfyui+")
                ? BackendsConfig.Kind.COMFYUI
                : BackendsConfig.Kind.A1111;
        added = new Entry(name, url, kind, !disabled);
      } catch (EngineException e) {
        throw new CliErrors.BadValue(e.getMessage());
      }
      Entry old = BackendsConfig.find(all, name);
      if (old != null && !replace) {
        throw new CliErrors.BadValue(
            "A backend is already named " + old.name() + "; remove it first or add --replace.");
      }
      if (old != null) {
        all.set(all.indexOf(old), added);
      } else {
        all.add(added);
      }
      config.save(all);
      spec.commandLine()
          .getOut()
          .println(
              (old != null ? "Replaced " : "Added ")
                  + added.name()
                  + " ("
                  + Main.printable(added.shownUrl())
                  + ") in "
                  + Main.printable(config.file().toString())
                  + ".");
      return 0;
    }
  }

  @Command(
      name = "remove",
      mixinStandardHelpOptions = true,
      description = "Removes the backend of that name.")
  static final class RemoveCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "NAME", description = "The backend's name.")
    String name;

    @Override
    public Integer call() {
      BackendsConfig config = BackendsConfig.standard();
      List<Entry> all = new ArrayList<>(config.load());
      Entry e = entry(name);
      all.remove(BackendsConfig.find(all, e.name()));
      config.save(all);
      spec.commandLine().getOut().println("Removed " + e.name() + ".");
      return 0;
    }
  }

  @Command(
      name = "test",
      mixinStandardHelpOptions = true,
      description =
          "Asks the backend for its models (the health check the pool runs) and prints them, or"
              + " the one sentence saying why it failed (exit code 1).")
  static final class TestCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "NAME", description = "A backend's name, or a URL.")
    String name;

    @Override
    public Integer call() {
      List<String> models;
      String shown;
      try (Backend b = resolve(name)) {
        shown = b.name();
        models = b.models();
      }
      PrintWriter out = spec.commandLine().getOut();
      if (models == null) {
        out.println(shown + " is up; it runs whatever model it is sent.");
      } else {
        out.println(
            shown
                + " is up with "
                + models.size()
                + (models.size() == 1 ? " model" : " models")
                + (models.isEmpty() ? "." : ":"));
        for (String m : models) {
          out.println("  " + Main.printable(m));
        }
      }
      return 0;
    }
  }
}
