package dev.stepwise.app.studio;

import dev.stepwise.engine.EngineException;
import dev.stepwise.engine.GeneratedImage;
import dev.stepwise.engine.GenerationListener;
import dev.stepwise.engine.GenerationRequest;
import dev.stepwise.engine.GenerationResult;
import dev.stepwise.engine.ModelInfo;
import dev.stepwise.engine.PreviewSource;
import dev.stepwise.engine.RgbImage;
import dev.stepwise.engine.StepEvent;
import dev.stepwise.engine.StepFrames;
import dev.stepwise.engine.sampling.SchedulerConfig;
import dev.stepwise.engine.service.JobState;
import dev.stepwise.engine.service.PackFacts;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Hears one job on the sampling thread: packs the engine's frames (already decoded at the output
 * size) for the canvas there and posts every event through the view-model's pump, so the UI thread
 * only copies finished values. Tells the engine which source the canvas shows, so that source is
 * the one rendered with the run's preview method.
 */
final class JobListener implements GenerationListener {
  private final StudioViewModel vm;
  private final UiPump pump;
  private final GenerationRequest request;
  private final PackFacts facts;
  private final PreviewCost cost = new PreviewCost(); // sampling thread only
  private final List<String> notices = new CopyOnWriteArrayList<>();
  private volatile QueueEntry entry;

  JobListener(StudioViewModel vm, GenerationRequest request, PackFacts facts) {
    this.vm = vm;
    this.pump = vm.pump();
    this.request = request;
    this.facts = facts;
  }

  /** The queue entry of this listener's job (set once the job is submitted). */
  void follow(QueueEntry e) {
    entry = e;
  }

  @Override
  public void started(ModelInfo info) {
    SchedulerConfig scheduler = facts.scheduler();
    pump.post(
        () -> {
          vm.jobs().started(entry);
          vm.status().device(info.device());
          vm.status().showStatus("Generating " + entry.summary() + ".");
          vm.progress().started(request.settings().steps());
          vm.jobs().sync();
          // A new job: its notices start afresh and the canvas follows the live run again.
          vm.status().clearNotice();
          vm.live().showLive();
          for (StudioListener l : vm.listeners()) {
            l.jobStarted(facts.folder(), scheduler, request, info);
          }
        });
  }

  @Override
  public PreviewSource previewSource() {
    return vm.live().shownSource();
  }

  @Override
  public void notice(String sentence) {
    notices.add(sentence);
    pump.post(() -> vm.status().showNotice(sentence));
  }

  @Override
  public void step(StepEvent e) {
    StepFrames frames = e.frames(); // null when previews are off
    RgbImage picture = frames == null ? null : frames.watchedFrame();
    LiveFrame live = picture == null ? null : LiveFrame.of(picture);
    String costText = cost.add(frames);
    double done = e.imageIndex() * (double) e.totalSteps() + e.step() + 1;
    double secs = Math.max(1e-9, e.elapsed().toNanos() / 1e9);
    double itPerSec = done / secs;
    double frac = e.progress(request.batch());
    long etaSecs = Math.round(e.eta().toMillis() / 1000.0);
    long seed = request.settings().seedOf(e.imageIndex());
    pump.post(
        () -> {
          if (e.step() == 0) {
            for (StudioListener l : vm.listeners()) {
              l.imageStarted(e.imageIndex(), seed, e.totalSteps());
            }
          }
          vm.live().stepArrived(frames, live);
          vm.progress().previewCost(costText);
          String img =
              request.batch() > 1
                  ? " · image "
                      + (e.imageIndex() + 1)
                      + "/"
                      + request.batch()
                      + " (seed "
                      + seed
                      + ")"
                  : "";
          vm.progress().stepDone(e.step(), e.totalSteps(), img, frac, itPerSec, etaSecs);
          for (StudioListener l : vm.listeners()) {
            l.stepPreview(e.imageIndex(), e.step(), picture);
          }
        });
  }

  @Override
  public void image(GeneratedImage g) {
    LiveFrame full = LiveFrame.of(g.image());
    pump.post(
        () -> {
          vm.live().imageArrived(full);
          vm.jobs().resultArrived(new ResultItem(g.image(), g.seed(), request));
          for (StudioListener l : vm.listeners()) {
            l.imageFinished(request, g);
          }
        });
  }

  @Override
  public void finished(GenerationResult r) {
    pump.post(
        () -> {
          vm.jobs().ended(entry, JobState.FINISHED);
          vm.progress().finished();
          vm.status()
              .showStatus(
                  String.format(
                          Locale.ROOT,
                          "Finished %d image%s (%s) in %.1f s.",
                          r.images().size(),
                          r.images().size() == 1 ? "" : "s",
                          Seeds.describe(request.settings().seed(), request.batch()),
                          r.duration().toMillis() / 1000.0)
                      + (notices.isEmpty() ? "" : " " + String.join(" ", notices)));
          vm.jobs().sync();
        });
  }

  @Override
  public void cancelled() {
    pump.post(
        () -> {
          boolean wasRunning = entry.state() == JobState.RUNNING;
          vm.jobs().ended(entry, JobState.CANCELLED);
          if (wasRunning) {
            vm.progress().cancelled(request.settings().steps());
          }
          vm.status().showStatus("Cancelled job #" + entry.job().id() + ".");
          vm.jobs().sync();
        });
  }

  @Override
  public void failed(EngineException ex) {
    pump.post(
        () -> {
          vm.jobs().ended(entry, JobState.FAILED);
          vm.progress().failed();
          // The status line no longer says "Generating"; the error line has the reason.
          vm.status().showStatus("Job #" + entry.job().id() + " failed.");
          vm.status().showError(ex.getMessage());
          vm.jobs().sync();
        });
  }
}
