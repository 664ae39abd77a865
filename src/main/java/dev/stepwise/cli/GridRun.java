package dev.stepwise.cli;

import dev.stepwise.engine.EngineException;
import dev.stepwise.engine.GeneratedImage;
import dev.stepwise.engine.GenerationListener;
import dev.stepwise.engine.GenerationRequest;
import dev.stepwise.engine.ModelInfo;
import dev.stepwise.engine.PreviewMethod;
import dev.stepwise.engine.RgbImage;
import dev.stepwise.engine.StepEvent;
import dev.stepwise.engine.service.JobHandle;
import dev.stepwise.engine.service.SamplingService;
import dev.stepwise.gallery.GridSheet;
import dev.stepwise.gallery.Library;
import dev.stepwise.gallery.Recipe;
import dev.stepwise.metadata.PngImage;
import dev.stepwise.recipe.GridPlan;
import dev.stepwise.recipe.Settings;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;

/**
 * {@code generate --grid}: queues one job per cell of a {@link GridPlan}, saves each cell with its
 * recipe as soon as it is finished ({@code FILE-cell-N.png} beside {@code --out FILE.png}, N from 0
 * with X fastest, or into the library), then the labelled {@link GridSheet} with the first cell's
 * recipe plus A1111's grid keys ({@code Script: X/Y/Z plot, X Type, X Values, ...}).
 */
final class GridRun {
  private final GenerateCommand cmd;
  private final GridPlan plan;
  private final Library lib;
  private final PrintWriter stdout;
  private final Progress bar;
  private final List<Settings> cells;
  private final RunReport report;
  private final Recipe[] recipes;
  private final Map<String, String> firstParameters = new LinkedHashMap<>();
  private final List<JobHandle> jobs = new ArrayList<>();
  private GridSheet sheet;
  private volatile EngineException failure;

  GridRun(GenerateCommand cmd, GridPlan plan, GenerationRequest base, Library lib, Progress bar) {
    this.cmd = cmd;
    this.plan = plan;
    this.lib = lib;
    this.stdout = cmd.spec.commandLine().getOut();
    this.bar = bar;
    this.cells = plan.cells(base.settings());
    this.report = new RunReport(cells.size() + 1);
    this.recipes = new Recipe[cells.size()];
  }

  /** Runs every cell on {@code service}, then writes the grid; returns the exit code. */
  int run(SamplingService service, GenerationRequest base) throws Exception {
    long t0 = System.nanoTime();
    Path kept = cmd.out != null ? cmd.out.toAbsolutePath().getParent() : lib.folder();
    try (Interrupt ctrlC = Interrupt.install(this::cancelAll, () -> {})) {
      for (int i = 0; i < cells.size(); i++) {
        GenerationRequest r =
            base.toBuilder()
                .settings(cells.get(i))
                .batch(1)
                .previewMethod(PreviewMethod.OFF)
                .build();
        synchronized (jobs) {
          jobs.add(service.submit(r, new Cell(i, r)));
        }
      }
      if (ctrlC.interrupted()) {
        cancelAll();
      }
      for (JobHandle job : List.copyOf(jobs)) {
        try {
          job.result().join();
        } catch (CancellationException e) {
          if (failure == null && ctrlC.interrupted()) {
            return stopped(kept, t0);
          }
          throw failure != null ? failure : e;
        } catch (CompletionException e) {
          cancelAll();
          throw (e.getCause() instanceof Exception ex) ? ex : e;
        }
      }
    } finally {
      bar.end();
    }
    if (failure != null) {
      throw failure;
    }
    writeGrid();
    if (cmd.json) {
      stdout.println(report.json("ok", List.of(), GenerateCommand.since(t0)));
    }
    stdout.flush();
    return 0;
  }

  private void cancelAll() {
    synchronized (jobs) {
      jobs.forEach(JobHandle::cancel);
    }
  }

  private int stopped(Path kept, long t0) {
    for (JobHandle j : List.copyOf(jobs)) {
      try {
        j.result().get(30, TimeUnit.SECONDS);
      } catch (Exception e) {
        // cancelled, as asked
      }
    }
    bar.end();
    if (cmd.json) {
      stdout.println(report.json("interrupted", List.of(), GenerateCommand.since(t0)));
      stdout.flush();
    }
    cmd.spec.commandLine().getErr().println("stepwise: " + Main.oneLine(report.keptSentence(kept)));
    cmd.spec.commandLine().getErr().flush();
    return Interrupt.EXIT_CODE;
  }

