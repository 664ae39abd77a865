package dev.stepwise.cli;

import dev.stepwise.gallery.Library;
import dev.stepwise.gallery.LibraryExport;
import dev.stepwise.gallery.LibraryImage;
import dev.stepwise.gallery.LibraryQuery;
import dev.stepwise.gallery.Recipe;
import dev.stepwise.gallery.ScanReport;
import dev.stepwise.recipe.RecipeFields;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code stepwise library}: list, search, rebuild and export the image library. */
@Command(
    name = "library",
    mixinStandardHelpOptions = true,
    subcommands = {
      LibraryCommand.ListCommand.class,
      LibraryCommand.SearchCommand.class,
      LibraryCommand.RebuildCommand.class,
      LibraryCommand.ExportCommand.class,
      LibraryCommand.EmptyTrashCommand.class
    },
    description = "Lists, searches, rebuilds and exports the library of generated images.",
    footer = {
      "  stepwise library list --details --limit 10",
      "  stepwise library rebuild --progress plain",
      "  stepwise library export --favourites --zip favourites.zip --progress plain"
    })
final class LibraryCommand implements Runnable {
  @Spec CommandSpec spec;

  @Option(
      names = "--library",
      scope = picocli.CommandLine.ScopeType.INHERIT,
      description =
          "Library folder (default: -Dstepwise.library, $STEPWISE_LIBRARY or"
              + " $XDG_DATA_HOME/stepwise/library).")
  Path folder;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  Library open() {
    Library lib = folder != null ? Library.open(folder) : Library.open();
    PrintWriter err = spec.commandLine().getErr();
    // files found unreadable by this open, named once: the index remembers them until they change
    for (String s : lib.openReport().skipped()) {
      err.println("note: " + Main.oneLine(s));
    }
    err.flush();
    String aside = lib.openReport().recoveredIndex();
    if (aside != null) {
      err.println(
          "note: the library index was damaged; it was moved to "
              + aside
              + " and rebuilt from the images.");
      err.flush();
    }
    return lib;
  }

  /** Filters shared by list and export. */
  static final class Filters {
    @Option(names = "--gallery", description = "Only images in this gallery.")
    String gallery;

    @Option(names = "--favourites", description = "Only favourites.")
    boolean favourites;

    @Option(names = "--model", description = "Only images made with this model name.")
    String model;

    @Option(
        names = "--limit",
        defaultValue = "1000000",
        description = "At most this many images (newest first).")
    int limit;

    LibraryQuery query(List<String> words) {
      if (limit < 1 || limit > LibraryQuery.MAX_LIMIT) {
        throw new CliErrors.BadValue(
            "--limit " + limit + " is not allowed; use 1 to " + LibraryQuery.MAX_LIMIT + ".");
      }
      String w = words == null || words.isEmpty() ? null : String.join(" ", words);
      return new LibraryQuery(w, gallery, favourites, model, null, null, limit);
    }
  }

  /** A tab-separated field that cannot split its record or drive the terminal. */
  private static String field(String s) {
    return Main.printable(s).replace("\t", "\\t");
  }

  /** How list and search print: aligned columns, tab-separated details, or paths only. */
  static final class Layout {
    @Option(
        names = "--details",
        description =
            "Tab-separated: path, date, model, seed, the prompt's first line (for scripts).")
    boolean details;

    @Option(names = "--paths", description = "Only each image's path, one a line.")
    boolean paths;

    @Option(
        names = "--json",
        description =
            "Print a JSON array, one object per image, as 'stepwise info --json' prints it.")
    boolean json;
  }

  /**
   * Prints {@code images} as {@code layout} asks, or says on stderr that none matched ({@code what}
   * names the search); stdout then stays empty, so scripts read no line.
   */
  static void print(CommandSpec spec, List<LibraryImage> images, Layout layout, String what) {
    PrintWriter out = spec.commandLine().getOut();
    if (layout.json) {
      out.println(json(images));
    } else if (images.isEmpty()) {
      spec.commandLine().getErr().println(what);
      spec.commandLine().getErr().flush();
    } else if (layout.details || layout.paths) {
      print(out, images, layout.details);
    } else {
      columns(out, images);
    }
    out.flush();
  }

