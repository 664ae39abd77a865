package dev.stepwise.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.stepwise.engine.PreviewMethod;
import dev.stepwise.engine.TestPacks;
import dev.stepwise.metadata.GenerationParameters;
import dev.stepwise.metadata.InfoText;
import dev.stepwise.metadata.PngText;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Issue 15, item 3: {@code stepwise serve} on loopback with the tiny pack. */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class ApiServerTest {
  @TempDir Path dir;

  private final HttpClient client =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
  private ApiServer server;

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  private ApiServer start(String user, String password, ServeConfig.Limits limits)
      throws Exception {
    return start(user, password, limits, null);
  }

  private ApiServer start(String user, String password, ServeConfig.Limits limits, String cors)
      throws Exception {
    Path models = dir.resolve("models");
    Files.createDirectories(models.resolve("checkpoints"));
    ServeConfig c =
        new ServeConfig(
            ServeConfig.LOOPBACK,
            0,
            user,
            password,
            models,
            TestPacks.tinySd().toAbsolutePath(),
            cors,
            PreviewMethod.AUTO,
            limits);
    server = ApiServer.start(c);
    return server;
  }

  private ApiServer start() throws Exception {
    return start(null, null, null);
  }

  private URI uri(String path) {
    return URI.create("http://127.0.0.1:" + server.address().getPort() + path);
  }

  private HttpResponse<String> post(String path, String json) throws Exception {
    return client.send(
        HttpRequest.newBuilder(uri(path))
            .POST(HttpRequest.BodyPublishers.ofString(json))
            .header("Content-Type", "application/json")
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private CompletableFuture<HttpResponse<String>> postAsync(String path, String json) {
    return client.sendAsync(
        HttpRequest.newBuilder(uri(path)).POST(HttpRequest.BodyPublishers.ofString(json)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> get(String path) throws Exception {
    return client.send(
        HttpRequest.newBuilder(uri(path)).GET().build(), HttpResponse.BodyHandlers.ofString());
  }

  private static JsonObject json(HttpResponse<String> r) {
    return JsonParser.parseString(r.body()).getAsJsonObject();
  }

  /** The refusal's detail: one sentence ending with a period. */
  private static String detail(HttpResponse<String> r, int status) {
    assertEquals(status, r.statusCode(), r.body());
    String d = json(r).get("detail").getAsString();
    assertTrue(d.endsWith(".") && !d.contains("\n"), d);
    assertTrue(json(r).has("error"), r.body());
    return d;
  }

  @Test
  void txt2imgReturnsPngsWhoseParametersAreTheRecipe() throws Exception {
    start();
    HttpResponse<String> r =
        post(
            "/sdapi/v1/txt2img",
            "{\"prompt\": \"a red heart\", \"negative_prompt\": \"blurry\", \"seed\": 42,"
                + " \"steps\": 3, \"cfg_scale\": 6.5, \"width\": 32, \"height\": 24,"
                + " \"sampler_name\": \"Euler a\", \"scheduler\": \"Karras\", \"batch_size\": 2,"
                + " \"some_field_a1111_has\": true}");
    assertEquals(200, r.statusCode(), r.body());
    JsonObject o = json(r);
    JsonArray images = o.getAsJsonArray("images");
    assertEquals(2, images.size());
    for (int i = 0; i < 2; i++) {
      byte[] png = Base64.getDecoder().decode(images.get(i).getAsString());
      assertEquals((byte) 0x89, png[0]);
      Map<String, String> text = PngText.read(png);
      GenerationParameters p = InfoText.parse(text.get("parameters"));
      assertEquals("a red heart", p.prompt());
      assertEquals("blurry", p.negativePrompt());
      assertEquals(42 + i, p.seed());
      assertEquals(3, p.steps());
      assertEquals("Euler a", p.sampler());
      assertEquals("Karras", p.scheduleType());
      assertEquals(6.5, p.guidance());
      assertEquals(32, p.width());
      assertEquals(24, p.height());
    }
    assertEquals(42, o.getAsJsonObject("parameters").get("seed").getAsLong());
    JsonObject info = JsonParser.parseString(o.get("info").getAsString()).getAsJsonObject();
    assertEquals("[42,43]", info.get("all_seeds").toString());
    assertEquals(2, info.getAsJsonArray("infotexts").size());
    assertFalse(info.get("interrupted").getAsBoolean());
  }

  @Test
  void img2imgStartsFromTheInitImage() throws Exception {
    start();
    byte[] rgb = new byte[40 * 24 * 3];
    java.util.Arrays.fill(rgb, (byte) 200);
    String init =
        Base64.getEncoder()
            .encodeToString(dev.stepwise.metadata.PngImage.encode(40, 24, rgb, Map.of()));
    HttpResponse<String> r =
        post(
            "/sdapi/v1/img2img",
            "{\"prompt\": \"a\", \"seed\": 7, \"steps\": 4, \"width\": 32, \"height\": 32,"
                + " \"denoising_strength\": 0.5, \"init_images\": [\"data:image/png;base64,"
                + init
                + "\"]}");
    assertEquals(200, r.statusCode(), r.body());
    assertFalse(json(r).getAsJsonObject("parameters").has("init_images"), "not echoed");
    byte[] png = Base64.getDecoder().decode(json(r).getAsJsonArray("images").get(0).getAsString());
    GenerationParameters p = InfoText.parse(PngText.read(png).get("parameters"));
    assertEquals("0.5", p.extras().get("Denoising strength"));
    assertEquals(7, p.seed());
    assertTrue(
        detail(post("/sdapi/v1/img2img", "{\"init_images\": [\"not base64!\"]}"), 400)
            .contains("init image"));
    detail(post("/sdapi/v1/img2img", "{\"prompt\": \"a\"}"), 400);
    assertEquals(
        "inpaint_full_res (only masked) is not offered by this server; send it as false.",
        detail(
            post(
                "/sdapi/v1/img2img",
                "{\"init_images\": [\""
                    + init
                    + "\"], \"mask\": \""
                    + init
                    + "\", \"inpaint_full_res\": true}"),
            400));
  }

  @Test
  void theHiresFixRunsWithinTheLimits() throws Exception {
    start();
    HttpResponse<String> r =
        post(
            "/sdapi/v1/txt2img",
            "{\"prompt\": \"a\", \"seed\": 3, \"steps\": 2, \"width\": 32, \"height\": 32,"
                + " \"enable_hr\": true, \"hr_scale\": 1.5, \"hr_upscaler\": \"Lanczos\","
                + " \"hr_second_pass_steps\": 2, \"denoising_strength\": 0.4}");
    assertEquals(200, r.statusCode(), r.body());
    byte[] png = Base64.getDecoder().decode(json(r).getAsJsonArray("images").get(0).getAsString());
    GenerationParameters p = InfoText.parse(PngText.read(png).get("parameters"));
    assertEquals("1.5", p.extras().get("Hires upscale"));
    assertEquals("Lanczos", p.extras().get("Hires upscaler"));
    assertEquals(32, p.width(), "the first pass's size, as A1111 records it");
    assertEquals(48, javax.imageio.ImageIO.read(new java.io.ByteArrayInputStream(png)).getWidth());
    assertTrue(
        detail(
                post(
                    "/sdapi/v1/txt2img",
                    "{\"enable_hr\": true, \"hr_upscaler\": \"4x-UltraSharp\", \"width\": 32,"
                        + " \"height\": 32}"),
                400)
            .startsWith("The hr_upscaler '4x-UltraSharp' is not one this server has"));
    assertTrue(
        detail(
                post(
                    "/sdapi/v1/txt2img",
                    "{\"enable_hr\": true, \"hr_scale\": 4, \"width\": 1024, \"height\": 64}"),
                400)
            .contains("this server makes at most 2048 pixels a side"));
  }

  @Test
  void progressRisesDuringAJobWithPreviewsThenIsIdle() throws Exception {
    start();
    CompletableFuture<HttpResponse<String>> job =
        postAsync(
            "/sdapi/v1/txt2img",
            "{\"prompt\": \"a\", \"steps\": 40, \"width\": 32, \"height\": 32}");
    List<Integer> steps = new ArrayList<>();
    boolean picture = false;
    while (!job.isDone()) {
      JsonObject p = json(get("/sdapi/v1/progress"));
      int step = p.getAsJsonObject("state").get("sampling_step").getAsInt();
      if (step > 0) {
        steps.add(step);
        assertEquals(40, p.getAsJsonObject("state").get("sampling_steps").getAsInt());
        assertTrue(p.get("progress").getAsDouble() > 0);
        if (!p.get("current_image").isJsonNull()) {
          byte[] png = Base64.getDecoder().decode(p.get("current_image").getAsString());
          picture |= png.length > 8 && png[1] == 'P';
        }
      }
      Thread.sleep(5);
    }
    assertEquals(200, job.get().statusCode(), job.get().body());
    assertTrue(steps.size() >= 2 && steps.get(steps.size() - 1) > steps.get(0), "" + steps);
    for (int i = 1; i < steps.size(); i++) {
      assertTrue(steps.get(i) >= steps.get(i - 1), "" + steps);
    }
    assertTrue(picture, "a preview while sampling");
    JsonObject idle = json(get("/sdapi/v1/progress"));
    assertEquals(0, idle.getAsJsonObject("state").get("job_count").getAsInt());
    assertEquals(0, idle.getAsJsonObject("state").get("sampling_step").getAsInt());
    assertTrue(idle.get("current_image").isJsonNull());
  }

  @Test
  void interruptStopsTheRunningJobAndItsResponseKeepsWhatWasFinished() throws Exception {
    start();
    CompletableFuture<HttpResponse<String>> job =
        postAsync(
            "/sdapi/v1/txt2img",
            "{\"prompt\": \"a\", \"steps\": 150, \"batch_size\": 4, \"width\": 32, \"height\":"
                + " 32}");
    while (json(get("/sdapi/v1/progress")).getAsJsonObject("state").get("sampling_step").getAsInt()
        < 2) {
      assertFalse(job.isDone(), () -> job.join().body());
      Thread.sleep(5);
    }
    assertEquals(200, post("/sdapi/v1/interrupt", "").statusCode());
    HttpResponse<String> r = job.get(60, TimeUnit.SECONDS);
    assertEquals(200, r.statusCode(), r.body());
    JsonObject info = JsonParser.parseString(json(r).get("info").getAsString()).getAsJsonObject();
    assertTrue(info.get("interrupted").getAsBoolean());
    assertTrue(json(r).getAsJsonArray("images").size() < 4, "stopped before the batch ended");
    JsonObject idle = json(get("/sdapi/v1/progress"));
    assertTrue(idle.getAsJsonObject("state").get("interrupted").getAsBoolean());
    assertEquals(0, idle.getAsJsonObject("state").get("job_count").getAsInt());
    // the server goes on serving
    CompletableFuture<HttpResponse<String>> next =
        postAsync(
            "/sdapi/v1/txt2img",
            "{\"prompt\": \"a\", \"steps\": 2, \"width\": 32, \"height\": 32}");
    assertEquals(200, next.get(60, TimeUnit.SECONDS).statusCode());
  }

  @Test
  void credentialsAreCheckedWhenConfigured() throws Exception {
    start("artist", "s3cret:x", null);
    HttpResponse<String> none = get("/sdapi/v1/sd-models");
    detail(none, 401);
    assertTrue(none.headers().firstValue("WWW-Authenticate").orElse("").startsWith("Basic"));
    String wrong = Base64.getEncoder().encodeToString("artist:nope".getBytes());
    HttpResponse<String> bad =
        client.send(
            HttpRequest.newBuilder(uri("/sdapi/v1/sd-models"))
                .header("Authorization", "Basic " + wrong)
                .build(),
            HttpResponse.BodyHandlers.ofString());
    detail(bad, 401);
    String right = Base64.getEncoder().encodeToString("artist:s3cret:x".getBytes());
    HttpResponse<String> ok =
        client.send(
            HttpRequest.newBuilder(uri("/sdapi/v1/sd-models"))
                .header("Authorization", "Basic " + right)
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertEquals(200, ok.statusCode(), ok.body());
    JsonArray models = JsonParser.parseString(ok.body()).getAsJsonArray();
    assertEquals("tiny-sd", models.get(0).getAsJsonObject().get("model_name").getAsString());
    assertFalse(ok.body().contains(dir.toString()), "no server paths: " + ok.body());
    assertTrue(ok.headers().firstValue("Access-Control-Allow-Origin").isEmpty(), "no CORS");
  }

  @Test
  void corsHeadersOnlyForTheConfiguredOrigin() throws Exception {
    start(null, null, null, "http://localhost:3000");
    HttpResponse<String> pre =
        client.send(
            HttpRequest.newBuilder(uri("/sdapi/v1/txt2img"))
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
                .header("Origin", "http://localhost:3000")
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertEquals(204, pre.statusCode());
    assertEquals(
        "http://localhost:3000", pre.headers().firstValue("Access-Control-Allow-Origin").get());
    assertTrue(
        pre.headers().firstValue("Access-Control-Allow-Headers").get().contains("Authorization"));
    assertEquals(
        "http://localhost:3000",
        get("/sdapi/v1/options").headers().firstValue("Access-Control-Allow-Origin").get());
  }

  @Test
  void listsSamplersSchedulersAndOptions() throws Exception {
    start();
    JsonArray samplers = JsonParser.parseString(get("/sdapi/v1/samplers").body()).getAsJsonArray();
    assertEquals(5, samplers.size());
    assertTrue(samplers.toString().contains("\"DPM++ 2M\""), samplers.toString());
    JsonArray schedulers =
        JsonParser.parseString(get("/sdapi/v1/schedulers").body()).getAsJsonArray();
    assertTrue(schedulers.toString().contains("\"karras\""), schedulers.toString());
    JsonObject options = json(get("/sdapi/v1/options"));
    assertTrue(options.get("sd_model_checkpoint").getAsString().startsWith("tiny-sd"));
    detail(post("/sdapi/v1/options", "{\"sd_model_checkpoint\": \"nosuch\"}"), 404);
    detail(get("/sdapi/v1/nothing-here"), 404);
    detail(get("/sdapi/v1/txt2img"), 405);
  }

  @Test
  void oversizeBodiesAre413() throws Exception {
    start(null, null, new ServeConfig.Limits(4096, 2048, 150, 8, 32));
    try (Socket s = new Socket("127.0.0.1", server.address().getPort())) {
      s.setSoTimeout(10_000);
      OutputStream out = s.getOutputStream();
      out.write(
          ("POST /sdapi/v1/txt2img HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                  + "Content-Length: 100000000\r\n\r\n{\"prompt\": \"")
              .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = s.getInputStream();
      String head = new String(in.readNBytes(12), StandardCharsets.US_ASCII);
      assertEquals("HTTP/1.1 413", head);
    }
    // no Content-Length to go by (chunked): counted while read
    HttpResponse<String> r =
        client.send(
            HttpRequest.newBuilder(uri("/sdapi/v1/txt2img"))
                .POST(
                    HttpRequest.BodyPublishers.ofInputStream(
                        () ->
                            new java.io.ByteArrayInputStream(
                                ("{\"prompt\": \"" + "a".repeat(10_000) + "\"}").getBytes())))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertTrue(detail(r, 413).contains("4096"), r.body());
    assertEquals(200, get("/sdapi/v1/progress").statusCode(), "still serving");
  }

  @Test
  void absurdValuesAndPathLikeModelsAre400() throws Exception {
    start();
    assertTrue(
        detail(post("/sdapi/v1/txt2img", "{\"width\": 100000, \"height\": 64}"), 400)
            .contains("width 100000"));
    detail(post("/sdapi/v1/txt2img", "{\"width\": 513, \"height\": 512}"), 400);
    detail(post("/sdapi/v1/txt2img", "{\"steps\": 100000}"), 400);
    detail(post("/sdapi/v1/txt2img", "{\"batch_size\": 8, \"n_iter\": 8}"), 400);
    detail(post("/sdapi/v1/txt2img", "{\"steps\": \"many\"}"), 400);
    detail(post("/sdapi/v1/txt2img", "{\"sampler_name\": \"DPM++ 2M SDE\"}"), 400);
    detail(post("/sdapi/v1/txt2img", "[1, 2]"), 400);
    detail(post("/sdapi/v1/txt2img", "{\"prompt\": "), 400);
    detail(post("/sdapi/v1/txt2img", "[".repeat(100_000)), 400);
    for (String model :
        List.of("../../etc/passwd", "/etc/passwd", "C:\\\\models\\\\x.safetensors", "..")) {
      String d =
          detail(
              post(
                  "/sdapi/v1/txt2img",
                  "{\"override_settings\": {\"sd_model_checkpoint\": \"" + model + "\"}}"),
              400);
      assertTrue(d.contains("path"), d);
    }
    detail(
        post("/sdapi/v1/txt2img", "{\"override_settings\": {\"sd_model_checkpoint\": \"nosuch\"}}"),
        404);
    String lora =
        detail(
            post(
                "/sdapi/v1/txt2img",
                "{\"prompt\": \"a <lora:../../secret:1>\", \"steps\": 2, \"width\": 32}"),
            500);
    assertTrue(lora.contains("LoRA") && !lora.contains(dir.toString()), lora);
    assertEquals(200, get("/sdapi/v1/progress").statusCode(), "still serving");
  }

  @Test
  void aFloodOfJobsBeyondTheQueueIs429() throws Exception {
    start(null, null, new ServeConfig.Limits(64L << 20, 2048, 150, 8, 4));
    List<CompletableFuture<HttpResponse<String>>> flood = new ArrayList<>();
    for (int i = 0; i < 60; i++) {
      flood.add(
          postAsync(
              "/sdapi/v1/txt2img",
              "{\"prompt\": \"a\", \"steps\": 150, \"batch_size\": 8, \"width\": 32, \"height\":"
                  + " 32}"));
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (flood.stream().filter(CompletableFuture::isDone).count() < 56
        && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    int refused = 0;
    for (CompletableFuture<HttpResponse<String>> f : flood) {
      if (f.isDone() && f.get().statusCode() == 429) {
        refused++;
        HttpResponse<String> r = f.get();
        assertTrue(detail(r, 429).contains("queue is full"), r.body());
        assertTrue(r.headers().firstValue("Retry-After").isPresent());
      }
    }
    assertEquals(56, refused, "60 jobs for a queue of 4");
    assertEquals(200, get("/sdapi/v1/sd-models").statusCode(), "still serving");
  }
}
