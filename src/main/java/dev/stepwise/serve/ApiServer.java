package dev.stepwise.serve;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.stepwise.engine.service.SamplingService;
import dev.stepwise.recipe.Sampler;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.StringReader;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code stepwise serve}: the engine behind AUTOMATIC1111's HTTP API ({@code /sdapi/v1/...}), on
 * the JDK's own HTTP server ({@code com.sun.net.httpserver}, module jdk.httpserver). Every request
 * is checked before work: HTTP basic credentials when configured (401), the body's size (413), the
 * values (400), the queue's length (429); errors are {@code {"error", "detail"}} with one sentence.
 * No CORS header is sent unless an origin was configured.
 */
public final class ApiServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ApiServer.class);

  static {
    // The JDK server's own guards against a client that never finishes its request (seconds).
    System.setProperty(
        "sun.net.httpserver.maxReqTime",
        System.getProperty("sun.net.httpserver.maxReqTime", "120"));
    System.setProperty(
        "sun.net.httpserver.maxReqHeaders",
        System.getProperty("sun.net.httpserver.maxReqHeaders", "100"));
  }

  private final ServeConfig config;
  private final SamplingService service;
  private final boolean ownsService;
  private final ApiModels models;
  private final ApiRequests requests;
  private final ApiJobs jobs;
  private final HttpServer http;
  private final ExecutorService handlers;
  private final byte[] credentials;

  private ApiServer(ServeConfig config, SamplingService service, boolean ownsService)
      throws IOException {
    this.config = config;
    this.service = service;
    this.ownsService = ownsService;
    this.models = new ApiModels(config.models(), config.defaultModel());
    this.requests = new ApiRequests(config, models);
    this.jobs = new ApiJobs(service, models, config.limits().maxQueue());
    this.credentials =
        config.authenticated()
            ? (config.user() + ":" + config.password()).getBytes(StandardCharsets.UTF_8)
            : null;
    this.http = HttpServer.create(new InetSocketAddress(config.host(), config.port()), 64);
    this.handlers = Executors.newFixedThreadPool(8, named("stepwise-http"));
    http.setExecutor(handlers);
    http.createContext("/", this::handle);
  }

  /** Starts a server with its own sampling service on the best device. */
  public static ApiServer start(ServeConfig config) throws IOException {
    return start(config, new SamplingService(config.defaultModel()), true);
  }

  /**
   * Starts a server on {@code service} (tests share one); {@code owns}: close it with the server.
   */
  public static ApiServer start(ServeConfig config, SamplingService service, boolean owns)
      throws IOException {
    ApiServer s = new ApiServer(config, service, owns);
    s.http.start();
    LOG.info("serving the A1111 API on {}", s.address());
    return s;
  }

  /** The address bound, with the port chosen when 0 was asked for. */
  public InetSocketAddress address() {
    return http.getAddress();
  }

  /** The device jobs run on, in words. */
  public String device() {
    return service.device();
  }

  private void handle(HttpExchange ex) {
    try {
      if (config.cors() != null) {
        ex.getResponseHeaders().set("Access-Control-Allow-Origin", config.cors());
        ex.getResponseHeaders().set("Vary", "Origin");
        if (ex.getRequestMethod().equals("OPTIONS")) {
          ex.getResponseHeaders().set("Access-Control-Allow-Methods", "GET, POST");
          ex.getResponseHeaders()
              .set("Access-Control-Allow-Headers", "Authorization, Content-Type");
          ex.sendResponseHeaders(204, -1);
          ex.close();
          return;
        }
      }
      if (!authorised(ex)) {
        ex.getResponseHeaders().set("WWW-Authenticate", "Basic realm=\"stepwise\"");
        throw new ApiException(401, "Incorrect or missing user name and password.");
      }
      route(ex);
    } catch (ApiException e) {
      error(ex, e);
    } catch (RuntimeException | IOException e) {
      LOG.error("request {} {} failed", ex.getRequestMethod(), ex.getRequestURI().getPath(), e);
      error(
          ex,
          new ApiException(
              500,
              "The request failed because of an internal error; the"
                  + " server's log has the details."));
    }
  }

  private void route(HttpExchange ex) throws IOException {
    String path = ex.getRequestURI().getPath();
    String method = ex.getRequestMethod();
    boolean get = method.equals("GET") || method.equals("HEAD");
    boolean post = method.equals("POST");
    switch (path) {
      case "/sdapi/v1/txt2img", "/sdapi/v1/img2img" -> {
        need(post, "POST", path);
        JsonObject body = body(ex);
        boolean img2img = path.endsWith("img2img");
        ApiRequests.Parsed p = requests.parse(body, img2img);
        jobs.submit(p, img2img ? "img2img" : "txt2img")
            .whenComplete(
                (json, err) -> {
                  if (err == null) {
                    json(ex, 200, json);
                  } else {
                    Throwable c = err instanceof CompletionException ? err.getCause() : err;
                    error(ex, c instanceof ApiException a ? a : internal(c));
                  }
                });
      }
      case "/sdapi/v1/progress" -> {
        need(get, "GET", path);
        String q = ex.getRequestURI().getQuery();
        boolean skip = q != null && q.matches("(^|.*&)skip_current_image=(true|1)(&.*|$)");
        json(ex, 200, jobs.progress(skip));
      }
      case "/sdapi/v1/interrupt" -> {
        need(post, "POST", path);
        jobs.interrupt(); // a body, if any, is left for the server to drain as it closes

        json(ex, 200, new JsonObject());
      }
      case "/sdapi/v1/sd-models" -> {
        need(get, "GET", path);
        json(ex, 200, models.json());
      }
      case "/sdapi/v1/samplers" -> {
        need(get, "GET", path);
        json(ex, 200, samplers());
      }
      case "/sdapi/v1/schedulers" -> {
        need(get, "GET", path);
        json(ex, 200, schedulers());
      }
      case "/sdapi/v1/options" -> {
        if (post) {
          JsonObject body = body(ex);
          if (body.has("sd_model_checkpoint")) {
            models.current(models.resolve(ApiRequests.str(body, "sd_model_checkpoint", null)));
          }
          json(ex, 200, new JsonObject());
        } else {
          need(get, "GET or POST", path);
          json(ex, 200, options());
        }
      }
      default ->
          throw new ApiException(
              404, "There is no endpoint " + ApiModels.shown(path) + " on this server.");
    }
  }

  private static void need(boolean ok, String method, String path) {
    if (!ok) {
      throw new ApiException(405, path + " takes " + method + " requests.");
    }
  }

  private static ApiException internal(Throwable t) {
    LOG.error("a job's response failed", t);
    return new ApiException(
        500, "The request failed because of an internal error; the server's log has the details.");
  }

  /** HTTP basic: the configured user and password, compared in constant time. */
  private boolean authorised(HttpExchange ex) {
    if (credentials == null) {
      return true;
    }
    String h = ex.getRequestHeaders().getFirst("Authorization");
    if (h == null || !h.regionMatches(true, 0, "Basic ", 0, 6)) {
      return false;
    }
    byte[] given;
    try {
      given = Base64.getDecoder().decode(h.substring(6).strip());
    } catch (IllegalArgumentException e) {
      return false;
    }
    return MessageDigest.isEqual(given, credentials);
  }

  /**
   * The request's JSON object, read up to the body limit (413 beyond, whatever the header said).
   */
  private JsonObject body(HttpExchange ex) throws IOException {
    long max = config.limits().maxBodyBytes();
    String length = ex.getRequestHeaders().getFirst("Content-Length");
    if (length != null) {
      long n;
      try {
        n = Long.parseLong(length.strip());
      } catch (NumberFormatException e) {
        throw ApiException.bad(
            "The Content-Length header '" + ApiModels.shown(length) + "' is not" + " a number.");
      }
      if (n > max) {
        throw tooLarge(n, max);
      }
    }
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    try (InputStream in = ex.getRequestBody()) {
      byte[] chunk = new byte[1 << 16];
      for (int r; (r = in.read(chunk)) > 0; ) {
        buf.write(chunk, 0, r);
        if (buf.size() > max) {
          throw tooLarge(-1, max);
        }
      }
    }
    JsonElement e;
    try {
      JsonReader reader = new JsonReader(new StringReader(buf.toString(StandardCharsets.UTF_8)));
      reader.setStrictness(Strictness.LEGACY_STRICT);
      e = JsonParser.parseReader(reader);
    } catch (JsonParseException | StackOverflowError err) {
      throw ApiException.bad("The request body is not valid JSON.");
    }
    if (!e.isJsonObject()) {
      throw ApiException.bad("The request body must be a JSON object.");
    }
    return e.getAsJsonObject();
  }

  private static ApiException tooLarge(long n, long max) {
    return new ApiException(
        413,
        "The request body is "
            + (n < 0 ? "larger than " + max : n)
            + " bytes; this server takes at most "
            + max
            + " bytes.");
  }

  private void error(HttpExchange ex, ApiException e) {
    JsonObject o = new JsonObject();
    o.addProperty("error", ApiException.reason(e.status()));
    o.addProperty("detail", e.getMessage());
    if (e.status() == 429) {
      ex.getResponseHeaders().set("Retry-After", "5");
    }
    json(ex, e.status(), o);
  }

  private static void json(HttpExchange ex, int status, JsonElement body) {
    byte[] bytes = body.toString().getBytes(StandardCharsets.UTF_8);
    try {
      ex.getResponseHeaders().set("Content-Type", "application/json");
      boolean head = ex.getRequestMethod().equals("HEAD");
      ex.sendResponseHeaders(status, head ? -1 : bytes.length);
      if (!head) {
        try (OutputStream out = ex.getResponseBody()) {
          out.write(bytes);
        }
      }
    } catch (IOException e) {
      LOG.info("a client left before its response ({})", e.toString());
    } finally {
      ex.close();
    }
  }

  /** A1111's SamplerItem list: Stepwise's five samplers under their A1111 names. */
  static JsonArray samplers() {
    JsonArray a = new JsonArray();
    for (Sampler s : Sampler.values()) {
      JsonObject o = new JsonObject();
      o.addProperty("name", s.displayName());
      JsonArray aliases = new JsonArray();
      aliases.add(s.cliName());
      o.add("aliases", aliases);
      o.add("options", new JsonObject());
      a.add(o);
    }
    return a;
  }

  /** A1111's SchedulerItem list (1.9+): the samplers' own schedule and Karras et al.'s. */
  static JsonArray schedulers() {
    JsonArray a = new JsonArray();
    String[][] all = {{"automatic", "Automatic"}, {"uniform", "Uniform"}, {"karras", "Karras"}};
    for (String[] s : all) {
      JsonObject o = new JsonObject();
      o.addProperty("name", s[0]);
      o.addProperty("label", s[1]);
      o.add("aliases", null);
      if (s[0].equals("karras")) {
        o.addProperty("default_rho", 7.0);
      } else {
        o.add("default_rho", com.google.gson.JsonNull.INSTANCE);
      }
      o.addProperty("need_inner_model", false);
      a.add(o);
    }
    return a;
  }

  private JsonObject options() {
    JsonObject o = new JsonObject();
    o.addProperty("sd_model_checkpoint", models.title(models.current()));
    o.addProperty("samples_format", "png");
    o.addProperty(
        "live_previews_enable", config.preview() != dev.stepwise.engine.PreviewMethod.OFF);
    o.addProperty("show_progress_every_n_steps", 1);
    o.addProperty("live_preview_content", "Prompt");
    return o;
  }

  private static ThreadFactory named(String prefix) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }

  /** Stops listening, ends the jobs (their clients get 503) and frees the engine. */
  @Override
  public void close() {
    if (ownsService) {
      service.close(); // ends the jobs: their clients get 503 before the connections close
    }
    http.stop(1);
    handlers.shutdown();
    try {
      handlers.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