  /** One line per image: path, or with --details also date, model, seed and first prompt line. */
  static void print(PrintWriter out, List<LibraryImage> images, boolean details) {
    for (LibraryImage img : images) {
      String file = Main.printable(img.file().toString()).replace("\t", "\\t");
      if (!details) {
        out.println(file);
        continue;
      }
      Recipe r = img.recipe();
      String prompt =
          r == null ? "(" + img.notice() + ")" : r.prompt().lines().findFirst().orElse("");
      out.printf(
          Locale.ROOT,
          "%s\t%s\t%s\t%s\t%s%s%n",
          file,
          img.createdAt(),
          r == null || r.modelName() == null ? "-" : field(r.modelName()),
          r == null ? "-" : Long.toString(r.seed()),
          field(prompt),
          img.favourite() ? "\t*" : "");
    }
    out.flush();
  }

  /** The prompt column's width; a longer first line ends in "...". */
  static final int PROMPT_COLUMN = 40;

  /**
   * For people: date, seed, steps, sampler, the prompt's first line (cut to {@value #PROMPT_COLUMN}
   * characters) and the file, aligned under a header; a favourite ends in *.
   */
  static void columns(PrintWriter out, List<LibraryImage> images) {
    java.time.format.DateTimeFormatter when =
        java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm", Locale.ROOT)
            .withZone(java.time.ZoneId.systemDefault());
    String row = "%-16s  %10s  %5s  %-9s  %-" + PROMPT_COLUMN + "s  %s%s%n";
    out.printf(Locale.ROOT, row, "DATE", "SEED", "STEPS", "SAMPLER", "PROMPT", "FILE", "");
    for (LibraryImage img : images) {
      Recipe r = img.recipe();
      String prompt =
          r == null ? "(" + img.notice() + ")" : r.prompt().lines().findFirst().orElse("");
      prompt = field(prompt);
      if (prompt.length() > PROMPT_COLUMN) {
        prompt = prompt.substring(0, PROMPT_COLUMN - 3) + "...";
      }
      out.printf(
          Locale.ROOT,
          row,
          when.format(img.createdAt()),
          r == null ? "-" : Long.toString(r.seed()),
          r == null ? "-" : Integer.toString(r.steps()),
          r == null ? "-" : field(r.sampler()),
          prompt,
          Main.printable(img.file().toString()),
          img.favourite() ? " *" : "");
    }
  }

  @Command(
      name = "list",
      mixinStandardHelpOptions = true,
      description =
          "Prints every image, newest first: date, seed, steps, sampler, prompt and file, in"
              + " columns (--paths, --details or --json for scripts).")
  static final class ListCommand implements Callable<Integer> {
    @ParentCommand LibraryCommand parent;
    @Spec CommandSpec spec;

    @ArgGroup(exclusive = false)
    Filters filters = new Filters();

    @ArgGroup(exclusive = true)
    Layout layout = new Layout();

    @Override
    public Integer call() {
      try (Library lib = parent.open()) {
        List<LibraryImage> images = lib.find(filters.query(null));
        print(spec, images, layout, "The library at " + lib.folder() + " holds no such images.");
      }
      return 0;
    }
  }

  /** The images in {@link RecipeFields}' schema; one without a recipe gives its notice as error. */
  static String json(List<LibraryImage> images) {
    List<com.google.gson.JsonObject> records = new java.util.ArrayList<>();
    for (LibraryImage img : images) {
      String file = img.file().toString();
      Recipe r = img.recipe();
      records.add(
          r == null
              ? RecipeFields.refused(file, img.notice())
              : r.fields(file, img.notice() == null ? List.of() : List.of(img.notice())).toJson());
    }
    return RecipeFields.array(records);
  }

  @Command(
      name = "search",
      mixinStandardHelpOptions = true,
      description =
          "Prints the images whose prompt, negative prompt or model holds every word (word"
              + " prefixes match), as list prints them; none is said on stderr.")
  static final class SearchCommand implements Callable<Integer> {
    @ParentCommand LibraryCommand parent;
    @Spec CommandSpec spec;

    @ArgGroup(exclusive = false)
    Filters filters = new Filters();

    @Parameters(arity = "1..*", paramLabel = "WORDS", description = "Words to find.")
    List<String> words;

    @ArgGroup(exclusive = true)
    Layout layout = new Layout();

    @Override
    public Integer call() {
      try (Library lib = parent.open()) {
        print(
            spec,
            lib.find(filters.query(words)),
            layout,
            "No images match \"" + Main.oneLine(String.join(" ", words)) + "\".");
      }
      return 0;
    }
  }

  @Command(
      name = "rebuild",
      mixinStandardHelpOptions = true,
      description = "Re-reads every PNG in the library folder into the index.")
  static final class RebuildCommand implements Callable<Integer> {
    @ParentCommand LibraryCommand parent;
    @Spec CommandSpec spec;

