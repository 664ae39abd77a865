package dev.stepwise.engine.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import dev.stepwise.engine.DiffusionModel;
import dev.stepwise.engine.EngineException;
import dev.stepwise.engine.GenerationListener;
import dev.stepwise.engine.GenerationRequest;
import dev.stepwise.engine.GenerationResult;
import dev.stepwise.engine.PreviewMethod;
import dev.stepwise.engine.PreviewSource;
import dev.stepwise.engine.StepEvent;
import dev.stepwise.engine.TestPacks;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SamplingServiceTest {
  private SamplingService service;
  private final AtomicInteger loads = new AtomicInteger();

  @BeforeEach
  void start() {
    Path pack = TestPacks.tinySd();
    service =
        new SamplingService(
            pack,
            Device.cpu(),
            (p, d) -> {
              loads.incrementAndGet();
              return DiffusionModel.load(p, d);
            });
  }

  @AfterEach
  void stop() {
    service.close();
  }

  /** The studio's toggle: the loaded model and every later one keep or drop their encoders. */
  @Test
  void keepTextEncodersReachesTheLoadedModelAndLaterOnes() throws Exception {
    List<DiffusionModel> loaded = new java.util.concurrent.CopyOnWriteArrayList<>();
    try (SamplingService s =
        new SamplingService(
            TestPacks.tinySd(),
            Device.cpu(),
            (p, d) -> {
              DiffusionModel m = DiffusionModel.load(p, d);
              loaded.add(m);
              return m;
            })) {
      s.keepTextEncoders(false);
      s.submit(request(1, 2), null).result().get(60, TimeUnit.SECONDS);
      assertFalse(loaded.get(0).textEncodersResident(), "dropped once the prompts were encoded");
      s.keepTextEncoders(true);
      s.submit(request(2, 2), null).result().get(60, TimeUnit.SECONDS);
      assertTrue(loaded.get(0).textEncodersResident(), "kept after the next prompt");
      assertEquals(1, loaded.size(), "the same model all along");
    }
  }

  private static GenerationRequest request(long seed, int steps) {
    return GenerationRequest.builder().prompt("a red heart").steps(steps).seed(seed).build();
  }

  /** A listener that blocks at its first step until released, so the queue can be arranged. */
  private static final class Gate implements GenerationListener {
    final CountDownLatch reached = new CountDownLatch(1);
    final CountDownLatch release = new CountDownLatch(1);

    @Override
    public void step(StepEvent e) {
      reached.countDown();
      try {
        release.await(30, TimeUnit.SECONDS);
      } catch (InterruptedException ex) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private static GenerationListener recordStart(List<Long> order, long id) {
    return new GenerationListener() {
      @Override
      public void started(dev.stepwise.engine.ModelInfo model) {
        order.add(id);
      }
    };
  }

  @Test
  void jobsRunInSubmissionOrderAndReorderingWorks() throws Exception {
    Gate gate = new Gate();
    JobHandle first = service.submit(request(1, 3), gate);
    assertTrue(gate.reached.await(30, TimeUnit.SECONDS));
    List<Long> order = new CopyOnWriteArrayList<>();
    JobHandle b = service.submit(request(2, 2), recordStart(order, 2));
    JobHandle c = service.submit(request(3, 2), recordStart(order, 3));
    JobHandle d = service.submit(request(4, 2), recordStart(order, 4));
    assertEquals(List.of(b, c, d), service.queued());
    assertEquals(first, service.running());
    assertTrue(service.move(d, 0));
    assertEquals(List.of(d, b, c), service.queued());
    gate.release.countDown();
    c.result().get(60, TimeUnit.SECONDS);
    assertEquals(List.of(4L, 2L, 3L), order);
    assertEquals(JobState.FINISHED, first.state());
    assertEquals(1, loads.get(), "the model is loaded once and kept");
  }

  @Test
  void cancellingARunningJobStopsItAndTheNextJobRuns() throws Exception {
    Gate gate = new Gate();
    AtomicInteger steps = new AtomicInteger();
    JobHandle running =
        service.submit(
            request(1, 50),
            new GenerationListener() {
              @Override
              public void step(StepEvent e) {
                steps.incrementAndGet();
                gate.step(e);
              }
            });
    assertTrue(gate.reached.await(30, TimeUnit.SECONDS));
    JobHandle next = service.submit(request(2, 2), null);
    assertTrue(running.cancel());
    gate.release.countDown();
    GenerationResult r = next.result().get(60, TimeUnit.SECONDS);
    assertEquals(1, r.images().size());
    assertEquals(JobState.CANCELLED, running.state());
    assertTrue(steps.get() <= 2, "stopped within one step, ran " + steps.get());
    assertThrows(CancellationException.class, () -> running.result().get());
    assertFalse(running.cancel(), "already ended");
  }

  @Test
  void cancellingAQueuedJobRemovesIt() throws Exception {
    Gate gate = new Gate();
    JobHandle first = service.submit(request(1, 2), gate);
    assertTrue(gate.reached.await(30, TimeUnit.SECONDS));
    CountDownLatch cancelled = new CountDownLatch(1);
    JobHandle queued =
        service.submit(
            request(2, 2),
            new GenerationListener() {
              @Override
              public void cancelled() {
                cancelled.countDown();
              }
            });
    assertTrue(queued.cancel());
    assertTrue(cancelled.await(5, TimeUnit.SECONDS));
    assertTrue(service.queued().isEmpty());
    gate.release.countDown();
    first.result().get(60, TimeUnit.SECONDS);
    assertEquals(JobState.CANCELLED, queued.state());
  }

  @Test
  void failuresReachTheListenerAsOneSentenceAndTheServiceGoesOn() throws Exception {
    CountDownLatch failed = new CountDownLatch(1);
    List<String> messages = new CopyOnWriteArrayList<>();
    JobHandle bad =
        service.submit(
            GenerationRequest.builder().model(Path.of("/nonexistent/pack")).prompt("x").build(),
            new GenerationListener() {
              @Override
              public void failed(EngineException e) {
                messages.add(e.getMessage());
                failed.countDown();
              }
            });
    assertTrue(failed.await(30, TimeUnit.SECONDS));
    ExecutionException e = assertThrows(ExecutionException.class, () -> bad.result().get());
    assertInstanceOf(EngineException.class, e.getCause());
    assertTrue(messages.get(0).contains("/nonexistent/pack"), messages.get(0));
    assertFalse(messages.get(0).contains("\n"));
    JobHandle throwing =
        service.submit(
            request(5, 2),
            new GenerationListener() {
              @Override
              public void step(StepEvent ev) {
                throw new IllegalStateException("listener bug");
              }
            });
    assertEquals(1, throwing.result().get(60, TimeUnit.SECONDS).images().size());
    assertTrue(service.device().startsWith("CPU"), service.device());
  }

  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(strings = {"link", "stack"})
  void anErrorFailsTheJobAndTheWorkerGoesOn(String kind) throws Exception {
    Path broken = Path.of("/broken/model");
    try (SamplingService s =
        new SamplingService(
            TestPacks.tinySd(),
            Device.cpu(),
            (p, d) -> {
              if (p.equals(broken)) {
                throw kind.equals("link")
                    ? new UnsatisfiedLinkError("libtorch_cpu.so: cannot open shared object file")
                    : new StackOverflowError();
              }
              return DiffusionModel.load(p, d);
            })) {
      JobHandle bad = s.submit(GenerationRequest.builder().model(broken).prompt("x").build(), null);
      ExecutionException e =
          assertThrows(ExecutionException.class, () -> bad.result().get(60, TimeUnit.SECONDS));
      String m = e.getCause().getMessage();
      assertTrue(
          m.contains(kind.equals("link") ? "UnsatisfiedLinkError" : "StackOverflowError"), m);
      assertEquals(
          1,
          s.submit(request(3, 2), null).result().get(60, TimeUnit.SECONDS).images().size(),
          "the next job still runs");
    }
  }

  @Test
  void aCraftedTokenizerFailsItsJobInOneSentenceAndTheNextJobRuns(@TempDir Path dir)
      throws Exception {
    Path evil = TestPacks.tinySdWithSplit(dir, TestPacks.EXPONENTIAL_SPLIT);
    JobHandle bad =
        service.submit(
            GenerationRequest.builder().model(evil).prompt("a".repeat(40)).steps(2).build(), null);
    ExecutionException e =
        assertThrows(ExecutionException.class, () -> bad.result().get(60, TimeUnit.SECONDS));
    String m = e.getCause().getMessage();
    assertTrue(m.startsWith("The tokenizer's Split pattern \"(.*a){12}b\" in "), m);
    assertTrue(m.contains("is too costly for this prompt"), m);
    assertEquals(JobState.FAILED, bad.state());
    assertEquals(
        1,
        service.submit(request(3, 2), null).result().get(60, TimeUnit.SECONDS).images().size(),
        "the next job still runs");
  }

  @Test
  void aCheckedExceptionThrownUncheckedFailsTheJobAndTheWorkerGoesOn() throws Exception {
    Path broken = Path.of("/broken/model");
    try (SamplingService s =
        new SamplingService(
            TestPacks.tinySd(),
            Device.cpu(),
            (p, d) -> {
              if (p.equals(broken)) {
                throw SamplingServiceTest.<RuntimeException>sneaky(
                    new java.io.IOException("disk gone"));
              }
              return DiffusionModel.load(p, d);
            })) {
      JobHandle bad = s.submit(GenerationRequest.builder().model(broken).prompt("x").build(), null);
      ExecutionException e =
          assertThrows(ExecutionException.class, () -> bad.result().get(60, TimeUnit.SECONDS));
      assertEquals(
          "Generation failed because of an internal error (IOException); the log has the details.",
          e.getCause().getMessage());
      assertEquals(
          1,
          s.submit(request(3, 2), null).result().get(60, TimeUnit.SECONDS).images().size(),
          "the next job still runs");
    }
  }

  @SuppressWarnings("unchecked")
  private static <T extends Throwable> T sneaky(Throwable t) throws T {
    throw (T) t;
  }

  @Test
  void aListenerThrowingAnErrorDoesNotStopTheWorker() throws Exception {
    AtomicInteger calls = new AtomicInteger();
    service.addQueueListener(
        () -> {
          calls.incrementAndGet();
          throw new StackOverflowError();
        });
    JobHandle first =
        service.submit(
            request(1, 2),
            new GenerationListener() {
              @Override
              public void finished(GenerationResult result) {
                throw new NoClassDefFoundError("a listener's missing class");
              }
            });
    assertEquals(1, first.result().get(60, TimeUnit.SECONDS).images().size());
    assertEquals(JobState.FINISHED, first.state());
    assertEquals(
        1,
        service.submit(request(2, 2), null).result().get(60, TimeUnit.SECONDS).images().size(),
        "the next job still runs");
    assertTrue(calls.get() >= 4, "the queue listener was called for both jobs: " + calls.get());
  }

  @Test
  void theListenersPreviewSourceDecidesWhichSourceIsWatched() throws Exception {
    // The request asks for x0; the listener watches x0 for two steps, then x_t, then says nothing
    // (null keeps the request's source).
    List<StepEvent> events = new CopyOnWriteArrayList<>();
    GenerationListener l =
        new GenerationListener() {
          @Override
          public PreviewSource previewSource() {
            int made = events.size();
            return made < 2
                ? PreviewSource.PREDICTED_IMAGE
                : made < 4 ? PreviewSource.NOISY_LATENT : null;
          }

          @Override
          public void step(StepEvent e) {
            events.add(e);
          }
        };
    GenerationRequest r =
        GenerationRequest.builder()
            .prompt("a red heart")
            .steps(6)
            .seed(3)
            .previewSource(PreviewSource.PREDICTED_IMAGE)
            .previewMethod(PreviewMethod.CHEAP)
            .build();
    GenerationResult result = service.submit(r, l).result().get(60, TimeUnit.SECONDS);
    assertEquals(6, events.size());
    assertEquals(
        List.of(
            PreviewSource.PREDICTED_IMAGE,
            PreviewSource.PREDICTED_IMAGE,
            PreviewSource.NOISY_LATENT,
            PreviewSource.NOISY_LATENT,
            PreviewSource.PREDICTED_IMAGE,
            PreviewSource.PREDICTED_IMAGE),
        events.stream().map(e -> e.frames().watched()).toList());
    int w = result.images().get(0).image().width();
    for (StepEvent e : events) {
      assertEquals(w, e.frames().watchedFrame().width(), "every frame has the output size");
    }
  }
}
