package dev.stepwise.cli;

import dev.stepwise.engine.EngineException;
import dev.stepwise.engine.GeneratedImage;
import dev.stepwise.engine.GenerationListener;
import dev.stepwise.engine.GenerationRequest;
import dev.stepwise.engine.ModelInfo;
import dev.stepwise.engine.PreviewMethod;
import dev.stepwise.engine.StepEvent;
import dev.stepwise.engine.service.JobHandle;
import dev.stepwise.engine.service.SamplingService;
import dev.stepwise.gallery.GridSheet;
import dev.stepwise.gallery.Library;
import dev.stepwise.gallery.Recipe;
import dev.stepwise.metadata.PngImage;
import dev.stepwise.recipe.GridPlan;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionException;

/**
 * {@code generate --grid}: a job per cell, each cell saved with its recipe as it finishes ({@code
 * FILE-cell-N.png} beside {@code --out FILE.png}, N from 0 X fastest, or into the library), then
 * the {@link GridSheet}. Ctrl+C ends at once; cells saved so far stay.
 */
final class GridRun {
  private final GenerateCommand cmd;
  private final GridPlan plan;
  private final Library lib;
  private final Progress bar;
  private final PrintWriter out;
  private final int n;
  private final RunReport report;
  private final List<JobHandle> jobs = new ArrayList<>();
  private GridSheet sheet;
  private volatile RuntimeException failure;

  GridRun(GenerateCommand cmd, GridPlan plan, Library lib, Progress bar) {
    this.cmd = cmd;
    this.plan = plan;
    this.lib = lib;
    this.bar = bar;
    this.out = cmd.spec.commandLine().getOut();
    this.n = plan.columns() * plan.rows();
    this.report = new RunReport(n + 1);
  }

  /** Runs the cells on {@code service}, then saves the grid; returns the exit code. */
  int run(SamplingService service, GenerationRequest base) throws Exception {
    long t0 = System.nanoTime();
    var cells = plan.cells(base.settings());
    for (int i = 0; i < n; i++) {
      var b = base.toBuilder().settings(cells.get(i)).batch(1);
      GenerationRequest r = b.previewMethod(PreviewMethod.OFF).build();
      synchronized (jobs) {
        jobs.add(service.submit(r, new Cell(i, r)));
      }
    }
    try {
      for (JobHandle job : List.copyOf(jobs)) {
        job.result().join();
      }
    } catch (CompletionException e) {
      cancelAll();
      throw e.getCause() instanceof Exception ex ? ex : e;
    } catch (RuntimeException e) {
      throw failure != null ? failure : e;
    } finally {
      bar.end();
    }
    if (failure != null) {
      throw failure;
    }
    save(n, sheet.recipe(), sheet.width(), sheet.height(), sheet.rgb(), cmd.out, "grid");
    if (cmd.json) {
      out.println(report.json("ok", List.of(), GenerateCommand.since(t0)));
    }
    return 0;
  }

  /** Writes {@code file} or saves into the library; reports it as image {@code i + 1}. */
  private void save(int i, Recipe r, int w, int h, byte[] rgb, Path file, String what) {
    if (cmd.out != null) {
      PngImage.write(file, w, h, rgb, Library.textChunks(r));
    } else {
      file = lib.save(w, h, rgb, r).file();
    }
    long ms = Math.max(0, r.durationMillis());
    report.add(new RunReport.Saved(i + 1, file, r.seed(), w, h, file.toFile().length(), ms, r));
    bar.end();
    if (!cmd.quiet && !cmd.json) {
      out.printf("%s %s (%s, %dx%d)%n", cmd.out != null ? "wrote" : "saved", file, what, w, h);
      out.flush();
    }
    bar.file(i + 1, n + 1, r.steps(), file.toAbsolutePath().toString(), r.seed(), w, h, ms);
  }

  private void cancelAll() {
    synchronized (jobs) {
      jobs.forEach(JobHandle::cancel);
    }
  }

  /** One cell's job: steps to the progress, the image to its file and the sheet. */
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
      long ms = e.elapsed().toMillis();
      bar.step(index + 1, n + 1, e.step() + 1, e.totalSteps(), ms, e.eta().toMillis());
    }

    @Override
    public void image(GeneratedImage img) {
      var rgb = img.image();
      int w = rgb.width();
      int h = rgb.height();
      long ms = img.duration().toMillis();
      String name = model == null ? null : model.name();
      String hash = model == null ? null : model.hash();
      var r = Recipe.made(request.settings(), img.seed(), w, h, ms, name, hash, img.parameters());
      String stem = cmd.out == null ? "" : cmd.out.toString().replaceAll("(?i)\\.png$", "");
      String what = plan.columnLabel(index % plan.columns());
      what += plan.rows() > 1 ? ", " + plan.rowLabel(index / plan.columns()) : "";
      try {
        synchronized (GridRun.this) {
          sheet = sheet != null ? sheet : new GridSheet(plan, w, h);
          sheet.put(index, rgb.rgb(), r);
          Path file = cmd.out == null ? null : Path.of(stem + "-cell-" + index + ".png");
          save(index, r, w, h, rgb.rgb(), file, what + "; seed " + img.seed());
        }
      } catch (RuntimeException ex) {
        String why = GenerateCommand.reason(ex);
        failure =
            new EngineException("Could not save the grid's cell " + index + " (" + why + ").");
        cancelAll(); // the engine goes on after a listener fails; this stops the grid
      }
    }
  }
}
