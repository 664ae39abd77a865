package dev.stepwise.app.studio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stepwise.engine.GenerationRequest;
import dev.stepwise.engine.PreviewMethod;
import dev.stepwise.engine.PreviewSource;
import dev.stepwise.engine.RgbImage;
import dev.stepwise.engine.TestPacks;
import dev.stepwise.engine.sampling.SchedulerConfig;
import dev.stepwise.engine.service.JobState;
import dev.stepwise.engine.service.SamplingService;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The studio's view-model without a toolkit: a queue stands in for the FX thread. */
class StudioViewModelTest {
  private static final Duration LIMIT = Duration.ofSeconds(60);
  private final UiQueue ui = new UiQueue();
  private final StudioViewModel vm = new StudioViewModel(ui, Runnable::run, new Random(7));
  private static SamplingService service;

  @AfterAll
  static void stop() {
    if (service != null) {
      service.close();
    }
  }

  private void openTiny(int steps) throws InterruptedException {
    Path tiny = TestPacks.tinySd();
    GenerationSettings d = GenerationSettings.defaults();
    vm.apply(
        new GenerationSettings(
            "a red heart", "", 5, steps, "0", false, d.sampler(), false, 0, 0, 1, ""),
        List.of(new ModelChoice("tiny", tiny, true)));
    ui.runUntil(() -> vm.model().factsProperty().get() != null, LIMIT);
  }

  private void attach() {
    if (service == null) {
      service = new SamplingService(TestPacks.tinySd());
    }
    vm.attach(service);
  }

  @Test
  void readsTheModelSizeWordsAndWarnsOfUnknownOnes() throws Exception {
    openTiny(4);
    assertEquals(
        32, vm.controls().widthProperty().get(), "the tiny pack's own size fills an empty size");
    assertEquals("", vm.prompts().unknownWarningProperty().get());
    vm.controls().promptProperty().set("a red zebra with wings");
    ui.runUntil(() -> !vm.prompts().unknownWords().isEmpty(), LIMIT);
    assertEquals(List.of("zebra", "wings"), vm.prompts().unknownWords());
    assertTrue(vm.prompts().unknownWarningProperty().get().contains("zebra, wings"));
    assertTrue(
        vm.prompts().unknownWarningProperty().get().endsWith("zebra, wings."),
        "the tiny pack lists no captions, so no scope note");
    assertTrue(vm.prompts().completions("he", 5).contains("heart"));
    assertTrue(vm.prompts().completions("zz", 5).isEmpty());
  }

  /** Issue 14: the studio's hires fix doubles the tiny pack's 32 px and records the fix. */
  @Test
  void theHiresFixEnlargesAndRedrawsAndIsRefusedWithAnInitImage() throws Exception {
    openTiny(2);
    attach();
    HiresViewModel h = vm.hires();
    h.enabledProperty().set(true);
    h.scaleProperty().set(2);
    h.strengthProperty().set(0.5);
    assertNotNull(vm.generate());
    ui.runUntil(() -> vm.jobs().results().size() == 1 && vm.jobs().queue().isEmpty(), LIMIT);
    ResultItem r = vm.jobs().results().get(0);
    assertEquals(64, r.image().width(), "32 px made, enlarged 2x and redrawn");
    assertEquals(2.0, r.request().hires().scale());
    assertEquals(0.5, r.request().hires().strength());

    vm.useInitImage(r.image(), "result");
    assertNull(vm.generate(), "no hires fix from a picture");
    assertTrue(vm.status().errorProperty().get().contains("hires fix is for text to image"));
    h.enabledProperty().set(false);
    assertNull(h.settings(), "off: no second pass");
  }

  @Test
  void theBuiltInModelSaysItDrawsSingleEmojiForAScene() throws Exception {
    GenerationSettings d = GenerationSettings.defaults();
    vm.apply(
        new GenerationSettings("cat face", "", 5, 4, "0", false, d.sampler(), false, 0, 0, 1, ""),
        List.of(new ModelChoice("built-in", TestPacks.builtIn(), true)));
    ui.runUntil(() -> vm.model().factsProperty().get() != null, LIMIT);
    vm.controls().promptProperty().set("a cat wearing a hat");
    ui.runUntil(() -> !vm.prompts().unknownWarningProperty().get().isEmpty(), LIMIT);
    String note = vm.prompts().unknownWarningProperty().get();
    assertTrue(note.startsWith("This model draws single emoji"), note);
    vm.controls().promptProperty().set("cat face, fluent flat style");
    ui.runUntil(() -> vm.prompts().unknownWarningProperty().get().isEmpty(), LIMIT);
  }

