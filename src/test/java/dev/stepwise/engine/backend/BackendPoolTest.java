package dev.stepwise.engine.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stepwise.engine.EngineException;
import dev.stepwise.engine.GeneratedImage;
import dev.stepwise.engine.GenerationListener;
import dev.stepwise.engine.GenerationRequest;
import dev.stepwise.engine.GenerationResult;
import dev.stepwise.engine.PreviewMethod;
import dev.stepwise.engine.StepEvent;
import dev.stepwise.engine.TestPacks;
import dev.stepwise.engine.service.JobHandle;
import dev.stepwise.engine.service.JobState;
import dev.stepwise.engine.service.SamplingService;
import dev.stepwise.serve.ApiServer;
import dev.stepwise.serve.ServeConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 15, item 2: a pool of two in-process {@code stepwise serve}s on loopback, tiny pack. */
class BackendPoolTest {
  private static final Duration CHECK = Duration.ofMillis(100);

  @TempDir Path dir;

  private ApiServer serve(int port) throws Exception {
    return ApiServer.start(
        new ServeConfig(
            ServeConfig.LOOPBACK,
            port,
            null,
            null,
            dir,
            TestPacks.tinySd().toAbsolutePath(),
            null,
            PreviewMethod.AUTO,
            null));
  }

  private static String url(ApiServer s) {
    return "http://127.0.0.1:" + s.address().getPort();
  }

