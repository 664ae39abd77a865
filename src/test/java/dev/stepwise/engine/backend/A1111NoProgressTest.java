package dev.stepwise.engine.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.stepwise.engine.GeneratedImage;
import dev.stepwise.engine.GenerationListener;
import dev.stepwise.engine.GenerationRequest;
import dev.stepwise.engine.GenerationResult;
import dev.stepwise.engine.StepEvent;
import dev.stepwise.metadata.PngImage;
import dev.stepwise.metadata.ServerParameters;
import dev.stepwise.recipe.Sampler;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 15: a server shaped like stable-diffusion.cpp's ({@code examples/server}: samplers listed
 * as {@code euler_a}, no {@code /sdapi/v1/progress}, no {@code sd_model_hash} in its info) still
 * runs the job: the sampler goes under the server's spelling, the job degrades to no steps with one
 * notice, and the model hash comes from the PNG's parameters.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class A1111NoProgressTest {
  private static final String TEXT =
      "a cat\nSteps: 3, Sampler: euler_a, CFG scale: 7, Seed: 9, Size: 8x8, Model hash: 0123456789";

  @Test
  void aServerWithoutProgressRunsTheJobWithoutStepsAndSaysSo() throws Exception {
    List<JsonObject> bodies = new CopyOnWriteArrayList<>();
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(
        "/",
        ex -> {
          String path = ex.getRequestURI().getPath();
          switch (path) {
            case "/sdapi/v1/samplers" ->
                answer(
                    ex,
                    200,
                    "[{\"name\":\"default\"},{\"name\":\"euler_a\"},{\"name\":\"dpm++2m\"}]");
            case "/sdapi/v1/options" -> answer(ex, 200, "{\"sd_model_checkpoint\":\"sd15-zero\"}");
            case "/sdapi/v1/sd-models" ->
                answer(
                    ex,
                    200,
                    "[{\"title\":\"sd15-zero\",\"model_name\":\"sd15-zero\",\"hash\":\"8888888888\"}]");
            case "/sdapi/v1/txt2img" -> {
              bodies.add(
                  JsonParser.parseString(
                          new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8))
                      .getAsJsonObject());
              sleep(700); // long enough for progress to be asked
              byte[] png = PngImage.encode(8, 8, new byte[8 * 8 * 3], Map.of("parameters", TEXT));
              JsonObject o = new JsonObject();
              JsonArray images = new JsonArray();
              images.add(Base64.getEncoder().encodeToString(png));
              o.add("images", images);
              o.addProperty("info", "{\"all_seeds\":[9],\"version\":\"stable-diffusion.cpp\"}");
              answer(ex, 200, o.toString());
            }
            default -> answer(ex, 404, "Not Found");
          }
        });
    server.setExecutor(java.util.concurrent.Executors.newFixedThreadPool(4));
    server.start();
    try {
      String url = "http://127.0.0.1:" + server.getAddress().getPort();
      List<String> notices = new CopyOnWriteArrayList<>();
      List<StepEvent> steps = new CopyOnWriteArrayList<>();
      List<GeneratedImage> images = new CopyOnWriteArrayList<>();
      GenerationResult r =
          new A1111Backend(url)
              .run(
                  GenerationRequest.builder()
                      .prompt("a cat")
                      .seed(9)
                      .steps(3)
                      .sampler(Sampler.EULER_A)
                      .build(),
                  new GenerationListener() {
                    @Override
                    public void notice(String sentence) {
                      notices.add(sentence);
                    }

                    @Override
                    public void step(StepEvent e) {
                      steps.add(e);
                    }

                    @Override
                    public void image(GeneratedImage image) {
                      images.add(image);
                    }
                  },
                  new dev.stepwise.engine.CancellationToken());
      assertEquals("euler_a", bodies.get(0).get("sampler_name").getAsString());
      assertEquals(1, r.images().size());
      assertEquals(notices, r.notices(), "the CLI prints the result's notices");
      assertEquals(1, images.size());
      assertEquals(List.of(), steps);
      assertEquals(
          List.of(
              "The server "
                  + url
                  + " reports no progress, so the job shows no steps or previews until it ends,"
                  + " and stopping it waits for the server to finish."),
          notices);
      Map<String, String> p = images.get(0).parameters();
      assertEquals("0123456789", p.get("Model hash"), "the PNG's, since info has none");
      assertEquals(TEXT, p.get(ServerParameters.SERVER_PARAMETERS));
      assertTrue(A1111Backend.samplerName("DPM++ 2M", List.of("dpm++2m")).equals("dpm++2m"));
      assertEquals(null, A1111Backend.samplerName("DDIM", List.of("ddim_trailing")));
    } finally {
      server.stop(0);
    }
  }

  private static void answer(HttpExchange ex, int status, String body) throws IOException {
    byte[] b = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().add("Content-Type", "application/json");
    ex.sendResponseHeaders(status, b.length);
    ex.getResponseBody().write(b);
    ex.close();
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