  @Test
  void aCraftedTokenizerIsNeverRunOnTheUiThreadAndTheNewestEditWins(@TempDir Path dir)
      throws Exception {
    // The prompt is checked on the background executor, here a queue the test drains: typing
    // into the prompt (on the UI thread) only queues a check, so a costly pattern in the pack's
    // tokenizer.json cannot freeze the window.
    UiQueue background = new UiQueue();
    StudioViewModel studio = new StudioViewModel(ui, background, new Random(7));
    Path evil = TestPacks.tinySdWithSplit(dir, TestPacks.EXPONENTIAL_SPLIT);
    GenerationSettings d = GenerationSettings.defaults();
    studio.apply(
        new GenerationSettings("", "", 5, 4, "0", false, d.sampler(), false, 0, 0, 1, ""),
        List.of(new ModelChoice("evil", evil, true)));
    background.runAll(); // reads the pack
    ui.runAll();
    assertNotNull(studio.model().factsProperty().get(), "the crafted pack reads");
    background.runAll();
    ui.runAll();

    String costly = "a".repeat(40);
    for (int i = 1; i <= costly.length(); i++) {
      studio.controls().promptProperty().set(costly.substring(0, i)); // one keystroke each
    }
    assertEquals(0, ui.pending(), "nothing was tokenized on the UI thread");
    assertEquals("", studio.prompts().unknownWarningProperty().get());
    assertEquals(costly.length(), background.pending(), "each keystroke queued a check");
    assertTrue(studio.prompts().completions("he", 5).contains("heart"), "lookups need no regex");

    background.runAll();
    assertEquals(1, ui.pending(), "only the newest keystroke's check ran and reports");
    ui.runAll();
    String warning = studio.prompts().unknownWarningProperty().get();
    assertTrue(warning.startsWith("The tokenizer's Split pattern \"(.*a){12}b\""), warning);
    assertTrue(warning.contains("is too costly for this prompt"), warning);
    assertTrue(studio.prompts().unknownWords().isEmpty());

    studio.controls().promptProperty().set("");
    background.runAll();
    ui.runAll();
    assertEquals("", studio.prompts().unknownWarningProperty().get(), "a cheap prompt clears it");
  }

  @Test
  void promptIdeasComeFromTheModelAndFilterByEveryWord(@TempDir Path copy) throws Exception {
    openTiny(4);
    assertFalse(vm.prompts().hasPromptIdeasProperty().get(), "tiny-sd lists no ideas");
    assertNull(vm.prompts().surprisePrompt(new Random(1)));
    assertEquals("a red heart", vm.controls().promptProperty().get(), "no ideas: the prompt stays");
    Path pack =
        TestPacks.tinySdWithPrompts(
            copy.resolve("p"),
            "grinning cat, twemoji style",
            "red heart, fluent flat style",
            "cat face, fluent flat style");
    vm.model().openModel(pack);
    ui.runUntil(
        () ->
            vm.model().factsProperty().get() != null
                && vm.model().factsProperty().get().folder().equals(pack),
        LIMIT);
    assertTrue(vm.prompts().hasPromptIdeasProperty().get());
    assertEquals(3, vm.prompts().promptIdeas().size());
    assertEquals(
        List.of("grinning cat, twemoji style", "cat face, fluent flat style"),
        vm.prompts().findPromptIdeas("CAT", 10));
    assertEquals(
        List.of("cat face, fluent flat style"), vm.prompts().findPromptIdeas(" flat  cat ", 10));
    assertEquals(List.of("grinning cat, twemoji style"), vm.prompts().findPromptIdeas("", 1));
    assertEquals(List.of(), vm.prompts().findPromptIdeas("zebra", 10));
    String idea = vm.prompts().surprisePrompt(new Random(5));
    assertTrue(vm.prompts().promptIdeas().contains(idea), idea);
    assertEquals(idea, vm.controls().promptProperty().get());
  }

  @Test
  void aBrokenModelLeavesAPlainMessageAndGenerateRefuses(@TempDir Path empty) throws Exception {
    attach();
    vm.apply(GenerationSettings.defaults(), List.of(new ModelChoice("broken", empty, true)));
    ui.runUntil(() -> !vm.model().modelMessageProperty().get().startsWith("Reading"), LIMIT);
    assertTrue(vm.model().modelMessageProperty().get().contains("Choose another model"));
    assertNull(vm.generate());
    assertEquals(vm.model().modelMessageProperty().get(), vm.status().errorProperty().get());
    vm.model().openModel(TestPacks.tinySd());
    ui.runUntil(() -> vm.model().factsProperty().get() != null, LIMIT);
    assertEquals("", vm.model().modelMessageProperty().get());
    assertEquals(2, vm.model().models().size());
  }