  /** The grid's picture with the first cell's recipe plus the grid's keys, once all are done. */
  private void writeGrid() {
    Recipe first = recipes[0];
    Map<String, String> params = new LinkedHashMap<>(firstParameters);
    params.putAll(plan.parameters());
    Recipe grid =
        Recipe.made(
            cells.get(0),
            first.seed(),
            first.width(),
            first.height(),
            -1,
            first.modelName(),
            first.modelHash(),
            params);
    byte[] rgb = sheet.rgb();
    Path file;
    String what;
    if (cmd.out != null) {
      file = cmd.out;
      PngImage.write(file, sheet.width(), sheet.height(), rgb, Library.textChunks(grid));
      what = "wrote";
    } else {
      file = lib.save(sheet.width(), sheet.height(), rgb, grid).file();
      what = "saved";
    }
    report.add(
        new RunReport.Saved(
            cells.size() + 1,
            file,
            first.seed(),
            sheet.width(),
            sheet.height(),
            size(file),
            0,
            grid));
    if (!cmd.quiet && !cmd.json) {
      stdout.printf(
          Locale.ROOT,
          "%s %s (grid of %dx%d cells, %dx%d)%n",
          what,
          file,
          plan.columns(),
          plan.rows(),
          sheet.width(),
          sheet.height());
    }
    if (!sheet.labelled()) {
      stdout.println(
          "note: The grid's labels could not be drawn (Java2D found no font); the cells are in"
              + " place.");
    }
  }

  private static long size(Path file) {
    try {
      return Files.size(file);
    } catch (java.io.IOException e) {
      return -1;
    }
  }

  private Path cellFile(int index) {
    String name = cmd.out.getFileName().toString();
    String stem = name.substring(0, name.length() - 4);
    return cmd.out.resolveSibling(stem + "-cell-" + index + ".png");
  }

  /** The cell's label: its column's and, with two axes, its row's. */
  private String label(int index) {
    String col = plan.columnLabel(index % plan.columns());
    String row = plan.rowLabel(index / plan.columns());
    return row.isEmpty() ? col : col + ", " + row;
  }

  /** One cell's job: steps to the progress, the finished image to its file and the sheet. */
  private final class Cell implements GenerationListener {
    private final int index;
    private final GenerationRequest request;
    private volatile ModelInfo model;

    Cell(int index, GenerationRequest request) {
      this.index = index;
      this.request = request;
    }

    @Override
    public void started(ModelInfo info) {
      model = info;
    }

    @Override
    public void step(StepEvent e) {
      bar.step(
          index + 1,
          cells.size(),
          e.step() + 1,
          e.totalSteps(),
          e.elapsed() == null ? -1 : e.elapsed().toMillis(),
          e.eta() == null ? -1 : e.eta().toMillis());
    }

    @Override
    public void image(GeneratedImage img) {
      if (failure != null) {
        return;
      }
      RgbImage rgb = img.image();
      Recipe recipe =
          Recipe.made(
              request.settings(),
              img.seed(),
              rgb.width(),
              rgb.height(),
              img.duration().toMillis(),
              model == null ? null : model.name(),
              model == null ? null : model.hash(),
              img.parameters());
      try {
        Path file;
        String what;
        if (cmd.out != null) {
          file = cellFile(index);
          PngImage.write(file, rgb.width(), rgb.height(), rgb.rgb(), Library.textChunks(recipe));
          what = "wrote";
        } else {
          file = lib.save(rgb.width(), rgb.height(), rgb.rgb(), recipe).file();
          what = "saved";
        }
        synchronized (GridRun.this) {
          if (sheet == null) {
            List<String> cols = new ArrayList<>();
            for (int ix = 0; ix < plan.columns(); ix++) {
              cols.add(plan.columnLabel(ix));
            }
            List<String> rows = new ArrayList<>();
            for (int iy = 0; iy < plan.rows(); iy++) {
              rows.add(plan.rowLabel(iy));
            }
            sheet = new GridSheet(rgb.width(), rgb.height(), cols, rows);
          }
          sheet.setCell(index, rgb.rgb());
          recipes[index] = recipe;
          if (index == 0) {
            firstParameters.putAll(img.parameters());
          }
        }
        long ms = img.duration().toMillis();
        report.add(
            new RunReport.Saved(
                index + 1, file, img.seed(), rgb.width(), rgb.height(), size(file), ms, recipe));
        bar.end();
        if (!cmd.quiet && !cmd.json) {
          stdout.printf(
              Locale.ROOT,
              "%s %s (%s; seed %d, %dx%d, %.1f s)%n",
              what,
              file,
              label(index),
              img.seed(),
              rgb.width(),
              rgb.height(),
              ms / 1000.0);
          stdout.flush();
        }
        bar.file(
            index + 1,
            cells.size(),
            request.settings().steps(),
            file.toAbsolutePath().toString(),
            img.seed(),
            rgb.width(),
            rgb.height(),
            ms);
      } catch (RuntimeException ex) {
        failure =
            new EngineException(
                "Could not save the grid's cell "
                    + index
                    + " ("
                    + GenerateCommand.reason(ex)
                    + "); generation stopped.",
                ex);
        cancelAll();
      }
    }
  }
}
