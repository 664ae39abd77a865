package dev.stepwise.cli;

import dev.stepwise.engine.EngineException;
import dev.stepwise.engine.GeneratedImage;
import dev.stepwise.engine.GenerationListener;
import dev.stepwise.engine.ModelInfo;
import dev.stepwise.engine.RgbImage;
import dev.stepwise.engine.StepEvent;
import dev.stepwise.engine.service.JobHandle;
import dev.stepwise.gallery.Library;
import dev.stepwise.gallery.Recipe;
import dev.stepwise.metadata.PngImage;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code generate}'s listener: reports steps to the {@link Progress}, writes --frames, saves each
 * image the moment it is finished into the {@link RunReport}, so a stopped batch keeps what is
 * done; the first failure (disk full, folder gone) stops the job and becomes the command's error.
 */
final class FrameWriter implements GenerationListener {
  private final GenerateCommand cmd;
  private final PrintWriter stdout;
  private final Library lib;
  private final int batch;
  private final Progress bar;
  private final RunReport report;
  private final List<Path> unfinishedFrames = new ArrayList<>();
  private final AtomicBoolean reported = new AtomicBoolean();
  private volatile ModelInfo model;
  volatile JobHandle job;
  volatile EngineException failure;

  FrameWriter(GenerateCommand cmd, PrintWriter out, Library lib, Progress bar, RunReport report) {
    this.cmd = cmd;
    this.stdout = out;
    this.lib = lib;
    this.batch = cmd.batch;
    this.bar = bar;
    this.report = report;
  }

  /** Ctrl+C: cancels the job (it stops within one step). */
  void interrupt() {
    JobHandle j = job;
    if (j != null) {
      j.cancel();
    }
  }

  /**
   * After Ctrl+C, once the job has ended: removes the unfinished image's frames, prints the --json
   * object and the line saying what was kept (once); returns 130.
   */
  int stopped(CommandSpec spec, Path kept, long t0) {
    try {
      job.result().get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      // cancelled, as expected (or not submitted yet: job is null)
    }
    if (!reported.getAndSet(true)) {
      synchronized (this) {
        for (Path f : unfinishedFrames) {
          try {
            Files.deleteIfExists(f);
          } catch (IOException e) {
            Logging.log().info("could not remove {}", f, e);
          }
        }
      }
      bar.end();
      if (cmd.json) {
        stdout.println(report.json("interrupted", List.of(), GenerateCommand.since(t0)));
        stdout.flush();
      }
      spec.commandLine().getErr().println("stepwise: " + Main.oneLine(report.keptSentence(kept)));
      spec.commandLine().getErr().flush();
    }
    return Interrupt.EXIT_CODE;
  }

  /** The steps each image runs, as the engine's events count them. */
  private volatile int stepsPerImage;

  @Override
  public void started(ModelInfo info) {
    model = info;
  }

  @Override
  public void image(GeneratedImage img) {
    if (failure != null) {
      return;
    }
    RgbImage rgb = img.image();
    Map<String, String> parameters = new LinkedHashMap<>(img.parameters());
    parameters.putAll(cmd.inputKeys); // Init image, Mask image: the library's copies
    Recipe recipe =
        Recipe.made(
            job.request().settings(),
            img.seed(),
            img.recipeWidth(),
            img.recipeHeight(),
            img.duration().toMillis(),
            model == null ? null : model.name(),
            model == null ? null : model.hash(),
            parameters);
    try {
      String what;
      Path file;
      if (cmd.out != null) {
        file = outputFile(img.index(), batch);
        PngImage.write(file, rgb.width(), rgb.height(), rgb.rgb(), Library.textChunks(recipe));
        what = "wrote";
      } else {
        file = lib.save(rgb.width(), rgb.height(), rgb.rgb(), recipe).file();
        what = "saved";
      }
      long ms = img.duration().toMillis();
      synchronized (this) {
        unfinishedFrames.clear(); // this image's frames are finished ones now
      }
      report.add(
          new RunReport.Saved(
              img.index() + 1,
              file,
              img.seed(),
              rgb.width(),
              rgb.height(),
              size(file),
              ms,
              recipe));
      bar.end();
      if (!cmd.quiet && !cmd.json) {
        stdout.printf(
            Locale.ROOT,
            "%s %s (seed %d%s, %dx%d, %.1f s)%n",
            what,
            file,
            img.seed(),
            recipe.variationSeed() == null
                ? ""
                : ", variation seed "
                    + recipe.variationSeed()
                    + " at "
                    + recipe.extras().get(Recipe.VARIATION_STRENGTH),
            rgb.width(),
            rgb.height(),
            ms / 1000.0);
        stdout.flush();
      }
      bar.file(
          img.index() + 1,
          batch,
          stepsPerImage, // the steps that ran (img2img runs fewer than --steps; 0 at strength 0)
          file.toAbsolutePath().toString(),
          img.seed(),
          rgb.width(),
          rgb.height(),
          ms);
    } catch (RuntimeException ex) {
      fail(
          new EngineException(
              "Could not save the image with seed "
                  + img.seed()
                  + " ("
                  + GenerateCommand.reason(ex)
                  + "); generation stopped.",
              ex));
    }
  }

  private Path outputFile(int index, int count) {
    if (count == 1) {
      return cmd.out;
    }
    String name = cmd.out.getFileName().toString();
    String stem = name.substring(0, name.length() - 4);
    return cmd.out.resolveSibling(stem + "-" + index + ".png");
  }

  private static long size(Path file) {
    try {
      return Files.size(file);
    } catch (IOException e) {
      return -1;
    }
  }

  private void fail(EngineException e) {
    failure = e;
    JobHandle j = job;
    if (j != null) {
      j.cancel();
    }
  }

  @Override
  public void step(StepEvent e) {
    stepsPerImage = e.totalSteps();
    bar.step(
        e.imageIndex() + 1,
        batch,
        e.step() + 1,
        e.totalSteps(),
        e.elapsed() == null ? -1 : e.elapsed().toMillis(),
        e.eta() == null ? -1 : e.eta().toMillis());
    RgbImage p = e.preview();
    if (cmd.frames == null || p == null || failure != null) {
      return;
    }
    Path file =
        cmd.frames.resolve(
            String.format(Locale.ROOT, "image%d-step%03d.png", e.imageIndex(), e.step() + 1));
    try {
      PngImage.write(file, p.width(), p.height(), p.rgb(), Map.of());
      synchronized (this) {
        unfinishedFrames.add(file);
      }
    } catch (RuntimeException ex) {
      fail(
          new EngineException(
              "Could not write the frame "
                  + file
                  + " ("
                  + GenerateCommand.reason(ex)
                  + "); generation stopped.",
              ex));
    }
  }
}
