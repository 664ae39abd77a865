package dev.stepwise.engine.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.stepwise.engine.CancellationToken;
import dev.stepwise.engine.DiffusionModel;
import dev.stepwise.engine.EngineException;
import dev.stepwise.engine.GeneratedImage;
import dev.stepwise.engine.GenerationListener;
import dev.stepwise.engine.GenerationRequest;
import dev.stepwise.engine.GenerationResult;
import dev.stepwise.engine.ImageInput;
import dev.stepwise.engine.Pipeline;
import dev.stepwise.engine.PreviewMethod;
import dev.stepwise.engine.RgbImage;
import dev.stepwise.engine.StepEvent;
import dev.stepwise.engine.TestPacks;
import dev.stepwise.engine.backend.BackendsConfig.Kind;
import dev.stepwise.engine.image.ImageFiles;
import dev.stepwise.engine.sampling.StrengthSchedule;
import dev.stepwise.engine.service.JobHandle;
import dev.stepwise.engine.service.SamplingService;
import dev.stepwise.recipe.HiresSettings;
import dev.stepwise.recipe.HiresUpscaler;
import dev.stepwise.recipe.ImageSettings;
import dev.stepwise.recipe.MaskedContent;
import dev.stepwise.recipe.Sampler;
import dev.stepwise.serve.ApiServer;
import dev.stepwise.serve.ServeConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Issue 15: the ComfyUI client against {@link ComfyFake} on loopback. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ComfyBackendTest {
  @TempDir Path dir;

  /** What a job tells its listener. */
  private static class Seen implements GenerationListener {
    final List<StepEvent> steps = new CopyOnWriteArrayList<>();
    final List<GeneratedImage> images = new CopyOnWriteArrayList<>();

    @Override
    public void step(StepEvent e) {
      steps.add(e);
    }

    @Override
    public void image(GeneratedImage image) {
      images.add(image);
    }
  }

  private static GenerationRequest.Builder job() {
    return GenerationRequest.builder()
        .prompt("a red fox")
        .negativePrompt("blurry")
        .seed(41)
        .steps(4)
        .guidance(6.5)
        .size(16, 24)
        .model(Path.of("v1-5"));
  }

  private static JsonObject inputs(JsonObject graph, String node, String type) {
    JsonObject n = graph.getAsJsonObject(node);
    assertNotNull(n, "node " + node + " in " + graph);
    assertEquals(type, n.get("class_type").getAsString(), "node " + node);
    return n.getAsJsonObject("inputs");
  }

  @Test
  void aTextToImageJobGivesItsImagesStepsWithPreviewsAndSeeds() throws Exception {
    try (ComfyFake fake = new ComfyFake();
        ComfyBackend b = new ComfyBackend(fake.url())) {
      assertEquals(List.of("v1-5", "other"), b.models());
      Seen seen = new Seen();
      GenerationRequest r =
          job().sampler(Sampler.DPMPP_2M).karras(true).clipSkip(2).batch(2).build();
      GenerationResult result = b.run(r, seen, new CancellationToken());

      assertEquals(2, fake.graphs.size(), "one prompt per image");
      for (int i = 0; i < 2; i++) { // the whole graph, as ComfyUI's nodes.py names inputs
        String expected =
            ("{'1': {'class_type': 'CheckpointLoaderSimple', 'inputs': {'ckpt_name':"
                    + " 'sd15/v1-5.safetensors'}}, '2': {'class_type': 'CLIPSetLastLayer',"
                    + " 'inputs': {'clip': ['1', 1], 'stop_at_clip_layer': -2}}, '3':"
                    + " {'class_type': 'CLIPTextEncode', 'inputs': {'text': 'a red fox', 'clip':"
                    + " ['2', 0]}}, '4': {'class_type': 'CLIPTextEncode', 'inputs': {'text':"
                    + " 'blurry', 'clip': ['2', 0]}}, '5': {'class_type': 'EmptyLatentImage',"
                    + " 'inputs': {'width': 16, 'height': 24, 'batch_size': 1}}, '6':"
                    + " {'class_type': 'KSampler', 'inputs': {'model': ['1', 0], 'seed': SEED,"
                    + " 'steps': 4, 'cfg': 6.5, 'sampler_name': 'dpmpp_2m', 'scheduler':"
                    + " 'karras', 'positive': ['3', 0], 'negative': ['4', 0], 'latent_image':"
                    + " ['5', 0], 'denoise': 1.0}}, '7': {'class_type': 'VAEDecode', 'inputs':"
                    + " {'samples': ['6', 0], 'vae': ['1', 2]}}, '9': {'class_type':"
                    + " 'SaveImage', 'inputs': {'images': ['7', 0], 'filename_prefix':"
                    + " 'stepwise'}}}")
                .replace("SEED", "" + (41 + i)); // image i uses seed + i
        assertEquals(JsonParser.parseString(expected), fake.graphs.get(i));
      }

      assertEquals(2, result.images().size());
      assertEquals("v1-5", result.model().name());
      for (int i = 0; i < 2; i++) {
        GeneratedImage img = result.images().get(i);
        assertEquals(41 + i, img.seed());
        assertEquals(i, img.index());
        assertEquals(16, img.image().width());
        assertEquals(24, img.image().height());
        assertEquals((byte) (41 + i), img.image().rgb()[0], "the server's picture of that seed");
        assertEquals(b.name(), img.parameters().get("Backend"), "recorded in the recipe");
        assertEquals(img, seen.images.get(i));
      }
      assertEquals(8, seen.steps.size(), "four steps of each image: " + seen.steps);
      for (int n = 0; n < 8; n++) {
        StepEvent e = seen.steps.get(n);
        assertEquals(n / 4, e.imageIndex());
        assertEquals(n % 4, e.step());
        assertEquals(4, e.totalSteps());
        assertNotNull(e.preview(), "a preview with step " + n);
        assertEquals(8, e.preview().width());
      }
      assertTrue(fake.requests.contains("GET /view"), fake.requests.toString());
      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (fake.closes.get() == 0 && System.nanoTime() < end) {
        Thread.sleep(10);
      }
      assertEquals(1, fake.closes.get(), "the client's masked close frame was read");
      assertTrue(
          fake.requests.stream().anyMatch(q -> q.startsWith("GET /history/")),
          fake.requests.toString());
    }
  }

  @Test
  void anInitImageIsUploadedAtTheRequestSizeAndEncodedAndPreviewsOffAreKeptOff() throws Exception {
    try (ComfyFake fake = new ComfyFake();
        ComfyBackend b = new ComfyBackend(fake.url())) {
      byte[] px = new byte[40 * 20 * 3]; // [H, W, 3]
      java.util.Arrays.fill(px, (byte) 200);
      GenerationRequest r =
          job()
              .sampler(Sampler.EULER_A)
              .input(new ImageInput(new RgbImage(40, 20, px), null, ImageSettings.of(0.6)))
              .previewMethod(PreviewMethod.OFF)
              .build();
      Seen seen = new Seen();
      GenerationResult result = b.run(r, seen, new CancellationToken());
      assertEquals(1, result.images().size());
      StrengthSchedule plan = StrengthSchedule.img2img(Sampler.EULER_A, 4, 0.6);
      assertEquals(plan.steps(), seen.steps.size(), "the strength's part of the 4 steps");
      assertTrue(seen.steps.stream().allMatch(e -> e.preview() == null), "previews off");
      assertEquals(1, fake.uploads.size());
      RgbImage up = ImageFiles.read(fake.uploads.get(0), "upload").rgb();
      assertEquals(16, up.width());
      assertEquals(24, up.height());
      assertEquals((byte) 200, up.rgb()[0]);
      JsonObject g = fake.graphs.get(0);
      assertEquals("up.png", inputs(g, "8", "LoadImage").get("image").getAsString());
      JsonObject enc = inputs(g, "5", "VAEEncode");
      assertEquals("[\"8\",0]", enc.get("pixels").toString());
      assertEquals("[\"1\",2]", enc.get("vae").toString());
      JsonObject k = inputs(g, "6", "KSamplerAdvanced");
      assertEquals(4, k.get("steps").getAsInt());
      assertEquals(plan.start(), k.get("start_at_step").getAsInt());
      assertEquals(41, k.get("noise_seed").getAsLong());
      assertEquals("euler_ancestral", k.get("sampler_name").getAsString());
      assertEquals("normal", k.get("scheduler").getAsString());
      assertFalse(g.has("2"), "no clip skip node at clip skip 1");
    }
  }

  @Test
  void aRunFromAPictureRunsTheStepsTheLocalEngineRuns() throws Exception {
    byte[] px = new byte[32 * 32 * 3]; // [H, W, 3]
    java.util.Arrays.fill(px, (byte) 90);
    ImageInput in = new ImageInput(new RgbImage(32, 32, px), null, ImageSettings.of(0.6));
    try (ComfyFake fake = new ComfyFake();
        ComfyBackend b = new ComfyBackend(fake.url());
        DiffusionModel tiny = DiffusionModel.load(TestPacks.tinySd(), Device.cpu())) {
      for (Sampler kind : List.of(Sampler.DDIM, Sampler.EULER)) {
        GenerationRequest.Builder recipe =
            GenerationRequest.builder()
                .prompt("a")
                .seed(7)
                .steps(10)
                .size(32, 32)
                .sampler(kind)
                .input(in);
        Seen local = new Seen();
        new Pipeline(tiny).run(recipe.build(), local, new CancellationToken());
        Seen comfy = new Seen();
        fake.graphs.clear();
        b.run(recipe.model(Path.of("v1-5")).build(), comfy, new CancellationToken());
        JsonObject k = inputs(fake.graphs.get(0), "6", "KSamplerAdvanced");
        assertEquals(10, k.get("steps").getAsInt(), kind + ": the recipe's schedule");
        assertEquals(
            StrengthSchedule.img2img(kind, 10, 0.6).start(),
            k.get("start_at_step").getAsInt(),
            kind + ": the local engine's first step");
        assertEquals(10000, k.get("end_at_step").getAsInt());
        assertEquals(
            StrengthSchedule.img2img(kind, 10, 0.6).steps(), local.steps.size(), kind + " locally");
        assertEquals(local.steps.size(), comfy.steps.size(), kind + ": as many step events");
        for (int n = 0; n < local.steps.size(); n++) {
          assertEquals(local.steps.get(n).step(), comfy.steps.get(n).step(), kind + " step " + n);
          assertEquals(local.steps.get(n).totalSteps(), comfy.steps.get(n).totalSteps());
        }
      }
    }
  }

  @Test
  void whatTheServerCannotDoIsRefusedBeforeAnyJobIsSent() throws Exception {
    try (ComfyFake fake = new ComfyFake();
        ComfyBackend b = new ComfyBackend(fake.url())) {
      RgbImage img = new RgbImage(8, 8, new byte[8 * 8 * 3]);
      List<GenerationRequest> refused =
          List.of(
              job()
                  .input(
                      new ImageInput(
                          img, img, new ImageSettings(0.5, null, 0, MaskedContent.NOISE, null)))
                  .build(),
              job()
                  .input(new ImageInput(img, null, ImageSettings.of(0.5)))
                  .hires(new HiresSettings(2, 0, 0.5, null))
                  .build(),
              job().hires(new HiresSettings(1.5, 0, 0.5, HiresUpscaler.LATENT_NEAREST)).build(),
              job().prompt("a fox <lora:ink:0.8>").build(),
              job().sampler(Sampler.DDIM).eta(0.5).build(),
              job().variation(7, 0.3).build(),
              job().spacing(dev.stepwise.engine.sampling.TimestepSpacing.TRAILING).build(),
              job().sizes(new dev.stepwise.recipe.SizeConditioning(64, 64, 0, 0, 0, 0)).build());
      for (GenerationRequest r : refused) {
        EngineException e =
            assertThrows(
                EngineException.class, () -> b.run(r, new Seen(), new CancellationToken()));
        assertTrue(e.getMessage().startsWith("The ComfyUI backend " + fake.url()), e.getMessage());
        assertTrue(e.getMessage().endsWith("(leave out --backend)."), e.getMessage());
      }
      assertEquals(List.of(), fake.requests, "nothing was sent");

      fake.samplers = List.of("euler", "dpmpp_2m");
      EngineException noDdpm =
          assertThrows(
              EngineException.class,
              () ->
                  b.run(job().sampler(Sampler.DDPM).build(), new Seen(), new CancellationToken()));
      assertEquals(
          "The ComfyUI server "
              + fake.url()
              + " has no ddpm sampler (Stepwise's ddpm); it offers euler, dpmpp_2m.",
          noDdpm.getMessage());
      EngineException noModel =
          assertThrows(
              EngineException.class,
              () -> b.run(job().model(Path.of("xl")).build(), new Seen(), new CancellationToken()));
      assertEquals(
          "The ComfyUI server "
              + fake.url()
              + " has no checkpoint 'xl'; it lists sd15/v1-5.safetensors, other.ckpt.",
          noModel.getMessage());
      assertFalse(fake.requests.contains("POST /prompt"), fake.requests.toString());
      assertEquals(List.of(), fake.graphs);
    }
  }

  @Test
  void cancellingDeletesAndInterruptsThePrompt() throws Exception {
    try (ComfyFake fake = new ComfyFake();
        ComfyBackend b = new ComfyBackend(fake.url())) {
      fake.mode = ComfyFake.Mode.SLOW;
      CancellationToken token = new CancellationToken();
      Seen seen =
          new Seen() {
            @Override
            public void step(StepEvent e) {
              super.step(e);
              if (e.step() >= 2) {
                token.cancel();
              }
            }
          };
      assertThrows(
          CancellationToken.CancelledException.class,
          () -> b.run(job().steps(1000).batch(3).build(), seen, token));
      assertEquals(1, fake.interrupts.get());
      assertTrue(fake.requests.contains("POST /queue"), fake.requests.toString());
      assertEquals(1, fake.graphs.size(), "the later images were never sent");
      assertTrue(fake.steps.get() < 50, "stopped after " + fake.steps.get() + " steps");
      assertEquals(List.of(), seen.images);
    }
  }

  @Test
  void anExecutionErrorIsOneSentenceNamingTheNodesMessage() throws Exception {
    try (ComfyFake fake = new ComfyFake();
        ComfyBackend b = new ComfyBackend(fake.url())) {
      fake.mode = ComfyFake.Mode.ERROR;
      EngineException e =
          assertThrows(
              EngineException.class,
              () -> b.run(job().build(), new Seen(), new CancellationToken()));
      assertFalse(e instanceof BackendDownException, "the job failed, not the server");
      assertEquals(
          "The ComfyUI server "
              + fake.url()
              + " failed the job in its KSampler node (torch.OutOfMemoryError: Allocation on"
              + " device out of memory).",
          e.getMessage());
    }
  }

  @Test
  void aRefusedPromptIsSaidInAFewWords() {
    String body =
        "{\"error\": {\"type\": \"prompt_outputs_failed_validation\", \"message\": \"Prompt"
            + " outputs failed validation\", \"details\": \"Value not in list: ckpt_name\\nx\","
            + " \"extra_info\": {}}, \"node_errors\": {\"1\": {\"errors\": [{\"type\":"
            + " \"value_not_in_list\", \"message\": \"Value not in list\", \"details\":"
            + " \"ckpt_name: 'x.safetensors' not in []\", \"extra_info\": {}}],"
            + " \"dependent_outputs\": [\"9\"], \"class_type\": \"CheckpointLoaderSimple\"}}}";
    assertEquals(
        "Prompt outputs failed validation; CheckpointLoaderSimple: Value not in list (ckpt_name:"
            + " 'x.safetensors' not in [])",
        ComfyJob.refusalDetail(JsonParser.parseString(body)));
    assertEquals(
        "no prompt",
        ComfyJob.refusalDetail(
            JsonParser.parseString("{\"error\": \"no prompt\", \"node_errors\": []}")));
  }

  @Test
  void aServerKilledMidJobIsDown() throws Exception {
    ComfyFake fake = new ComfyFake();
    try (ComfyBackend b = new ComfyBackend(fake.url())) {
      fake.mode = ComfyFake.Mode.KILL;
      EngineException e =
          assertThrows(
              EngineException.class,
              () -> b.run(job().build(), new Seen(), new CancellationToken()));
      assertInstanceOf(BackendDownException.class, e, e.getMessage());
      assertThrows(BackendDownException.class, b::models, "the health check fails too");
    } finally {
      fake.close();
    }
  }

  @Test
  void aJobWhoseComfyServerIsKilledFinishesOnAnotherInThePool() throws Exception {
    try (ComfyFake dying = new ComfyFake();
        ComfyFake live = new ComfyFake();
        SamplingService service =
            new SamplingService(
                new BackendPool(
                    List.of(
                        BackendsConfig.backend(dying.url(), null, null),
                        BackendsConfig.backend(live.url(), null, null)),
                    Duration.ofMillis(100)))) {
      dying.mode = ComfyFake.Mode.KILL;
      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (service.pool().members().stream().anyMatch(m -> m.health() != BackendPool.Health.UP)) {
        assertTrue(System.nanoTime() < end, "both up: " + service.pool().members());
        Thread.sleep(20);
      }
      Seen seen = new Seen();
      JobHandle j = service.submit(job().build(), seen);
      GenerationResult r = j.result().get(30, TimeUnit.SECONDS);
      assertEquals(1, dying.graphs.size(), "sent to the first, which died");
      assertEquals(live.url(), j.backend());
      assertEquals(List.of(41L), seen.images.stream().map(GeneratedImage::seed).toList());
      assertEquals(1, r.images().size());
    }
  }

  @Test
  void aQuietServerThatStopsAnsweringIsDown() throws Exception {
    try (ComfyFake fake = new ComfyFake();
        ComfyBackend b = new ComfyBackend(fake.url(), Duration.ofMillis(300))) {
      fake.mode = ComfyFake.Mode.SLOW;
      CancellationToken token = new CancellationToken();
      Seen seen =
          new Seen() {
            @Override
            public void step(StepEvent e) {
              super.step(e);
              if (e.step() == 1) {
                fake.freeze();
              }
            }
          };
      EngineException e =
          assertThrows(EngineException.class, () -> b.run(job().steps(1000).build(), seen, token));
      assertInstanceOf(BackendDownException.class, e, e.getMessage());
      assertEquals(
          "The server " + fake.url() + " stopped answering during the job.", e.getMessage());
    }
  }

  @Test
  void urlsPickTheKindOfServer() {
    Backend comfy = BackendsConfig.backend("ComfyUI+http://u:p@gpu:8188/", null, null);
    assertInstanceOf(ComfyBackend.class, comfy);
    assertEquals("comfyui+http://gpu:8188", comfy.name(), "no credentials in the name");
    assertInstanceOf(
        ComfyBackend.class, BackendsConfig.backend("http://gpu:8188", Kind.COMFYUI, null));
    assertInstanceOf(A1111Backend.class, BackendsConfig.backend("http://gpu:7860", null, null));
    assertThrows(EngineException.class, () -> new ComfyBackend("http://gpu:8188"));
    assertEquals(
        "The backend 'comfyui+ftp://gpu' is not an http or https URL such as"
            + " comfyui+http://host:8188.",
        assertThrows(
                EngineException.class,
                () -> BackendsConfig.backend("comfyui+ftp://u:p@gpu", null, null))
            .getMessage(),
        "named as written, without credentials");
  }

  @Test
  void aPoolSpreadsJobsOverAStepwiseServerAndAComfyServer() throws Exception {
    ServeConfig c =
        new ServeConfig(
            ServeConfig.LOOPBACK,
            0,
            null,
            null,
            dir,
            TestPacks.tinySd().toAbsolutePath(),
            null,
            PreviewMethod.AUTO,
            null);
    try (ComfyFake fake = new ComfyFake();
        ApiServer a1111 = ApiServer.start(c)) {
      fake.checkpoints = List.of("tiny-sd.safetensors");
      fake.mode = ComfyFake.Mode.SLOW; // 100 ms a step, about the tiny pack's pace
      String a = "http://127.0.0.1:" + a1111.address().getPort();
      try (SamplingService service =
          new SamplingService(
              new BackendPool(
                  List.of(
                      BackendsConfig.backend(a, null, null),
                      BackendsConfig.backend(fake.url(), null, null)),
                  Duration.ofMillis(100)))) {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (service.pool().members().stream()
            .anyMatch(m -> m.health() != BackendPool.Health.UP)) {
          assertTrue(System.nanoTime() < end, "both up: " + service.pool().members());
          Thread.sleep(20);
        }
        List<JobHandle> jobs = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
          jobs.add(
              service.submit(
                  GenerationRequest.builder()
                      .prompt("a")
                      .seed(500 + i)
                      .steps(2)
                      .size(32, 32)
                      .model(Path.of("tiny-sd"))
                      .build(),
                  new Seen()));
        }
        TreeMap<String, Integer> where = new TreeMap<>();
        Set<Long> seeds = new HashSet<>();
        for (JobHandle j : jobs) {
          GenerationResult r = j.result().get(90, TimeUnit.SECONDS);
          assertEquals(1, r.images().size());
          assertTrue(seeds.add(r.images().get(0).seed()));
          where.merge(j.backend(), 1, Integer::sum);
        }
        assertEquals(Set.of(a, fake.url()), where.keySet(), "both ran jobs: " + where);
        assertEquals(6, seeds.size());
      }
    }
  }
}