  private static void await(BooleanSupplier condition, String what) throws InterruptedException {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!condition.getAsBoolean()) {
      assertTrue(System.nanoTime() < end, what);
      Thread.sleep(20);
    }
  }

  private static boolean up(BackendPool pool, String name) {
    return pool.members().stream()
        .anyMatch(m -> m.name().equals(name) && m.health() == BackendPool.Health.UP);
  }

  private static GenerationRequest small(long seed, int steps) {
    return GenerationRequest.builder().prompt("a").seed(seed).steps(steps).size(32, 32).build();
  }

  /** Counts every image each job hands its listener. */
  private static final class Images implements GenerationListener {
    final Map<Long, AtomicInteger> perSeed = new ConcurrentHashMap<>();
    final CountDownLatch stepped = new CountDownLatch(1);

    @Override
    public void step(StepEvent e) {
      stepped.countDown();
    }

    @Override
    public void image(GeneratedImage image) {
      perSeed.computeIfAbsent(image.seed(), s -> new AtomicInteger()).incrementAndGet();
    }
  }

  @Test
  void twentyJobsSpreadOverTwoServersEachResultOnce() {
    assertTimeoutPreemptively(
        Duration.ofSeconds(180),
        () -> {
          try (ApiServer a = serve(0);
              ApiServer b = serve(0);
              SamplingService service =
                  new SamplingService(
                      new BackendPool(
                          List.of(new A1111Backend(url(a)), new A1111Backend(url(b))), CHECK))) {
            BackendPool pool = service.pool();
            await(() -> up(pool, url(a)) && up(pool, url(b)), "both servers up");
            assertEquals(List.of("tiny-sd"), pool.members().get(0).models());
            Images images = new Images();
            List<JobHandle> jobs = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
              jobs.add(service.submit(small(1000 + i, 2), images));
            }
            Map<String, Integer> where = new TreeMap<>();
            Set<Long> seeds = new HashSet<>();
            for (JobHandle j : jobs) {
              GenerationResult r = j.result().get(120, TimeUnit.SECONDS);
              assertEquals(1, r.images().size());
              assertTrue(seeds.add(r.images().get(0).seed()), "seed once: " + j);
              where.merge(j.backend(), 1, Integer::sum);
            }
            assertEquals(Set.of(url(a), url(b)), where.keySet(), "both used: " + where);
            assertEquals(20, seeds.size());
            assertEquals(20, images.perSeed.size());
            images.perSeed.forEach((s, n) -> assertEquals(1, n.get(), "seed " + s + " once"));
            long ran = pool.members().stream().mapToLong(BackendPool.Member::jobs).sum();
            assertEquals(20, ran, "no job was sent twice");

            JobHandle other =
                service.submit(
                    GenerationRequest.builder()
                        .prompt("a")
                        .steps(2)
                        .model(Path.of("elsewhere.safetensors"))
                        .build(),
                    null);
            ExecutionException e =
                org.junit.jupiter.api.Assertions.assertThrows(
                    ExecutionException.class, () -> other.result().get(30, TimeUnit.SECONDS));
            assertEquals(
                "No backend offers the model 'elsewhere'; they offer tiny-sd.",
                ((EngineException) e.getCause()).getMessage());
          }
        });
  }

  @Test
  void aJobOnAStoppedServerFinishesOnTheOtherAndTheRestartedServerComesBack() {
    assertTimeoutPreemptively(
        Duration.ofSeconds(180),
        () -> {
          ApiServer[] servers = {serve(0), serve(0)};
          String[] urls = {url(servers[0]), url(servers[1])};
          try (SamplingService service =
              new SamplingService(
                  new BackendPool(
                      List.of(new A1111Backend(urls[0]), new A1111Backend(urls[1])), CHECK))) {
            BackendPool pool = service.pool();
            await(() -> up(pool, urls[0]) && up(pool, urls[1]), "both servers up");
            Images images = new Images();
            JobHandle job = service.submit(small(7, 60), images);
            assertTrue(images.stepped.await(60, TimeUnit.SECONDS), "the job's first step");
            int victim = job.backend().equals(urls[0]) ? 0 : 1;
            int port = servers[victim].address().getPort();
            servers[victim].close(); // mid-job: its client gets 503, then nothing listens

            GenerationResult r = job.result().get(120, TimeUnit.SECONDS);
            assertEquals(JobState.FINISHED, job.state());
            assertEquals(urls[1 - victim], job.backend(), "finished on the other server");
            assertEquals(7, r.images().get(0).seed());
            assertEquals(Map.of(7L, 1), Map.of(7L, images.perSeed.get(7L).get()), "saved once");
            await(() -> !up(pool, urls[victim]), "the stopped server is marked down");
            String problem =
                pool.members().stream()
                    .filter(m -> m.name().equals(urls[victim]))
                    .findFirst()
                    .orElseThrow()
                    .problem();
            assertTrue(problem.contains(urls[victim]), problem);

            servers[victim] = serve(port);
            await(() -> up(pool, urls[victim]), "the restarted server is up again");
            JobHandle next = service.submit(small(8, 2), null);
            next.result().get(60, TimeUnit.SECONDS);
            assertEquals(urls[victim], next.backend(), "the idle, restarted server took it");
            assertNotEquals(null, next.backend());
          } finally {
            for (ApiServer s : servers) {
              s.close();
            }
          }
        });
  }

  /** A backend that only answers its health check. */
  private static final class Fake implements Backend {
    final String name;
    volatile List<String> models;

    Fake(String name, List<String> models) {
      this.name = name;
      this.models = models;
    }

    @Override
    public String name() {
      return name;
    }

    @Override
    public List<String> models() {
      if (models == null) {
        throw new EngineException("The server " + name + " could not be reached (refused).");
      }
      return models;
    }

    @Override
    public GenerationResult run(
        GenerationRequest r, GenerationListener l, dev.stepwise.engine.CancellationToken t) {
      throw new UnsupportedOperationException();
    }
  }

  @Test
  void choosesAFreeUpServerWithTheModelIdleLongestFirst() {
    Fake a = new Fake("a", List.of("v1-5", "tiny-sd"));
    Fake b = new Fake("b", List.of("tiny-sd"));
    try (BackendPool pool = new BackendPool(List.of(a, b), Duration.ZERO)) { // checked here only
      pool.checkAll();
      GenerationRequest any = small(1, 2);
      GenerationRequest v15 =
          GenerationRequest.builder().prompt("a").model(Path.of("/m/V1-5.safetensors")).build();
      Set<String> none = Set.of();
      assertEquals(a, pool.acquire(any, none), "both idle: the first");
      assertEquals(b, pool.acquire(any, none), "a is busy");
      assertEquals(null, pool.acquire(any, none), "both busy");
      assertEquals(null, pool.refusal(any, none), "it waits for a free one");
      pool.release(b);
      pool.release(a);
      assertEquals(b, pool.acquire(any, none), "b was idle longer");
      assertEquals(a, pool.acquire(v15, none), "only a has v1-5");
      pool.release(a);
      pool.release(b);
      assertEquals(null, pool.acquire(v15, Set.of("a")), "a failed this job");
      assertEquals("No backend that could run the job is up.", pool.refusal(v15, Set.of("a")));
      pool.down(a, "The server a failed (HTTP 500).");
      assertEquals(
          "No backend that could run the job is up; the last problem: The server a failed (HTTP"
              + " 500).",
          pool.refusal(v15, none));
      assertEquals(b, pool.acquire(any, none), "a is down");
      a.models = null;
      pool.checkAll();
      assertEquals(BackendPool.Health.DOWN, pool.members().get(0).health());
      assertTrue(pool.members().get(0).problem().contains("could not be reached"));
      a.models = List.of("v1-5");
      pool.checkAll();
      assertEquals(BackendPool.Health.UP, pool.members().get(0).health());
      assertEquals(a, pool.acquire(v15, none), "a is up again");
      assertEquals(
          "No backend offers the model 'sdxl'; they offer v1-5, tiny-sd.",
          pool.refusal(
              GenerationRequest.builder().prompt("a").model(Path.of("sdxl.ckpt")).build(), none));
    }
  }
}
