package dev.stepwise.engine.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.stepwise.engine.EngineException;
import dev.stepwise.engine.GeneratedImage;
import dev.stepwise.engine.GenerationListener;
import dev.stepwise.engine.GenerationRequest;
import dev.stepwise.engine.PreviewMethod;
import dev.stepwise.engine.StepEvent;
import dev.stepwise.engine.TestPacks;
import dev.stepwise.engine.service.JobHandle;
import dev.stepwise.engine.service.JobState;
import dev.stepwise.engine.service.SamplingService;
import dev.stepwise.recipe.Sampler;
import dev.stepwise.serve.ApiServer;
import dev.stepwise.serve.ServeConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Issue 15: the A1111 client against this program's own server on loopback. */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class A1111BackendTest {
  @TempDir Path dir;

  @Test
  void theRequestIsSentUnderA1111sNames() {
    GenerationRequest r =
        GenerationRequest.builder()
            .prompt("p")
            .negativePrompt("n")
            .seed(9)
            .steps(12)
            .guidance(4.5)
            .sampler(Sampler.DPMPP_2M)
            .karras(true)
            .clipSkip(2)
            .batch(3)
            .model(Path.of("/models/v1-5.safetensors"))
            .build();
    JsonObject b = A1111Backend.body(r, "DPM++ 2M");
    assertEquals(9, b.get("seed").getAsLong());
    assertEquals(12, b.get("steps").getAsInt());
    assertEquals(4.5, b.get("cfg_scale").getAsDouble());
    assertEquals("Karras", b.get("scheduler").getAsString());
    assertEquals(3, b.get("n_iter").getAsInt());
    assertFalse(b.has("width"), "the server's own size when none was chosen");
    assertEquals(
        "{\"sd_model_checkpoint\":\"v1-5\",\"CLIP_stop_at_last_layers\":2}",
        b.get("override_settings").toString());
    assertEquals("v1-5", A1111Backend.modelName("sub/v1-5.safetensors [6ce0161689]"));
    assertThrows(EngineException.class, () -> new A1111Backend("file:///etc/passwd"));
    var models =
        JsonParser.parseString(
            "[{\"title\": \"a.safetensors [1111111111]\", \"model_name\": \"a\", \"hash\":"
                + " \"1111111111\"}, {\"title\": \"v1-5.safetensors [6ce0161689]\","
                + " \"model_name\": \"v1-5\", \"hash\": \"6ce0161689\"}]");
    assertEquals("6ce0161689", A1111Backend.hashOf(models, "v1-5.safetensors [6ce0161689]"));
    assertEquals("6ce0161689", A1111Backend.hashOf(models, "v1-5"));
    assertEquals(null, A1111Backend.hashOf(models, "other"));
  }

  @Test
  void cancellingInterruptsTheServerAndKeepsTheFinishedImages() throws Exception {
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
    try (ApiServer server = ApiServer.start(c);
        SamplingService service =
            new SamplingService(
                new A1111Backend("http://127.0.0.1:" + server.address().getPort()))) {
      assertTrue(service.device().contains("127.0.0.1"), service.device());
      CountDownLatch secondImage = new CountDownLatch(1);
      List<GeneratedImage> images = new CopyOnWriteArrayList<>();
      List<StepEvent> steps = new CopyOnWriteArrayList<>();
      JobHandle job =
          service.submit(
              GenerationRequest.builder().prompt("a").steps(40).size(32, 32).batch(6).build(),
              new GenerationListener() {
                @Override
                public void step(StepEvent e) {
                  steps.add(e);
                  if (e.imageIndex() >= 1) {
                    secondImage.countDown();
                  }
                }

                @Override
                public void image(GeneratedImage image) {
                  images.add(image);
                }
              });
      assertTrue(secondImage.await(120, TimeUnit.SECONDS), "steps of the second image");
      job.cancel();
      assertThrows(
          java.util.concurrent.CancellationException.class,
          () -> job.result().get(60, TimeUnit.SECONDS));
      assertEquals(JobState.CANCELLED, job.state());
      assertTrue(images.size() >= 1 && images.size() < 6, "kept " + images.size());
      assertTrue(steps.stream().anyMatch(e -> e.preview() != null), "previews streamed");
      HttpResponse<String> p =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(
                          URI.create(
                              "http://127.0.0.1:"
                                  + server.address().getPort()
                                  + "/sdapi/v1/progress"))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
      JsonObject state =
          JsonParser.parseString(p.body()).getAsJsonObject().getAsJsonObject("state");
      assertTrue(state.get("interrupted").getAsBoolean(), p.body());
      assertEquals(0, state.get("job_count").getAsInt(), "the server is idle again");
    }
  }
}