  @Test
  void invalidControlsAreRefusedBeforeTheEngine() throws Exception {
    openTiny(4);
    assertNull(vm.generate());
    assertTrue(vm.status().errorProperty().get().contains("engine is still starting"));
    attach();
    vm.controls().stepsProperty().set(0);
    assertNull(vm.generate());
    assertTrue(vm.status().errorProperty().get().startsWith("Steps must be"));
    assertTrue(vm.jobs().queue().isEmpty());
  }

  @Test
  void twoJobsQueueRunInOrderAndStreamEveryStep() throws Exception {
    openTiny(4);
    attach();
    List<String> heard = new ArrayList<>();
    vm.addStudioListener(
        new StudioListener() {
          @Override
          public void jobStarted(
              Path packDir, SchedulerConfig scheduler, GenerationRequest request) {
            assertNotNull(scheduler);
            heard.add("start " + request.settings().seed());
          }

          @Override
          public void stepPreview(int imageIndex, int step, RgbImage x0) {
            heard.add("step " + step);
          }
        });
    QueueEntry first = vm.generate();
    long seed1 = vm.seeds().lastSeed();
    QueueEntry second = vm.generate();
    long seed2 = vm.seeds().lastSeed();
    assertNotNull(first);
    assertNotNull(second);
    assertNotEquals(seed1, seed2, "an unlocked seed is drawn anew for every job");
    assertEquals(2, vm.jobs().queue().size());
    ui.runUntil(() -> vm.jobs().results().size() == 2 && vm.jobs().queue().isEmpty(), LIMIT);
    assertEquals(
        List.of(
            "start " + seed1,
            "step 0",
            "step 1",
            "step 2",
            "step 3",
            "start " + seed2,
            "step 0",
            "step 1",
            "step 2",
            "step 3"),
        heard);
    assertEquals(seed1, vm.jobs().results().get(0).seed());
    assertEquals(32, vm.live().frameProperty().get().width(), "the last frame is the full decode");
    assertFalse(vm.jobs().runningProperty().get());
    assertTrue(ui.maxPending() <= 2, "at most one pump drain pending, got " + ui.maxPending());
    vm.seeds().reuseLastSeed();
    assertEquals(Long.toString(seed2), vm.seeds().seedTextProperty().get());
    assertTrue(vm.seeds().seedLockedProperty().get());
  }

  @Test
  void batchSeedsAndCanvasSourceSwitch() throws Exception {
    openTiny(3);
    attach();
    vm.seeds().seedLockedProperty().set(true);
    vm.seeds().seedTextProperty().set("100");
    vm.controls().batchProperty().set(3);
    QueueEntry e = vm.generate();
    assertEquals("seeds 100-102", e.seeds());
    ui.runUntil(() -> vm.jobs().results().size() == 3, LIMIT);
    assertEquals(
        List.of(100L, 101L, 102L), vm.jobs().results().stream().map(ResultItem::seed).toList());
    LiveFrame full = vm.live().frameProperty().get();
    assertEquals(32, full.width(), "the finished image");
    vm.live().previewSourceProperty().set(PreviewSource.NOISY_LATENT);
    assertSame(full, vm.live().frameProperty().get(), "at the end x_t is the finished image too");
    vm.live().previewSourceProperty().set(PreviewSource.PREDICTED_NOISE);
    LiveFrame eps = vm.live().frameProperty().get();
    assertEquals(32, eps.width(), "eps is shown at the output size");
    assertEquals(32, eps.height());
    assertFalse(Arrays.equals(full.argb(), eps.argb()), "eps is not the image");
    vm.live().previewSourceProperty().set(PreviewSource.PREDICTED_IMAGE);
    assertEquals(full, vm.live().frameProperty().get());
  }

  @Test
  void switchingToXtMidRunMakesTheEngineDecodeXt() throws Exception {
    openTiny(200);
    attach();
    List<Integer> widths = new ArrayList<>();
    vm.live().frameProperty().addListener((o, a, f) -> widths.add(f.width()));
    QueueEntry e = vm.generate();
    ui.runUntil(() -> vm.progress().stepsDoneProperty().get() >= 2, LIMIT);
    assertEquals(PreviewSource.PREDICTED_IMAGE, vm.live().stepFrames().watched());
    vm.live().previewSourceProperty().set(PreviewSource.NOISY_LATENT);
    assertEquals(
        32, vm.live().frameProperty().get().width(), "x_t is drawn at once, at the output size");
    // The engine asks before each step's frames: the steps made from now on render x_t.
    ui.runUntil(
        () ->
            vm.live().stepFrames() != null
                && vm.live().stepFrames().watched() == PreviewSource.NOISY_LATENT,
        LIMIT);
    int switchedAt = vm.progress().stepsDoneProperty().get();
    assertTrue(switchedAt < 200, "x_t was rendered during the run, at step " + switchedAt);
    List<PreviewSource> later = new ArrayList<>();
    vm.addStudioListener(
        new StudioListener() {
          @Override
          public void stepPreview(int imageIndex, int step, RgbImage frame) {
            later.add(vm.live().stepFrames().watched());
            assertEquals(32, frame.width());
          }
        });
    ui.runUntil(() -> vm.progress().stepsDoneProperty().get() >= switchedAt + 3, LIMIT);
    vm.jobs().cancelRunning();
    ui.runUntil(() -> vm.jobs().queue().isEmpty(), LIMIT);
    assertFalse(later.isEmpty());
    assertTrue(later.stream().allMatch(s -> s == PreviewSource.NOISY_LATENT), later.toString());
    assertEquals(PreviewSource.PREDICTED_IMAGE, e.job().request().previewSource());
    assertTrue(widths.stream().allMatch(w -> w == 32), widths.toString());
  }

