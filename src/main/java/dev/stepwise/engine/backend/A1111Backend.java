package dev.stepwise.engine.backend;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.stepwise.engine.CancellationToken;
import dev.stepwise.engine.EngineException;
import dev.stepwise.engine.GeneratedImage;
import dev.stepwise.engine.GenerationListener;
import dev.stepwise.engine.GenerationRequest;
import dev.stepwise.engine.GenerationResult;
import dev.stepwise.engine.ModelInfo;
import dev.stepwise.engine.PreviewMethod;
import dev.stepwise.engine.RgbImage;
import dev.stepwise.engine.StepEvent;
import dev.stepwise.engine.StepFrames;
import dev.stepwise.recipe.Settings;
import dev.stepwise.recipe.SizeConditioning;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.imageio.ImageIO;

/**
 * A server speaking AUTOMATIC1111's HTTP API (A1111, Forge, SD.Next, {@code stepwise serve}):
 * {@code POST /sdapi/v1/txt2img} with the request's settings under A1111's names, {@code
 * /sdapi/v1/progress} polled while it runs (its {@code current_image} becomes the step's preview; a
 * server without live previews gives steps without pictures), {@code /sdapi/v1/interrupt} on
 * cancel. HTTP basic credentials come from the URL ({@code http://user:pass@host:7860}). What the
 * server cannot do (a sampler it lacks, a picture to start from, the hires fix, a local VAE file)
 * is said before the job is sent.
 */
public final class A1111Backend implements Backend {
  /** How often progress is asked while a job runs. */
  static final Duration POLL = Duration.ofMillis(200);

  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  private final URI base;
  private final String name;
  private final String authorization;
  private final HttpClient http;

