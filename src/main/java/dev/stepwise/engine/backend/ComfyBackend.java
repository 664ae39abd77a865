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
import dev.stepwise.engine.image.ImageFiles;
import dev.stepwise.metadata.ServerParameters;
import dev.stepwise.recipe.Settings;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A ComfyUI server ({@code comfyui+http://host:8188}): each image of a job is one workflow (see
 * {@link ComfyPrompt}) sent with {@code POST /prompt}, image {@code i} with KSampler seed {@code
 * seed + i} so that every image's recorded seed remakes it alone; the server's websocket says the
 * steps ({@code progress}) with the preview frames that follow them (binary: event 1, then format 1
 * JPEG or 2 PNG, then the picture; sent only when the server runs with {@code --preview-method}),
 * the end ({@code executing} with node null) and failures ({@code execution_error}); the pictures
 * come from {@code /history/<id>} and {@code /view}. An init image is uploaded ({@code
 * /upload/image}) prepared as the local engine prepares it, its mask in the alpha channel ({@link
 * ComfyPicture}); a masked result is composited onto the init image here. Cancel deletes the queued
 * prompt and calls {@code /interrupt}. Credentials come from the URL, as for {@link A1111Backend}.
 */
public final class ComfyBackend implements Backend {
  /** The URL prefix that says a backend is ComfyUI. */
  public static final String PREFIX = "comfyui+";

  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  /**
   * How long the websocket may be quiet before the server is asked whether it still answers: a
   * closed connection is not always reported to the websocket client.
   */
  private static final Duration PING = Duration.ofSeconds(2);

  private final URI base;
  private final String name;
  private final String authorization;
  private final HttpClient http;
  private final Duration silence;

  /**
   * A backend at {@code url}: {@code comfyui+http://host:port} or {@code comfyui+https://...},
   * optionally with {@code user:password@}.
   *
   * @throws EngineException when the URL is not such a URL
   */
  public ComfyBackend(String url) {
    this(url, PING);
  }

  /**
   * As above; {@code silence} is how long the websocket may be quiet before the server is asked.
   */
  ComfyBackend(String url, Duration silence) {
    String bad =
        "The backend '"
            + url
            + "' is not a ComfyUI URL such as comfyui+http://host:8188 (or comfyui+https://...).";
    URI u;
    try {
      String s = url.strip();
      if (!s.toLowerCase(Locale.ROOT).startsWith(PREFIX)) {
        throw new EngineException(bad);
      }
      u = new URI(s.substring(PREFIX.length()));
    } catch (java.net.URISyntaxException | NullPointerException e) {
      throw new EngineException(bad);
    }
    ServerUrl at = ServerUrl.of(u, bad);
    this.authorization = at.authorization();
    this.base = at.base();
    this.name = PREFIX + at.shown();
    this.http = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();
    this.silence = silence;
  }

  @Override
  public String name() {
    return name;
  }

  /**
   * The checkpoints {@code GET /object_info/CheckpointLoaderSimple} lists, as recipes name them.
   */
  @Override
  public List<String> models() {
    return checkpoints().stream().map(ComfyPrompt::modelName).distinct().toList();
  }

  private List<String> checkpoints() {
    return ComfyPrompt.choices(
        get("object_info/CheckpointLoaderSimple"), "CheckpointLoaderSimple", "ckpt_name");
  }

  @Override
  public GenerationResult run(
      GenerationRequest request, GenerationListener listener, CancellationToken token) {
    String refusal = ComfyPrompt.refusal(request, name);
    if (refusal != null) {
      throw new EngineException(refusal);
    }
    Settings s = request.settings();
    List<String> listed = checkpoints();
    if (request.model() == null) {
      throw new EngineException(
          "Name one of the ComfyUI server "
              + name
              + "'s checkpoints with --model: "
              + (listed.isEmpty() ? "it lists none" : String.join(", ", listed))
              + ".");
    }
    String wanted = request.model().getFileName().toString();
    String checkpoint = ComfyPrompt.checkpoint(listed, wanted);
    if (checkpoint == null) {
      throw new EngineException(
          "The ComfyUI server "
              + name
              + " has no checkpoint '"
              + wanted
              + "'; it lists "
              + (listed.isEmpty() ? "none" : String.join(", ", listed))
              + ".");
    }
    JsonElement ks = get("object_info/KSampler");
    String sampler = ComfyPrompt.samplerName(s.sampler());
    String scheduler = ComfyPrompt.schedulerName(s);
    for (String[] c :
        new String[][] {
          {"sampler_name", sampler, "sampler"}, {"scheduler", scheduler, "scheduler"}
        }) {
      List<String> offered = ComfyPrompt.choices(ks, "KSampler", c[0]);
      if (!offered.isEmpty() && !offered.contains(c[1])) {
        throw new EngineException(
            "The ComfyUI server "
                + name
                + " has no "
                + c[1]
                + " "
                + c[2]
                + " (Stepwise's "
                + s.sampler().cliName()
                + "); it offers "
                + String.join(", ", offered)
                + ".");
      }
    }
    int[] size = size(request);
    ModelInfo model =
        new ModelInfo(ComfyPrompt.modelName(checkpoint), null, "the server " + name, 8, 77);
    listener.started(model);
    long t0 = System.nanoTime();
    ComfyPicture picture =
        request.input() == null ? null : ComfyPicture.of(request.input(), size[0], size[1]);
    String uploaded = picture == null ? null : upload(picture);
    List<GeneratedImage> out = new ArrayList<>();
    String clientId = UUID.randomUUID().toString().replace("-", "");
    ComfyEvents events = new ComfyEvents();
    WebSocket ws = connect(clientId, events);
    try {
      for (int i = 0; i < request.batch(); i++) {
        token.check();
        long seed = s.seedOf(i);
        JsonObject graph = ComfyPrompt.graph(request, checkpoint, seed, size[0], size[1], uploaded);
        JsonObject body = new JsonObject();
        body.add("prompt", graph);
        body.addProperty("client_id", clientId);
        JsonElement answer = checked(send(post("prompt", body)), "prompt");
        String id = answer.getAsJsonObject().get("prompt_id").getAsString();
        long ti = System.nanoTime();
        new ComfyJob(this, events, id, i, request, listener, token, t0).await();
        Duration took = Duration.ofNanos(System.nanoTime() - ti);
        for (RgbImage rgb : results(id)) {
          Map<String, String> parameters = A1111Body.runParameters(request); // img2img's keys
          parameters.put(ServerParameters.BACKEND, name); // ComfyUI reports no model hash
          RgbImage made = picture == null ? rgb : picture.composite(rgb);
          // the hires fix's recipe records the first pass's size, as the local engine's
          GeneratedImage g = new GeneratedImage(i, seed, made, took, parameters, size[0], size[1]);
          out.add(g);
          listener.image(g);
        }
      }
    } finally {
      try {
        ws.sendClose(WebSocket.NORMAL_CLOSURE, "done").get(1, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (ExecutionException | TimeoutException e) {
        // the connection is gone already
      }
      ws.abort();
    }
    Duration total = Duration.ofNanos(System.nanoTime() - t0);
    return new GenerationResult(request.withSize(size[0], size[1]), model, out, total, List.of());
  }

  /** The size sent: the request's, else the init image's (multiples of 8), else 512 x 512. */
  static int[] size(GenerationRequest r) {
    Settings s = r.settings();
    if (s.width() > 0 && s.height() > 0) {
      return new int[] {s.width(), s.height()};
    }
    if (r.input() != null) {
      int[] c = r.input().canvasSize();
      return new int[] {Math.max(8, c[0] / 8 * 8), Math.max(8, c[1] / 8 * 8)};
    }
    return new int[] {ComfyPrompt.DEFAULT_SIDE, ComfyPrompt.DEFAULT_SIDE};
  }

  /** The pictures {@code /history/<id>} lists for the save node, fetched with {@code /view}. */
  private List<RgbImage> results(String id) {
    JsonElement h = get("history/" + id);
    JsonArray images = null;
    try {
      images =
          h.getAsJsonObject()
              .getAsJsonObject(id)
              .getAsJsonObject("outputs")
              .getAsJsonObject(ComfyPrompt.SAVE)
              .getAsJsonArray("images");
    } catch (RuntimeException e) {
      // reported below
    }
    if (images == null || images.isEmpty()) {
      throw new EngineException("The ComfyUI server " + name + " finished the job with no image.");
    }
    List<RgbImage> out = new ArrayList<>();
    for (JsonElement e : images) {
      JsonObject f = e.getAsJsonObject();
      String q =
          "view?filename="
              + enc(f, "filename")
              + "&subfolder="
              + enc(f, "subfolder")
              + "&type="
              + enc(f, "type");
      HttpResponse<byte[]> r =
          sendBytes(request(q).timeout(TIMEOUT).GET().build(), CappedBody.bytes(CappedBody.MAX));
      if (r.statusCode() != 200) {
        status(r.statusCode(), null);
      }
      out.add(ImageFiles.read(r.body(), "image from the server " + name).flattened());
    }
    return out;
  }

  private static String enc(JsonObject o, String key) {
    JsonElement e = o.get(key);
    return URLEncoder.encode(
        e != null && e.isJsonPrimitive() ? e.getAsString() : "", StandardCharsets.UTF_8);
  }

  /** Uploads the prepared picture ({@link ComfyPicture#png}); its name for LoadImage. */
  private String upload(ComfyPicture picture) {
    byte[] png = picture.png(); // [H, W, 3] or [H, W, 4]
    String file;
    try {
      byte[] d = java.security.MessageDigest.getInstance("SHA-256").digest(png);
      file = "stepwise-" + HexFormat.of().formatHex(d, 0, 8) + ".png";
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    String boundary = "stepwise" + UUID.randomUUID().toString().replace("-", "");
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    String head =
        "--"
            + boundary
            + "\r\nContent-Disposition: form-data; name=\"image\"; filename=\""
            + file
            + "\"\r\nContent-Type: image/png\r\n\r\n";
    body.writeBytes(head.getBytes(StandardCharsets.UTF_8));
    body.writeBytes(png);
    String tail =
        "\r\n--"
            + boundary
            + "\r\nContent-Disposition: form-data; name=\"overwrite\"\r\n\r\ntrue\r\n--"
            + boundary
            + "\r\nContent-Disposition: form-data; name=\"type\"\r\n\r\ninput\r\n--"
            + boundary
            + "--\r\n";
    body.writeBytes(tail.getBytes(StandardCharsets.UTF_8));
    HttpRequest r =
        request("upload/image")
            .header("Content-Type", "multipart/form-data; boundary=" + boundary)
            .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray()))
            .build();
    JsonObject o = checked(send(r), "upload/image").getAsJsonObject();
    String sub = o.has("subfolder") ? o.get("subfolder").getAsString() : "";
    String n = o.get("name").getAsString();
    return sub.isEmpty() ? n : sub + "/" + n;
  }

  private WebSocket connect(String clientId, ComfyEvents events) {
    String scheme = base.getScheme().equals("https") ? "wss" : "ws";
    URI uri = URI.create(scheme + "://" + base.getRawAuthority() + "/ws?clientId=" + clientId);
    WebSocket.Builder b = http.newWebSocketBuilder().connectTimeout(TIMEOUT);
    if (authorization != null) {
      b.header("Authorization", authorization);
    }
    try {
      return b.buildAsync(uri, events).get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new EngineException("The request to " + name + " was abandoned.");
    } catch (ExecutionException | TimeoutException e) {
      throw unreachable(e.getCause() == null ? e : e.getCause());
    }
  }

  /**
   * Cancels prompt {@code id}: removed from the queue if it waits there, interrupted if it runs.
   */
  void interrupt(String id) {
    JsonObject del = new JsonObject();
    JsonArray ids = new JsonArray();
    ids.add(id);
    del.add("delete", ids);
    JsonObject which = new JsonObject();
    which.addProperty("prompt_id", id);
    try {
      send(post("queue", del));
      send(post("interrupt", which));
    } catch (EngineException e) {
      // the job is given up either way
    }
  }

  /** Whether the server answers a cheap request now ({@code GET /queue}). */
  boolean answers() {
    try {
      return send(request("queue").timeout(TIMEOUT).GET().build()).statusCode() < 500;
    } catch (EngineException e) {
      return false;
    }
  }

  Duration silence() {
    return silence;
  }

  /** A preview frame's picture (event 1, format 1 JPEG or 2 PNG), or null for any other frame. */
  RgbImage preview(byte[] frame) {
    ByteBuffer b = ByteBuffer.wrap(frame);
    if (frame.length < 9 || b.getInt(0) != 1 || (b.getInt(4) != 1 && b.getInt(4) != 2)) {
      return null;
    }
    try {
      byte[] img = java.util.Arrays.copyOfRange(frame, 8, frame.length);
      return ImageFiles.read(img, "preview from the server " + name).flattened();
    } catch (EngineException e) {
      return null; // a bad preview costs the step its picture, not the job
    }
  }

  /** The step {@code value} of {@code max} of image {@code index}, with {@code preview} or not. */
  static StepEvent step(
      GenerationRequest r, int index, int value, int max, long t0, long ti, RgbImage preview) {
    long now = System.nanoTime();
    Duration elapsed = Duration.ofNanos(now - t0);
    Duration eta = Duration.ofNanos((now - ti) / Math.max(1, value) * Math.max(0, max - value));
    StepFrames frames =
        preview == null
            ? null
            : new StepFrames(
                r.previewSource(),
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
    return new StepEvent(index, value - 1, max, 0, elapsed, eta, null, null, null, frames);
  }

  String serverName() {
    return name;
  }

  private HttpRequest post(String path, JsonObject body) {
    return request(path)
        .timeout(TIMEOUT)
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
    return checked(send(request(path).timeout(TIMEOUT).GET().build()), path);
  }

  private HttpResponse<String> send(HttpRequest r) {
    return sendBytes(r, CappedBody.string(CappedBody.MAX));
  }

  private <T> HttpResponse<T> sendBytes(HttpRequest r, HttpResponse.BodyHandler<T> h) {
    try {
      return http.send(r, h);
    } catch (IOException e) {
      throw unreachable(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new EngineException("The request to " + name + " was abandoned.");
    }
  }

  EngineException unreachable(Throwable e) {
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

  /**
   * The body of a 200 answer; a 400 is ComfyUI's refusal ({@code {"error": {"message": ...},
   * "node_errors": {id: {"errors": [{"message", "details"}], "class_type"}}}}) in one sentence.
   */
  private JsonElement checked(HttpResponse<String> r, String path) {
    JsonElement e = null;
    try {
      e = JsonParser.parseString(r.body());
    } catch (RuntimeException ex) {
      if (r.statusCode() == 200) {
        throw new EngineException("The server " + name + " answered /" + path + " with no JSON.");
      }
    }
    if (r.statusCode() == 200 && e != null && !e.isJsonNull()) {
      return e;
    }
    throw status(r.statusCode(), e);
  }

  private EngineException status(int code, JsonElement body) {
    String why = ComfyJob.refusalDetail(body);
    if (code >= 500 || code == 429) {
      throw new BackendDownException(
          "The server " + name + " failed (HTTP " + code + (why == null ? "" : ": " + why) + ").",
          null);
    }
    throw new EngineException(
        code == 401 || code == 403
            ? "The server "
                + name
                + " refused the credentials; give them in the URL as"
                + " comfyui+http://user:password@host:port."
            : "The server "
                + name
                + " refused the request (HTTP "
                + code
                + (why == null ? "" : ": " + why)
                + ").");
  }
}