  @Test
  void aPreviewNoticeReachesTheStatusWithoutStoppingTheRun() throws Exception {
    openTiny(3);
    attach();
    vm.controls().previewMethodProperty().set(PreviewMethod.TINY);
    QueueEntry e = vm.generate();
    assertEquals(PreviewMethod.TINY, e.job().request().previewMethod());
    ui.runUntil(() -> !vm.status().noticeProperty().get().isEmpty(), LIMIT);
    String notice = vm.status().noticeProperty().get();
    assertTrue(notice.contains("no preview decoder"), notice);
    assertTrue(
        vm.status().statusProperty().get().contains(notice), vm.status().statusProperty().get());
    ui.runUntil(() -> vm.jobs().results().size() == 1 && vm.jobs().queue().isEmpty(), LIMIT);
    String status = vm.status().statusProperty().get();
    assertTrue(status.startsWith("Finished 1 image") && status.endsWith(notice), status);
    // Auto times a full decode at the first step; whether later steps decode fully or cheaply
    // depends on this machine's timings ("full decode" or "one full decode + cheap").
    String cost = vm.progress().previewCostProperty().get();
    assertTrue(cost.startsWith("preview: ") && cost.contains("full decode"), cost);
  }

  @Test
  void thePreviewDecoderIsChosenPerModelAndReachesTheRequest(@TempDir Path dir) throws Exception {
    openTiny(2);
    attach();
    assertNull(vm.model().previewDecoderProperty().get());
    assertEquals("Preview decoder: none", vm.model().previewDecoderTextProperty().get());
    Path taesd = dir.resolve("taesd_decoder.safetensors");
    vm.model().setPreviewDecoder(taesd);
    assertEquals(taesd, vm.model().previewDecoderProperty().get());
    assertEquals(
        "Preview decoder: taesd_decoder.safetensors",
        vm.model().previewDecoderTextProperty().get());
    assertEquals(
        Map.of(GenerationSettings.modelKey(TestPacks.tinySd()), taesd.toString()),
        vm.settings().previewDecoders());
    QueueEntry e = vm.generate();
    assertEquals(taesd, e.job().request().previewDecoder());
    e.job().cancel();
    Path other = TestPacks.tinySdWithPrompts(dir.resolve("p"), "a cat");
    vm.model().openModel(other);
    assertNull(vm.model().previewDecoderProperty().get(), "another model has its own choice");
    vm.model().modelProperty().set(vm.model().models().get(0));
    assertEquals(taesd, vm.model().previewDecoderProperty().get());
    vm.model().setPreviewDecoder(null);
    assertNull(vm.model().previewDecoderProperty().get());
    assertTrue(vm.settings().previewDecoders().isEmpty());
    ui.runUntil(() -> vm.jobs().queue().isEmpty(), LIMIT);
  }

  @Test
  void cancelStopsTheRunningJobAndTheQueueMovesOn() throws Exception {
    openTiny(200);
    attach();
    QueueEntry longJob = vm.generate();
    vm.controls().stepsProperty().set(2);
    QueueEntry a = vm.generate();
    QueueEntry b = vm.generate();
    ui.runUntil(() -> vm.progress().stepsDoneProperty().get() >= 1, LIMIT);
    assertEquals(List.of(longJob, a, b), vm.jobs().queue());
    assertTrue(vm.jobs().move(b, -1));
    assertEquals(List.of(longJob, b, a), vm.jobs().queue());
    assertTrue(vm.jobs().cancel(a));
    assertTrue(vm.jobs().cancelRunning());
    ui.runUntil(() -> vm.jobs().queue().isEmpty(), LIMIT);
    assertEquals(JobState.CANCELLED, longJob.state());
    assertEquals(JobState.CANCELLED, a.state());
    assertEquals(JobState.FINISHED, b.state());
    assertEquals(1, vm.jobs().results().size());
    assertEquals(b.job().request().settings().seed(), vm.jobs().results().get(0).seed());
  }
}
