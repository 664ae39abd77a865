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

  @Test
  void previewOfProjectsLatentsLikeThePipelinesOwnPreview() throws Exception {
    assertEquals(null, service.previewOf(null, 0), "no model loaded yet");
    List<StepEvent> events = new CopyOnWriteArrayList<>();
    List<dev.stepwise.engine.RgbImage> mine = new CopyOnWriteArrayList<>();
    GenerationListener l =
        new GenerationListener() {
          @Override
          public void step(StepEvent e) {
            events.add(e);
            mine.add(service.previewOf(e.predictedImage(), 0));
          }
        };
    service.submit(request(3, 2), l).result().get(60, TimeUnit.SECONDS);
    assertEquals(2, events.size());
    for (int i = 0; i < 2; i++) {
      assertTrue(java.util.Arrays.equals(events.get(i).preview().rgb(), mine.get(i).rgb()));
    }
  }
}