  /**
   * A backend at {@code url} (http or https, host and port, no path beyond "/").
   *
   * @throws EngineException when the URL is not such a URL
   */
  public A1111Backend(String url) {
    URI u;
    try {
      u = new URI(url.strip());
    } catch (java.net.URISyntaxException | NullPointerException e) {
      throw new EngineException("The backend '" + url + "' is not a URL such as http://host:7860.");
    }
    String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
    if (!(scheme.equals("http") || scheme.equals("https")) || u.getHost() == null) {
      throw new EngineException(
          "The backend '" + url + "' is not an http or https URL such as http://host:7860.");
    }
    String user = u.getRawUserInfo();
    this.authorization =
        user == null
            ? null
            : "Basic "
                + Base64.getEncoder()
                    .encodeToString(
                        java.net.URLDecoder.decode(user, StandardCharsets.UTF_8)
                            .getBytes(StandardCharsets.UTF_8));
    this.base =
        URI.create(scheme + "://" + u.getHost() + (u.getPort() < 0 ? "" : ":" + u.getPort()) + "/");
    this.name = base.toString().replaceAll("/$", "");
    this.http = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public GenerationResult run(
      GenerationRequest request, GenerationListener listener, CancellationToken token) {
    refuseWhatTheServerCannotDo(request);
    Settings s = request.settings();
    JsonArray samplers = get("sdapi/v1/samplers").getAsJsonArray();
    String sampler = s.sampler().displayName();
    List<String> offered = new ArrayList<>();
    for (JsonElement e : samplers) {
      offered.add(e.getAsJsonObject().get("name").getAsString());
    }
    if (!offered.contains(sampler)) {
      throw new EngineException(
          "The server "
              + name
              + " has no "
              + sampler
              + " sampler; it offers "
              + String.join(", ", offered)
              + ".");
    }
    JsonObject options = get("sdapi/v1/options").getAsJsonObject();
    String model =
        options.has("sd_model_checkpoint") && options.get("sd_model_checkpoint").isJsonPrimitive()
            ? options.get("sd_model_checkpoint").getAsString()
            : name;
    JsonObject body = body(request, sampler);
    JsonObject override = body.getAsJsonObject("override_settings");
    if (override != null && override.has("sd_model_checkpoint")) {
      model = override.get("sd_model_checkpoint").getAsString();
    }
    String hash = hashOf(get("sdapi/v1/sd-models"), model);
    model = modelName(model);
    listener.started(new ModelInfo(model, hash, "the server " + name, 8, 77));
    long t0 = System.nanoTime();
    CompletableFuture<HttpResponse<String>> job =
        http.sendAsync(post("sdapi/v1/txt2img", body), HttpResponse.BodyHandlers.ofString());
    boolean cancelled = false;
    int lastStep = -1;
    int lastImage = -1;
    long lastAnswer = t0;
    while (!job.isDone()) {
      try {
        job.get(POLL.toMillis(), TimeUnit.MILLISECONDS);
        break;
      } catch (TimeoutException e) {
        // still running: ask its progress
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        job.cancel(true);
        throw new EngineException("The job on " + name + " was abandoned.");
      } catch (ExecutionException e) {
        break; // reported below
      }
      if (!cancelled && isCancelled(token)) {
        cancelled = true;
        send(post("sdapi/v1/interrupt", new JsonObject()));
      }
      JsonObject p;
      try {
        p = get("sdapi/v1/progress?skip_current_image=false").getAsJsonObject();
        lastAnswer = System.nanoTime();
      } catch (EngineException e) {
        if (System.nanoTime() - lastAnswer > TIMEOUT.toNanos()) {
          job.cancel(true);
          throw new BackendDownException(
              "The server " + name + " stopped answering during the job.", e);
        }
        continue; // a missed progress report is not a failed job
      }
      JsonObject state = p.has("state") ? p.getAsJsonObject("state") : new JsonObject();
      int step = intOf(state, "sampling_step");
      int steps = intOf(state, "sampling_steps");
      int image = intOf(state, "job_no");
      if (steps > 0 && step > 0 && (step != lastStep || image != lastImage)) {
        lastStep = step;
        lastImage = image;
        double eta = p.has("eta_relative") ? p.get("eta_relative").getAsDouble() : 0;
        RgbImage preview = decode(p.get("current_image"));
        StepFrames frames =
            preview == null
                ? null
                : new StepFrames(
                    request.previewSource(),
                    preview,
                    PreviewMethod.FULL,
                    false,
                    0,
                    null,
                    null,
                    null,
                    null,
                    preview.width(),
                    preview.height());
        listener.step(
            new StepEvent(
                Math.max(0, image),
                step - 1,
                steps,
                0,
                Duration.ofNanos(System.nanoTime() - t0),
                Duration.ofMillis((long) (Math.max(0, eta) * 1000)),
                null,
                null,
                null,
                frames));
      }
    }
    HttpResponse<String> response;
    try {
      response = job.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new EngineException("The job on " + name + " was abandoned.");
    } catch (ExecutionException e) {
      throw unreachable(e.getCause());
    }
    JsonObject o = checked(response).getAsJsonObject();
    Duration total = Duration.ofNanos(System.nanoTime() - t0);
    JsonArray images = o.has("images") ? o.getAsJsonArray("images") : new JsonArray();
    JsonObject info = new JsonObject();
    try {
      info = JsonParser.parseString(o.get("info").getAsString()).getAsJsonObject();
    } catch (RuntimeException e) {
      // info is A1111's; without it the request's own seeds stand
    }
    if (info.has("sd_model_hash") && info.get("sd_model_hash").isJsonPrimitive()) {
      hash = info.get("sd_model_hash").getAsString();
    }
    List<GeneratedImage> out = new ArrayList<>();
    for (int i = 0; i < images.size(); i++) {
      RgbImage rgb = decode(images.get(i));
      if (rgb == null) {
        throw new EngineException("The server " + name + " sent an image that is not a picture.");
      }
      long seed = s.seedOf(i);
      if (info.has("all_seeds") && info.getAsJsonArray("all_seeds").size() > i) {
        seed = info.getAsJsonArray("all_seeds").get(i).getAsLong();
      }
      GeneratedImage g =
          new GeneratedImage(i, seed, rgb, total.dividedBy(Math.max(1, images.size())));
      out.add(g);
      listener.image(g);
    }
    if (cancelled) {
      token.check(); // the images finished before the interrupt are given; the job ends cancelled
    }
    return new GenerationResult(
        request, new ModelInfo(model, hash, "the server " + name, 8, 77), out, total, List.of());
  }

  /** The names of the checkpoints GET /sdapi/v1/sd-models lists (one cheap request). */
  @Override
  public List<String> models() {
    List<String> out = new ArrayList<>();
    JsonElement all = get("sdapi/v1/sd-models");
    if (all.isJsonArray()) {
      for (JsonElement e : all.getAsJsonArray()) {
        JsonElement n = e.isJsonObject() ? e.getAsJsonObject().get("model_name") : null;
        JsonElement t = e.isJsonObject() ? e.getAsJsonObject().get("title") : null;
        if (n != null && n.isJsonPrimitive()) {
          out.add(n.getAsString());
        } else if (t != null && t.isJsonPrimitive()) {
          out.add(modelName(t.getAsString()));
        }
      }
    }
    return out;
  }

  /** A1111's txt2img body for {@code request}. */
  static JsonObject body(GenerationRequest request, String sampler) {
    Settings s = request.settings();
    JsonObject b = new JsonObject();
    b.addProperty("prompt", s.prompt());
    b.addProperty("negative_prompt", s.negativePrompt());
    b.addProperty("seed", s.seed());
    if (s.variationStrength() > 0) {
      b.addProperty("subseed", s.variationSeed());
      b.addProperty("subseed_strength", s.variationStrength());
    }
    b.addProperty("steps", s.steps());
    b.addProperty("cfg_scale", s.guidance());
    if (s.width() > 0 && s.height() > 0) {
      b.addProperty("width", s.width());
      b.addProperty("height", s.height());
    }
    b.addProperty("sampler_name", sampler);
    b.addProperty("scheduler", s.karras() ? "Karras" : "Automatic");
    b.addProperty("batch_size", 1);
    b.addProperty("n_iter", request.batch());
    if (s.eta() > 0) {
      b.addProperty("eta", s.eta());
    }
    JsonObject override = new JsonObject();
    if (request.model() != null) {
      String file = request.model().getFileName().toString();
      override.addProperty("sd_model_checkpoint", file.replaceFirst("\\.(safetensors|ckpt)$", ""));
    }
    if (s.clipSkip() > 1) {
      override.addProperty("CLIP_stop_at_last_layers", s.clipSkip());
    }
    if (override.size() > 0) {
      b.add("override_settings", override);
    }
    b.addProperty("send_images", true);
    b.addProperty("save_images", false);
    return b;
  }

  /** The short hash sd-models gives the checkpoint {@code title} names, or null. */
  static String hashOf(JsonElement models, String title) {
    if (models == null || !models.isJsonArray()) {
      return null;
    }
    for (JsonElement e : models.getAsJsonArray()) {
      JsonObject m = e.isJsonObject() ? e.getAsJsonObject() : new JsonObject();
      JsonElement t = m.get("title");
      JsonElement n = m.get("model_name");
      JsonElement h = m.get("hash");
      boolean named =
          (t != null && t.isJsonPrimitive() && t.getAsString().equals(title))
              || (n != null && n.isJsonPrimitive() && n.getAsString().equals(modelName(title)));
      if (named && h != null && h.isJsonPrimitive()) {
        return h.getAsString();
      }
    }
    return null;
  }

  /** A1111's checkpoint title ("v1-5.safetensors [6ce0161689]") as a recipe names the model. */
  static String modelName(String title) {
    return title
        .replaceFirst("\\s*\\[[0-9a-fA-F]+\\]$", "")
        .replaceFirst("\\.(safetensors|ckpt)$", "")
        .replaceFirst("^.*[/\\\\]", "");
  }

  private void refuseWhatTheServerCannotDo(GenerationRequest r) {
    String what =
        r.input() != null
            ? "a picture to start from"
            : r.hires() != null
                ? "the hires fix"
                : r.vae() != null
                    ? "a separate VAE file"
                    : !r.sizes().equals(SizeConditioning.DEFAULT)
                        ? "SDXL's original size, crop and target size"
                        : r.spacing() != null ? "a timestep spacing" : null;
    if (what != null) {
      throw new EngineException(
          "The backend "
              + name
              + " is sent text-to-image jobs only for now; "
              + what
              + " runs on the local engine (leave out --backend).");
    }
  }

  private static boolean isCancelled(CancellationToken token) {
    try {
      token.check();
      return false;
    } catch (CancellationToken.CancelledException e) {
      return true;
    }
  }

  private static int intOf(JsonObject o, String key) {
    JsonElement e = o.get(key);
    return e != null && e.isJsonPrimitive() && e.getAsJsonPrimitive().isNumber() ? e.getAsInt() : 0;
  }

  /** A base64 PNG (or JPEG) as RGB, or null when there is none. */
  static RgbImage decode(JsonElement e) {
    if (e == null || !e.isJsonPrimitive()) {
      return null;
    }
    String b = e.getAsString();
    int comma = b.startsWith("data:") ? b.indexOf(',') : -1;
    try {
      BufferedImage img =
          ImageIO.read(
              new ByteArrayInputStream(Base64.getMimeDecoder().decode(b.substring(comma + 1))));
      if (img == null) {
        return null;
      }
      int w = img.getWidth();
      int h = img.getHeight();
      byte[] rgb = new byte[w * h * 3]; // [H, W, 3]
      int[] row = new int[w];
      for (int y = 0; y < h; y++) {
        img.getRGB(0, y, w, 1, row, 0, w);
        for (int x = 0; x < w; x++) {
          int p = (y * w + x) * 3;
          rgb[p] = (byte) (row[x] >> 16);
          rgb[p + 1] = (byte) (row[x] >> 8);
          rgb[p + 2] = (byte) row[x];
        }
      }
      return new RgbImage(w, h, rgb);
    } catch (IOException | IllegalArgumentException ex) {
      return null;
    }
  }

  private HttpRequest post(String path, JsonObject body) {
    return request(path)
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body.toString()))
        .build();
  }

  private HttpRequest.Builder request(String path) {
    HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path));
    if (authorization != null) {
      b.header("Authorization", authorization);
    }
    return b;
  }

  private JsonElement get(String path) {
    return checked(send(request(path).timeout(TIMEOUT).GET().build()));
  }

  private HttpResponse<String> send(HttpRequest r) {
    try {
      return http.send(r, HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw unreachable(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new EngineException("The request to " + name + " was abandoned.");
    }
  }

  private EngineException unreachable(Throwable e) {
    return new BackendDownException(
        "The server "
            + name
            + " could not be reached ("
            + (e == null || e.getMessage() == null ? "no answer" : e.getMessage())
            + ").",
        e);
  }

  /** The body of a 200 answer; any other status is the server's refusal in one sentence. */
  private JsonElement checked(HttpResponse<String> r) {
    String detail = null;
    try {
      JsonElement e = JsonParser.parseString(r.body());
      if (r.statusCode() == 200) {
        return e;
      }
      if (e.isJsonObject() && e.getAsJsonObject().has("detail")) {
        detail = e.getAsJsonObject().get("detail").toString().replaceAll("^\"|\"$", "");
      }
    } catch (RuntimeException ex) {
      if (r.statusCode() == 200) {
        throw new EngineException("The server " + name + " answered with something not JSON.");
      }
    }
    String why = detail == null ? "" : ": " + detail.replaceAll("[.\\s]+$", "");
    if (r.statusCode() >= 500 || r.statusCode() == 429) {
      throw new BackendDownException(
          "The server " + name + " failed (HTTP " + r.statusCode() + why + ").", null);
    }
    throw new EngineException(
        r.statusCode() == 401
            ? "The server "
                + name
                + " refused the credentials; give them in the URL as"
                + " http://user:password@host:port."
            : "The server " + name + " refused the request (HTTP " + r.statusCode() + why + ").");
  }
}
