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
  private final GenerationRequest request;
  private final PackFacts facts;
  private final PreviewCost cost = new PreviewCost(); // sampling thread only
  private final List<String> notices = new CopyOnWriteArrayList<>();
  volatile QueueEntry entry;

  JobListener(StudioViewModel vm, GenerationRequest request, PackFacts facts) {
    this.vm = vm;
    this.request = request;
    this.facts = facts;
  }

  @Override
  public void started(ModelInfo info) {
    SchedulerConfig scheduler = facts.scheduler();
    vm.pump.post(
        () -> {
          entry.state(JobState.RUNNING);
          vm.running.set(true);
          vm.device.set(info.device());
          vm.status.set("Generating " + entry.summary());
          vm.stepsDone.set(0);
          vm.progress.set(0);
          vm.stepText.set("Step 0/" + request.settings().steps());
          vm.speedText.set("");
          vm.etaText.set("");
          vm.syncQueue();
          vm.runStarted();
          for (StudioListener l : vm.listeners) {
            l.jobStarted(facts.folder(), scheduler, request, info);
          }
        });
  }

  @Override
  public PreviewSource previewSource() {
    return vm.shownSource();
  }

  @Override
  public void notice(String sentence) {
    notices.add(sentence);
    vm.pump.post(() -> vm.showNotice(sentence));
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
    vm.pump.post(
        () -> {
          if (e.step() == 0) {
            for (StudioListener l : vm.listeners) {
              l.imageStarted(e.imageIndex(), seed, e.totalSteps());
            }
          }
          vm.stepArrived(frames, live);
          vm.previewCost(costText);
          vm.stepsDone.set(e.step() + 1);
          vm.progress.set(frac);
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
          vm.stepText.set("Step " + (e.step() + 1) + "/" + e.totalSteps() + img);
          vm.speedText.set(String.format(Locale.ROOT, "%.2f it/s", itPerSec));
          vm.etaText.set(String.format(Locale.ROOT, "ETA %d:%02d", etaSecs / 60, etaSecs % 60));
          for (StudioListener l : vm.listeners) {
            l.stepPreview(e.imageIndex(), e.step(), picture);
          }
        });
  }

  @Override
  public void image(GeneratedImage g) {
    LiveFrame full = LiveFrame.of(g.image());
    vm.pump.post(
        () -> {
          vm.imageArrived(full);
          vm.results.add(new ResultItem(g.image(), g.seed(), request));
          for (StudioListener l : vm.listeners) {
            l.imageFinished(request, g);
          }
        });
  }

  @Override
  public void finished(GenerationResult r) {
    vm.pump.post(
        () -> {
          entry.state(JobState.FINISHED);
          vm.queue.remove(entry);
          vm.progress.set(1);
          vm.stepText.set("Done");
          vm.etaText.set("");
          vm.status.set(
              String.format(
                      Locale.ROOT,
                      "Finished %d image%s (%s) in %.1f s.",
                      r.images().size(),
                      r.images().size() == 1 ? "" : "s",
                      Seeds.describe(request.settings().seed(), request.batch()),
                      r.duration().toMillis() / 1000.0)
                  + (notices.isEmpty() ? "" : " " + String.join(" ", notices)));
          vm.syncQueue();
        });
  }

  @Override
  public void cancelled() {
    vm.pump.post(
        () -> {
          boolean wasRunning = entry.state() == JobState.RUNNING;
          entry.state(JobState.CANCELLED);
          vm.queue.remove(entry);
          if (wasRunning) {
            vm.stepText.set("Cancelled at step " + vm.stepsDone.get() + "/" + request.settings().steps());
            vm.etaText.set("");
          }
          vm.status.set("Cancelled job #" + entry.job().id() + ".");
          vm.syncQueue();
        });
  }

  @Override
  public void failed(EngineException ex) {
    vm.pump.post(
        () -> {
          entry.state(JobState.FAILED);
          vm.queue.remove(entry);
          vm.stepText.set("Failed");
          vm.error.set(ex.getMessage());
          vm.syncQueue();
        });
  }
}