    @Option(
        names = "--progress",
        paramLabel = "MODE",
        completionCandidates = Candidates.ProgressModes.class,
        description = "bar, plain, json or none, as for generate (counts the files read).")
    String progress;

    @Override
    public Integer call() {
      Progress bar = new Progress(spec.commandLine().getErr(), Progress.choose(progress));
      try (Library lib = parent.open()) {
        long t0 = System.nanoTime();
        ScanReport r;
        try {
          r = lib.rebuild((done, all) -> bar.count(done, all, GenerateCommand.since(t0)));
        } finally {
          bar.end();
        }
        PrintWriter out = spec.commandLine().getOut();
        for (String s : r.skipped()) {
          out.println("skipped: " + Main.oneLine(s));
        }
        out.printf(
            Locale.ROOT,
            "%s indexed (%d new, %d re-read, %d gone, %d skipped) in %s%n",
            Progress.plural(lib.count(), "image"),
            r.added(),
            r.updated(),
            r.removed(),
            r.skipped().size(),
            lib.folder());
        out.flush();
      }
      return 0;
    }
  }

  @Command(
      name = "empty-trash",
      mixinStandardHelpOptions = true,
      description =
          "Removes deleted images from the library's trash for good (opening the library already"
              + " removes those deleted over 30 days ago).")
  static final class EmptyTrashCommand implements Callable<Integer> {
    @ParentCommand LibraryCommand parent;
    @Spec CommandSpec spec;

    @Option(
        names = "--older-than-days",
        defaultValue = "0",
        description = "Only images deleted more than this many days ago (default 0: all).")
    int days;

    @Override
    public Integer call() {
      if (days < 0 || days > 36_500) {
        throw new CliErrors.BadValue(
            "--older-than-days " + days + " is not allowed; use 0 to 36500.");
      }
      try (Library lib = parent.open()) {
        var emptied = lib.emptyTrash(java.time.Duration.ofDays(days));
        PrintWriter out = spec.commandLine().getOut();
        out.printf(
            Locale.ROOT,
            "removed %d deleted image%s (%.1f MB) from the trash of %s%n",
            emptied.files(),
            emptied.files() == 1 ? "" : "s",
            emptied.bytes() / 1e6,
            lib.folder());
        out.flush();
      }
      return 0;
    }
  }

  @Command(
      name = "export",
      mixinStandardHelpOptions = true,
      description = "Copies matching images (recipes included) into a folder or a zip file.")
  static final class ExportCommand implements Callable<Integer> {
    @ParentCommand LibraryCommand parent;
    @Spec CommandSpec spec;

    @ArgGroup(exclusive = false)
    Filters filters = new Filters();

    @ArgGroup(exclusive = true, multiplicity = "1")
    Target target;

    static final class Target {
      @Option(names = "--to", required = true, description = "Folder to copy into.")
      Path folder;

      @Option(
          names = "--zip",
          required = true,
          description = "Zip file to write (an existing one only with --overwrite).")
      Path zip;
    }

    @Option(
        names = "--overwrite",
        description = "Replace an existing --zip file (never a folder, link or device).")
    boolean overwrite;

    @Parameters(
        arity = "0..*",
        paramLabel = "WORDS",
        description = "Only images whose text holds every word.")
    List<String> words;

    @Option(
        names = "--progress",
        paramLabel = "MODE",
        completionCandidates = Candidates.ProgressModes.class,
        description = "bar, plain, json or none, as for generate (file i of n, the time left).")
    String progress;

    @Override
    public Integer call() {
      Progress bar = new Progress(spec.commandLine().getErr(), Progress.choose(progress));
      try (Library lib = parent.open()) {
        List<Long> ids =
            lib.find(filters.query(words)).stream()
                .map(LibraryImage::id)
                .collect(Collectors.toList());
        long t0 = System.nanoTime();
        LibraryExport.Listener told =
            (done, all, file) -> bar.exported(done, all, file, GenerateCommand.since(t0));
        PrintWriter out = spec.commandLine().getOut();
        String done;
        try {
          done =
              target.zip != null
                  ? "wrote "
                      + lib.exportZip(ids, target.zip, overwrite, told)
                      + " ("
                      + Progress.plural(ids.size(), "image")
                      + ")"
                  : "copied "
                      + Progress.plural(lib.exportCopy(ids, target.folder, told).size(), "image")
                      + " into "
                      + target.folder.toAbsolutePath();
        } finally {
          bar.end();
        }
        out.println(done);
        out.flush();
      }
      return 0;
    }
  }
}
