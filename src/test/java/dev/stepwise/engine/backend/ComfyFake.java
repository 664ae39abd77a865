package dev.stepwise.engine.backend;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.stepwise.metadata.PngImage;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URLDecoder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A ComfyUI server for tests, on loopback: HTTP/1.1 and the websocket (RFC 6455 handshake, unmasked
 * server frames) on one port, written here because the JDK has no websocket server. It answers as
 * ComfyUI's server.py does: {@code /object_info/<node>}, {@code POST /prompt} ({@code prompt_id}),
 * {@code /history/<id>}, {@code /view}, {@code /upload/image}, {@code /interrupt}, {@code /queue};
 * and runs each prompt by sending {@code status}, {@code execution_start}, {@code
 * execution_cached}, {@code executing}, {@code progress} each followed by a binary PNG preview
 * frame, {@code executed} and {@code executing} with node null, to the prompt's client only. A
 * graph is checked first as ComfyUI validates it ({@link ComfyGraphs}: 400 with {@code
 * node_errors}); its samplers 6 and 14 (the hires fix's) report the steps they run, and its image
 * has the size the graph gives it.
 */
public final class ComfyFake implements AutoCloseable {
  /** How a prompt runs. */
  enum Mode {
    /** Every step, then the image. */
    NORMAL,
    /** {@code execution_error} in the KSampler at step 2. */
    ERROR,
    /** Every connection and the port closed at step 2, as a killed server. */
    KILL,
    /** Steps every 100 ms until interrupted. */
    SLOW
  }

  volatile Mode mode = Mode.NORMAL;
  public volatile List<String> checkpoints = List.of("sd15/v1-5.safetensors", "other.ckpt");
  volatile List<String> samplers = List.of("euler", "euler_ancestral", "ddim", "dpmpp_2m", "ddpm");

  /** Every HTTP request as "METHOD /path", in order. */
  final List<String> requests = new CopyOnWriteArrayList<>();

  /** Every graph POST /prompt received. */
  public final List<JsonObject> graphs = new CopyOnWriteArrayList<>();

  /** The bytes of every uploaded image. */
  final List<byte[]> uploads = new CopyOnWriteArrayList<>();

  final AtomicInteger interrupts = new AtomicInteger();
  final AtomicInteger closes = new AtomicInteger();
  final AtomicInteger steps = new AtomicInteger();

  private final ServerSocket server;
  private final List<Socket> open = new CopyOnWriteArrayList<>();
  private final Map<String, Socket> sockets = new ConcurrentHashMap<>();
  private final Map<String, JsonObject> history = new ConcurrentHashMap<>();
  private final Map<String, byte[]> files = new ConcurrentHashMap<>();
  private volatile boolean interrupted;
  private volatile boolean frozen;
  private volatile boolean dead; // set first when closing: no answer after it, on any socket

  public ComfyFake() throws IOException {
    server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread t = new Thread(this::accept, "comfy-fake");
    t.setDaemon(true);
    t.start();
  }

  public String url() {
    return "comfyui+http://127.0.0.1:" + server.getLocalPort();
  }

  private void accept() {
    while (!server.isClosed()) {
      try {
        Socket s = server.accept();
        open.add(s);
        Thread t = new Thread(() -> serve(s), "comfy-fake-conn");
        t.setDaemon(true);
        t.start();
      } catch (IOException e) {
        return;
      }
    }
  }

  private void serve(Socket s) {
    try (s) {
      InputStream in = new BufferedInputStream(s.getInputStream());
      OutputStream out = s.getOutputStream();
      while (true) {
        String line = line(in);
        if (line == null || line.isEmpty() || dead) {
          return;
        }
        String[] parts = line.split(" ");
        Map<String, String> headers = new HashMap<>();
        for (String h = line(in); h != null && !h.isEmpty(); h = line(in)) {
          int c = h.indexOf(':');
          headers.put(
              h.substring(0, c).strip().toLowerCase(Locale.ROOT), h.substring(c + 1).strip());
        }
        int length = Integer.parseInt(headers.getOrDefault("content-length", "0"));
        byte[] body = in.readNBytes(length);
        String target = parts[1];
        String path = target.contains("?") ? target.substring(0, target.indexOf('?')) : target;
        requests.add(parts[0] + " " + path);
        if (path.equals("/ws") && "websocket".equalsIgnoreCase(headers.get("upgrade"))) {
          websocket(s, in, out, headers, query(target).get("clientId"));
          return;
        }
        if (dead) {
          return;
        }
        answer(out, parts[0], path, query(target), headers, body);
      }
    } catch (IOException | RuntimeException e) {
      // the client went away, or the fake was closed
    }
  }

  private void answer(
      OutputStream out,
      String method,
      String path,
      Map<String, String> q,
      Map<String, String> headers,
      byte[] body)
      throws IOException {
    if (path.equals("/object_info/CheckpointLoaderSimple")) {
      json(out, 200, objectInfo("CheckpointLoaderSimple", Map.of("ckpt_name", checkpoints)));
    } else if (path.equals("/object_info/KSampler")) {
      json(
          out,
          200,
          objectInfo(
              "KSampler",
              Map.of(
                  "sampler_name",
                  samplers,
                  "scheduler",
                  List.of("normal", "karras", "exponential", "ddim_uniform"))));
    } else if (path.equals("/prompt") && method.equals("POST")) {
      JsonObject o =
          JsonParser.parseString(new String(body, StandardCharsets.UTF_8)).getAsJsonObject();
      JsonObject graph = o.getAsJsonObject("prompt");
      String refusal = ComfyGraphs.refusal(graph);
      if (refusal != null) {
        json(out, 400, refusal);
        return;
      }
      graphs.add(graph);
      String id = UUID.randomUUID().toString();
      String client = o.get("client_id").getAsString();
      JsonObject r = new JsonObject();
      r.addProperty("prompt_id", id);
      r.addProperty("number", graphs.size() - 1);
      r.add("node_errors", new JsonObject());
      json(out, 200, r.toString());
      Thread t = new Thread(() -> execute(id, client, graph), "comfy-fake-run");
      t.setDaemon(true);
      t.start();
    } else if (path.startsWith("/history/")) {
      String id = path.substring("/history/".length());
      JsonObject h = new JsonObject();
      if (history.containsKey(id)) {
        h.add(id, history.get(id));
      }
      json(out, 200, h.toString());
    } else if (path.equals("/view")) {
      byte[] png = files.get(q.get("filename"));
      if (png == null || !"output".equals(q.get("type"))) {
        respond(out, 404, "text/plain", new byte[0]);
      } else {
        respond(out, 200, "image/png", png);
      }
    } else if (path.equals("/upload/image") && method.equals("POST")) {
      byte[] png = pngPart(body);
      uploads.add(png);
      json(out, 200, "{\"name\": \"up.png\", \"subfolder\": \"\", \"type\": \"input\"}");
    } else if (path.equals("/interrupt") && method.equals("POST")) {
      interrupts.incrementAndGet();
      interrupted = true;
      respond(out, 200, "text/plain", new byte[0]);
    } else if (path.equals("/queue")) {
      json(out, 200, "{\"queue_running\": [], \"queue_pending\": []}");
    } else {
      respond(out, 404, "text/plain", new byte[0]);
    }
  }

  /** Runs a prompt as ComfyUI's executor reports it to the client that queued it. */
  private void execute(String id, String client, JsonObject graph) {
    try {
      Thread.sleep(20); // the client reads the POST answer before the first message
      interrupted = false;
      JsonObject k = graph.getAsJsonObject("6").getAsJsonObject("inputs");
      long seed = (k.has("seed") ? k.get("seed") : k.get("noise_seed")).getAsLong();
      int[] size = ComfyGraphs.size(graph, "9", this::uploadedSize);
      int w = size[0];
      int h = size[1];
      text(client, "status", "{\"status\": {\"exec_info\": {\"queue_remaining\": 1}}}");
      text(client, "execution_start", "{\"prompt_id\": \"" + id + "\", \"timestamp\": 1}");
      text(client, "execution_cached", "{\"nodes\": [], \"prompt_id\": \"" + id + "\"}");
      for (String node : List.of("1", "3", "4", "5", "6")) {
        text(
            client,
            "executing",
            "{\"node\": \""
                + node
                + "\", \"display_node\": \""
                + node
                + "\", \"prompt_id\": \""
                + id
                + "\"}");
      }
      for (String sampler : List.of("6", "14")) {
        if (graph.has(sampler) && !run(id, client, graph, sampler, seed)) {
          return;
        }
      }
      String file = "stepwise_" + id + ".png";
      files.put(file, PngImage.encode(w, h, pixels(w, h, seed), Map.of()));
      String images =
          "{\"images\": [{\"filename\": \""
              + file
              + "\", \"subfolder\": \"\", \"type\": \"output\"}]}";
      text(
          client,
          "executing",
          "{\"node\": \"9\", \"display_node\": \"9\", \"prompt_id\": \"" + id + "\"}");
      text(
          client,
          "executed",
          "{\"node\": \"9\", \"display_node\": \"9\", \"output\": "
              + images
              + ", \"prompt_id\": \""
              + id
              + "\"}");
      JsonObject entry = new JsonObject();
      entry.add("prompt", new JsonArray());
      JsonObject outputs = new JsonObject();
      outputs.add("9", JsonParser.parseString(images));
      entry.add("outputs", outputs);
      entry.add(
          "status",
          JsonParser.parseString(
              "{\"status_str\": \"success\", \"completed\": true, \"messages\": []}"));
      history.put(id, entry);
      text(client, "executing", "{\"node\": null, \"prompt_id\": \"" + id + "\"}");
    } catch (InterruptedException | IOException e) {
      // the fake was closed
    }
  }

  /** Runs sampler {@code sampler}'s steps; false when the prompt ended there. */
  private boolean run(String id, String client, JsonObject graph, String sampler, long seed)
      throws InterruptedException, IOException {
    JsonObject node = graph.getAsJsonObject(sampler);
    int total =
        ComfyGraphs.stepsRun(node.get("class_type").getAsString(), node.getAsJsonObject("inputs"));
    for (int v = 1; v <= total; v++) {
      while (frozen && sockets.containsKey(client)) {
        Thread.sleep(20);
      }
      if (interrupted) {
        text(
            client,
            "execution_interrupted",
            "{\"prompt_id\": \""
                + id
                + "\", \"node_id\": \""
                + sampler
                + "\", \"node_type\": \"KSampler\", \"executed\": []}");
        return false;
      }
      if (v == 2 && mode == Mode.ERROR) {
        text(
            client,
            "execution_error",
            "{\"prompt_id\": \""
                + id
                + "\", \"node_id\": \""
                + sampler
                + "\","
                + " \"node_type\": \"KSampler\", \"executed\": [], \"exception_message\":"
                + " \"Allocation on device \\nout of memory.\", \"exception_type\":"
                + " \"torch.OutOfMemoryError\", \"traceback\": [\"...\"], \"current_inputs\": {},"
                + " \"current_outputs\": {}}");
        return false;
      }
      if (v == 2 && mode == Mode.KILL) {
        close();
        return false;
      }
      steps.incrementAndGet();
      text(
          client,
          "progress",
          "{\"value\": "
              + v
              + ", \"max\": "
              + total
              + ", \"prompt_id\": \""
              + id
              + "\", \"node\": \""
              + sampler
              + "\"}");
      // A preview frame as server.py's send_image: event 1, format 2 (PNG), the picture
      byte[] png = PngImage.encode(8, 8, pixels(8, 8, seed + v), Map.of());
      ByteBuffer frame = ByteBuffer.allocate(8 + png.length);
      frame.putInt(1).putInt(2).put(png);
      frame(client, 0x2, frame.array());
      if (mode == Mode.SLOW) {
        Thread.sleep(100);
      }
    }
    return true;
  }

  /** The size of the uploaded picture (the last upload; every upload is named up.png). */
  private int[] uploadedSize(String name) {
    try {
      var img =
          javax.imageio.ImageIO.read(
              new java.io.ByteArrayInputStream(uploads.get(uploads.size() - 1)));
      return new int[] {img.getWidth(), img.getHeight()};
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A picture whose every pixel says {@code seed}, so a test can tell whose image it got. */
  static byte[] pixels(int w, int h, long seed) {
    byte[] rgb = new byte[w * h * 3]; // [H, W, 3]
    for (int i = 0; i < rgb.length; i += 3) {
      rgb[i] = (byte) seed;
      rgb[i + 1] = (byte) (seed >> 8);
      rgb[i + 2] = (byte) 7;
    }
    return rgb;
  }

  private void websocket(
      Socket s, InputStream in, OutputStream out, Map<String, String> headers, String client)
      throws IOException {
    String accept;
    try {
      accept =
          Base64.getEncoder()
              .encodeToString(
                  MessageDigest.getInstance("SHA-1")
                      .digest(
                          (headers.get("sec-websocket-key")
                                  + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")
                              .getBytes(StandardCharsets.US_ASCII)));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    synchronized (s) {
      out.write(
          ("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                  + "Sec-WebSocket-Accept: "
                  + accept
                  + "\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      out.flush();
    }
    sockets.put(client, s);
    text(
        client,
        "status",
        "{\"status\": {\"exec_info\": {\"queue_remaining\": 0}}, \"sid\": \"" + client + "\"}");
    // Client frames are masked: read them until its close frame, then answer it and close
    while (true) {
      int b0 = in.read();
      int b1 = in.read();
      if (b0 < 0 || b1 < 0) {
        break;
      }
      long len = b1 & 0x7f;
      if (len == 126) {
        len = (in.read() << 8) | in.read();
      } else if (len == 127) {
        len = ByteBuffer.wrap(in.readNBytes(8)).getLong();
      }
      byte[] mask = (b1 & 0x80) != 0 ? in.readNBytes(4) : null;
      byte[] payload = in.readNBytes((int) len);
      if (mask != null) {
        for (int i = 0; i < payload.length; i++) {
          payload[i] ^= mask[i % 4];
        }
      }
      if ((b0 & 0x0f) == 0x8) {
        closes.incrementAndGet();
        frame(client, 0x8, payload.length >= 2 ? new byte[] {payload[0], payload[1]} : new byte[0]);
        break;
      }
    }
    sockets.remove(client);
  }

  private void text(String client, String type, String data) throws IOException {
    frame(
        client,
        0x1,
        ("{\"type\": \"" + type + "\", \"data\": " + data + "}").getBytes(StandardCharsets.UTF_8));
  }

  /** One unmasked server frame (FIN set) of {@code opcode} to {@code client}'s websocket. */
  private void frame(String client, int opcode, byte[] payload) throws IOException {
    Socket s = sockets.get(client);
    if (s == null) {
      return; // ComfyUI sends to the client's socket only if it is connected
    }
    ByteArrayOutputStream f = new ByteArrayOutputStream();
    f.write(0x80 | opcode);
    if (payload.length < 126) {
      f.write(payload.length);
    } else if (payload.length < 65536) {
      f.write(126);
      f.write(payload.length >> 8);
      f.write(payload.length & 0xff);
    } else {
      f.write(127);
      f.writeBytes(ByteBuffer.allocate(8).putLong(payload.length).array());
    }
    f.writeBytes(payload);
    synchronized (s) {
      s.getOutputStream().write(f.toByteArray());
      s.getOutputStream().flush();
    }
  }

  private static String objectInfo(String node, Map<String, List<String>> combos) {
    JsonObject required = new JsonObject();
    for (Map.Entry<String, List<String>> c : combos.entrySet()) {
      JsonArray spec = new JsonArray();
      JsonArray choices = new JsonArray();
      c.getValue().forEach(choices::add);
      spec.add(choices);
      spec.add(new JsonObject());
      required.add(c.getKey(), spec);
    }
    JsonObject input = new JsonObject();
    input.add("required", required);
    JsonObject n = new JsonObject();
    n.add("input", input);
    n.addProperty("name", node);
    JsonObject o = new JsonObject();
    o.add(node, n);
    return o.toString();
  }

  /** The bytes of the multipart body's part named "image". */
  private static byte[] pngPart(byte[] body) {
    String latin = new String(body, StandardCharsets.ISO_8859_1);
    int at = latin.indexOf("name=\"image\"");
    int start = latin.indexOf("\r\n\r\n", at) + 4;
    int end = latin.indexOf("\r\n--", start);
    return java.util.Arrays.copyOfRange(body, start, end);
  }

  private static Map<String, String> query(String target) {
    Map<String, String> q = new HashMap<>();
    int i = target.indexOf('?');
    if (i >= 0) {
      for (String kv : target.substring(i + 1).split("&")) {
        int e = kv.indexOf('=');
        if (e > 0) {
          q.put(kv.substring(0, e), URLDecoder.decode(kv.substring(e + 1), StandardCharsets.UTF_8));
        }
      }
    }
    return q;
  }

  private static void json(OutputStream out, int status, String body) throws IOException {
    respond(out, status, "application/json", body.getBytes(StandardCharsets.UTF_8));
  }

  private static void respond(OutputStream out, int status, String type, byte[] body)
      throws IOException {
    out.write(
        ("HTTP/1.1 "
                + status
                + " X\r\nContent-Type: "
                + type
                + "\r\nContent-Length: "
                + body.length
                + "\r\n\r\n")
            .getBytes(StandardCharsets.US_ASCII));
    out.write(body);
    out.flush();
  }

  private static String line(InputStream in) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    int c;
    while ((c = in.read()) >= 0 && c != '\n') {
      if (c != '\r') {
        b.write(c);
      }
    }
    return c < 0 && b.size() == 0 ? null : b.toString(StandardCharsets.ISO_8859_1);
  }

  /**
   * A hung server: the port and every HTTP connection closed, the websockets left open but silent.
   */
  void freeze() {
    frozen = true;
    try {
      server.close();
    } catch (IOException e) {
      // closing
    }
    for (Socket s : open) {
      if (!sockets.containsValue(s)) {
        try {
          s.close();
        } catch (IOException e) {
          // closing
        }
      }
    }
  }

  /** Closes the port and every connection, as a killed server. */
  @Override
  public void close() {
    dead = true;
    try {
      server.close();
    } catch (IOException e) {
      // closing
    }
    for (Socket s : open) {
      try {
        s.close();
      } catch (IOException e) {
        // closing
      }
    }
  }
}
