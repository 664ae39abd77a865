package dev.stepwise.cli;

import dev.stepwise.engine.CancellationToken;
import dev.stepwise.engine.EngineException;
import dev.stepwise.engine.GeneratedImage;
import dev.stepwise.engine.GenerationListener;
import dev.stepwise.engine.GenerationRequest;
import dev.stepwise.engine.GenerationResult;
import dev.stepwise.engine.ModelInfo;
import dev.stepwise.engine.PreviewMethod;
import dev.stepwise.engine.PreviewSource;
import dev.stepwise.engine.StepEvent;
import dev.stepwise.engine.backend.A1111Backend;
import dev.stepwise.engine.backend.Backend;
import dev.stepwise.engine.bench.BenchRuns;
import dev.stepwise.engine.bench.Timing;
import dev.stepwise.engine.service.JobHandle;
import dev.stepwise.engine.service.SamplingService;
import dev.stepwise.recipe.Sampler;
import dev.stepwise.serve.ApiServer;
import dev.stepwise.serve.ServeConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * {@code bench --remote} (issue 15): what a job on a backend costs beyond the server's own time,
 * and how late its previews reach the client. By default an in-process {@code stepwise serve} on a
 * loopback port runs the model; the client is {@link A1111Backend} on a {@link SamplingService}, as
 * {@code generate --backend} uses it. Server and client share one process, so one clock: the
 * server's sampling service runs each job through {@link Timed}, which notes the time of every step
 * event the engine emits and the job's own time, then hands the events on to the server as the
 * local engine would. Per job: the client's wall time (submit to result), the server's own time
 * (its sampling service running the job: encode, steps, decode), their difference (HTTP, JSON,
 * base64 PNG both ways, the 200 ms progress polls, the client's decoding). Per preview the client's
 * listener receives: the time since the server emitted that step. With {@code --backend URL} only
 * the client's side is measured.
 */
final class RemoteBench {
  private final BenchReport r;
  private final int jobs;
  private final int steps;
  private final int side;

  RemoteBench(BenchReport r, int jobs, int steps, int side) {
    this.r = r;
    this.jobs = jobs;
    this.steps = steps;
    this.side = side;
  }

  /** Measures against an in-process {@code serve} of {@code model} on a loopback port. */
  void inProcess(Path model) throws Exception {
    try (SamplingService engine = new SamplingService(model);
        Timed timed = new Timed(engine);
        SamplingService serving = new SamplingService(timed);
        ApiServer server =
            ApiServer.start(
                new ServeConfig(
                    ServeConfig.LOOPBACK,
                    0,
                    null,
                    null,
                    null,
                    model,
                    null,
                    PreviewMethod.AUTO,
                    null),
                serving,
                false)) {
      String url = "http://127.0.0.1:" + server.address().getPort();
      r.put("remote_server", "in-process serve on loopback");
      measure(url, timed, "in-process serve of " + model.getFileName() + " on loopback, one clock");
    }
  }

  /** Measures against the server at {@code url}: the client's side only. */
  void against(String url) throws Exception {
    String name = new A1111Backend(url).name();
    r.put("remote_server", name);
    measure(url, null, name + " with its default model");
  }

  private void measure(String url, Timed timed, String where) throws Exception {
    BenchRuns.figure("remote job, " + steps + " steps at " + side + "x" + side);
    double[] wall = new double[jobs];
    double[] own = new double[jobs];
    double[] over = new double[jobs];
    List<Double> latency = new ArrayList<>();
    int previews = 0;
    try (SamplingService client = new SamplingService(new A1111Backend(url));
        BenchRuns.Loop loop = BenchRuns.loop(1, jobs)) {
      for (int i = -1; i < jobs; i++) {
        List<Double> seen = new ArrayList<>();
        GenerationRequest request =
            GenerationRequest.builder()
                .prompt("red heart, twemoji style")
                .seed(42 + i)
                .steps(steps)
                .size(side, side)
                .sampler(Sampler.DPMPP_2M)
                .build();
        loop.start();
        long t0 = System.nanoTime();
        JobHandle job =
            client.submit(
                request,
                new GenerationListener() {
                  @Override
                  public void step(StepEvent e) {
                    long now = System.nanoTime();
                    Long emitted = timed == null ? null : timed.emitted.get(key(e));
                    if (e.preview() != null) {
                      synchronized (seen) {
                        seen.add(emitted == null ? Double.NaN : (now - emitted) / 1e6);
                      }
                    }
                  }
                });
        try {
          job.result().get(10, TimeUnit.MINUTES);
        } catch (ExecutionException e) {
          throw new EngineException("The remote bench job failed: " + e.getCause().getMessage());
        }
        long t1 = System.nanoTime();
        loop.end();
        if (i < 0) {
          continue; // the warm-up: the server loads its model
        }
        wall[i] = (t1 - t0) / 1e6;
        own[i] = timed == null ? Double.NaN : timed.lastJobMs;
        over[i] = wall[i] - own[i];
        synchronized (seen) {
          previews += seen.size();
          for (double d : seen) {
            if (!Double.isNaN(d)) {
              latency.add(d);
            }
          }
        }
      }
    }
    r.line("remote jobs (%s; %d DPM++ 2M steps at %dx%d):", where, steps, side, side);
    r.timed("  client wall time, submit to result", "remote_client_ms", figure(wall), "job");
    r.put("remote_steps", (long) steps);
    r.put("remote_side", (long) side);
    r.put("remote_previews_per_job", previews / (double) jobs);
    if (timed == null) {
      r.line(
          "  the server's own time and the preview latency need the in-process server (leave out"
              + " --backend); %.1f previews of %d steps reached the client per job",
          previews / (double) jobs, steps);
      return;
    }
    r.timed(
        "  server's own job time (its sampling service)", "remote_server_ms", figure(own), "job");
    r.timed("  overhead = client - server", "remote_overhead_ms", figure(over), "job");
    double[] lat = latency.stream().mapToDouble(Double::doubleValue).toArray();
    if (lat.length > 0) {
      r.timed(
          "  preview latency, server's step event to the client's listener",
          "remote_preview_latency_ms",
          Timing.Figure.of(lat, 1, 0),
          "preview");
    }
    r.line(
        "  %.1f previews of %d steps reached the client per job (progress is polled every %d ms)",
        previews / (double) jobs, steps, 200);
  }

  private static Timing.Figure figure(double[] samples) {
    return Timing.Figure.of(samples, 1, 1);
  }

  private static long key(StepEvent e) {
    return ((long) e.imageIndex() << 32) | e.step();
  }

  /**
   * The server's engine seen from outside: runs each job on the local engine's service, notes when
   * each step event was emitted and how long the job took, and hands the events on.
   */
  static final class Timed implements Backend {
    private final SamplingService engine;
    final Map<Long, Long> emitted = new ConcurrentHashMap<>();
    volatile double lastJobMs = Double.NaN;

    Timed(SamplingService engine) {
      this.engine = engine;
    }

    @Override
    public String name() {
      return "the local engine";
    }

    @Override
    public GenerationResult run(
        GenerationRequest request, GenerationListener listener, CancellationToken token) {
      emitted.clear();
      long t0 = System.nanoTime();
      JobHandle job =
          engine.submit(
              request,
              new GenerationListener() {
                @Override
                public void started(ModelInfo info) {
                  listener.started(info);
                }

                @Override
                public PreviewSource previewSource() {
                  return listener.previewSource();
                }

                @Override
                public void notice(String sentence) {
                  listener.notice(sentence);
                }

                @Override
                public void step(StepEvent e) {
                  emitted.put(key(e), System.nanoTime());
                  listener.step(e);
                }

                @Override
                public void image(GeneratedImage image) {
                  listener.image(image);
                }
              });
      try {
        GenerationResult result = job.result().get();
        lastJobMs = (System.nanoTime() - t0) / 1e6;
        return result;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        job.cancel();
        throw new EngineException("The bench's server job was abandoned.");
      } catch (ExecutionException e) {
        throw e.getCause() instanceof EngineException ee
            ? ee
            : new EngineException("The bench's server job failed.", e.getCause());
      }
    }

    @Override
    public void close() {}
  }
}
