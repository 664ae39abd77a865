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
import dev.stepwise.metadata.ServerParameters;
import dev.stepwise.recipe.Settings;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A server speaking AUTOMATIC1111's HTTP API (A1111, Forge, SD.Next, {@code stepwise serve}):
 * {@code POST /sdapi/v1/txt2img} (or {@code img2img} for a run from a picture, with its mask) with
 * the request's settings under A1111's names ({@link A1111Body}), {@code /sdapi/v1/progress} polled
 * while it runs (its {@code current_image} becomes the step's preview; a server without live
 * previews gives steps without pictures), {@code /sdapi/v1/interrupt} on cancel. HTTP basic
 * credentials come from the URL ({@code http://user:pass@host:7860}). What the server cannot do (a
 * sampler it lacks, a local VAE file, outpainting borders) is said before the job is sent. Each
 * image's parameters add {@code Backend} (this name, without credentials), the {@code Model hash}
 * the server reported ({@code info.sd_model_hash}, else its PNG's) and the server's own {@code
 * parameters} text ({@link ServerImage}).
 */
public final class A1111Backend implements Backend {
  /** How often progress is asked while a job runs. */
  static final Duration POLL = Duration.ofMillis(200);

  private static final Duration TIMEOUT = Duration.ofSeconds(30);
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(A1111Backend.class);

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
    ServerUrl at =
        ServerUrl.of(
            u, "The backend '" + url + "' is not an http or https URL such as http://host:7860.");
    this.authorization = at.authorization();
    this.base = at.base();
    this.name = at.shown();
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
    // the three questions go out at once: asked one after another they were about half of the
    // 120 ms a job costs beyond the server's own time on loopback (bench --remote)
    List<JsonElement> asked = getAll("sdapi/v1/samplers", "sdapi/v1/options", "sdapi/v1/sd-models");
    JsonArray samplers = asked.get(0).getAsJsonArray();
    List<String> offered = new ArrayList<>();
    for (JsonElement e : samplers) {
      offered.add(e.getAsJsonObject().get("name").getAsString());
    }
    String sampler = samplerName(s.sampler().displayName(), offered);
    if (sampler == null) {
      throw new EngineException(
          "The server "
              + name
              + " has no "
              + s.sampler().displayName()
              + " sampler; it offers "
              + String.join(", ", offered)
              + ".");
    }
    JsonObject options = asked.get(1).getAsJsonObject();
    String model =
        options.has("sd_model_checkpoint") && options.get("sd_model_checkpoint").isJsonPrimitive()
            ? options.get("sd_model_checkpoint").getAsString()
            : name;
    JsonObject body = body(request, sampler);
    JsonObject override = body.getAsJsonObject("override_settings");
    if (override != null && override.has("sd_model_checkpoint")) {
      model = override.get("sd_model_checkpoint").getAsString();
    }
    String hash = hashOf(asked.get(2), model);
    model = modelName(model);
    listener.started(new ModelInfo(model, hash, "the server " + name, 8, 77));
    long t0 = System.nanoTime();
    CompletableFuture<HttpResponse<String>> job =
        http.sendAsync(post(A1111Body.path(request), body), CappedBody.string(CappedBody.MAX));
    boolean cancelled = false;
    boolean noProgress = false;
    List<String> notices = new ArrayList<>();
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
      if (noProgress) {
        continue;
      }
      JsonObject p;
      try {
        HttpResponse<String> progress =
            send(
                request("sdapi/v1/progress?skip_current_image=false")
                    .timeout(TIMEOUT)
                    .GET()
                    .build());
        if (progress.statusCode() == 404) {
          noProgress = true; // stable-diffusion.cpp's server has no progress and no interrupt
          notices.add(
              "The server "
                  + name
                  + " reports no progress, so the job shows no steps or previews until it ends,"
                  + " and stopping it waits for the server to finish.");
          listener.notice(notices.get(0));
          continue;
        }
        p = checked(progress).getAsJsonObject();
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
        RgbImage preview = ServerImage.preview(p.get("current_image"));
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
    String infoHash = null; // what the server says it ran, above what sd-models listed
    if (info.has("sd_model_hash") && info.get("sd_model_hash").isJsonPrimitive()) {
      infoHash = info.get("sd_model_hash").getAsString();
      hash = infoHash;
    }
    List<GeneratedImage> out = new ArrayList<>();
    int[] sent = A1111Body.size(request);
    for (int i = 0; i < images.size(); i++) {
      ServerImage img = ServerImage.read(images.get(i));
      if (img == null) {
        throw new EngineException("The server " + name + " sent an image that is not a picture.");
      }
      if (img.dropped() != null) {
        LOG.info("{}: image {} kept without its parameters: {}", name, i, img.dropped());
      }
      long seed = s.seedOf(i);
      if (info.has("all_seeds") && info.getAsJsonArray("all_seeds").size() > i) {
        seed = info.getAsJsonArray("all_seeds").get(i).getAsLong();
      }
      Map<String, String> parameters = A1111Body.runParameters(request);
      String reported =
          infoHash != null ? infoHash : img.modelHash() != null ? img.modelHash() : hash;
      if (reported != null) {
        parameters.put("Model hash", reported);
      }
      parameters.put(ServerParameters.BACKEND, name);
      if (img.parameters() != null) {
        parameters.put(ServerParameters.SERVER_PARAMETERS, img.parameters());
      }
      RgbImage rgb = img.rgb();
      boolean firstPass = request.hires() != null && sent != null;
      GeneratedImage g =
          new GeneratedImage(
              i,
              seed,
              rgb,
              total.dividedBy(Math.max(1, images.size())),
              parameters,
              firstPass ? sent[0] : rgb.width(),
              firstPass ? sent[1] : rgb.height());
      out.add(g);
      listener.image(g);
    }
    if (cancelled) {
      token.check(); // the images finished before the interrupt are given; the job ends cancelled
    }
    return new GenerationResult(
        request, new ModelInfo(model, hash, "the server " + name, 8, 77), out, total, notices);
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

  /** A1111's txt2img or img2img body for {@code request} ({@link A1111Body}). */
  static JsonObject body(GenerationRequest request, String sampler) {
    return A1111Body.of(request, sampler);
  }

  /**
   * The name {@code offered} lists for the sampler A1111 calls {@code a1111}, or null: A1111's own
   * name, else one spelled alike without case, spaces and underscores (stable-diffusion.cpp's
   * server lists {@code euler_a} and {@code dpm++2m}).
   */
  static String samplerName(String a1111, List<String> offered) {
    if (offered.contains(a1111)) {
      return a1111;
    }
    String want = a1111.toLowerCase(Locale.ROOT).replaceAll("[\\s_]", "");
    for (String o : offered) {
      if (o.toLowerCase(Locale.ROOT).replaceAll("[\\s_]", "").equals(want)) {
        return o;
      }
    }
    return null;
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
    String what = A1111Body.refusal(r);
    if (what != null) {
      throw new EngineException(
          "The backend "
              + name
              + " cannot be sent "
              + what
              + "; such a run goes on the local engine (leave out --backend).");
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

  /** GETs {@code paths} at once; their bodies in order. */
  private List<JsonElement> getAll(String... paths) {
    List<CompletableFuture<HttpResponse<String>>> sent = new ArrayList<>();
    for (String p : paths) {
      sent.add(
          http.sendAsync(
              request(p).timeout(TIMEOUT).GET().build(), CappedBody.string(CappedBody.MAX)));
    }
    List<JsonElement> out = new ArrayList<>();
    for (CompletableFuture<HttpResponse<String>> f : sent) {
      try {
        out.add(checked(f.get()));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new EngineException("The request to " + name + " was abandoned.");
      } catch (ExecutionException e) {
        throw unreachable(e.getCause());
      }
    }
    return out;
  }

  private JsonElement get(String path) {
    return checked(send(request(path).timeout(TIMEOUT).GET().build()));
  }

  private HttpResponse<String> send(HttpRequest r) {
    try {
      return http.send(r, CappedBody.string(CappedBody.MAX));
    } catch (IOException e) {
      throw unreachable(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new EngineException("The request to " + name + " was abandoned.");
    }
  }

  private EngineException unreachable(Throwable e) {
    EngineException tooLarge = CappedBody.refusal(name, e);
    if (tooLarge != null) {
      return tooLarge;
    }
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
