package dev.stepwise.engine.backend;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.stepwise.engine.CancellationToken;
import dev.stepwise.engine.EngineException;
import dev.stepwise.engine.GenerationListener;
import dev.stepwise.engine.GenerationRequest;
import dev.stepwise.engine.PreviewMethod;
import dev.stepwise.engine.RgbImage;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Waits for one prompt on a ComfyUI server, reading its websocket's messages as ComfyUI's server.py
 * and execution.py send them: {@code progress} {value, max, node} for the samplers' steps, each
 * followed by a binary preview frame when the server makes previews (so a step is told once the
 * next message shows whether a picture belongs to it), {@code executing} with {@code node} null
 * when the prompt is done, {@code execution_error} and {@code execution_interrupted}. Messages of
 * other prompts are skipped. Each time the websocket is quiet for the backend's silence (2 s) the
 * server is asked ({@code GET /queue}, 30 s to answer); no answer, or 10 minutes without a message,
 * is a {@link BackendDownException}.
 */
final class ComfyJob {
  /** How long a cancelled prompt is waited for before the job ends anyway. */
  private static final Duration AFTER_CANCEL = Duration.ofSeconds(5);

  /** The longest quiet websocket while the server still answers (a large model's first load). */
  private static final Duration MAX_QUIET = Duration.ofMinutes(10);

  private final ComfyBackend backend;
  private final ComfyEvents events;
  private final String id;
  private final int index;
  private final GenerationRequest request;
  private final GenerationListener listener;
  private final CancellationToken token;
  private final long t0;
  private final long ti = System.nanoTime();
  private int[] pending; // {value, max} of the step not yet told

  ComfyJob(
      ComfyBackend backend,
      ComfyEvents events,
      String id,
      int index,
      GenerationRequest request,
      GenerationListener listener,
      CancellationToken token,
      long t0) {
    this.backend = backend;
    this.events = events;
    this.id = id;
    this.index = index;
    this.request = request;
    this.listener = listener;
    this.token = token;
    this.t0 = t0;
  }

  /** Returns when the prompt has finished; throws as the class comment says. */
  void await() {
    long heard = System.nanoTime();
    long quietSince = heard;
    long cancelledAt = 0;
    while (true) {
      if (cancelledAt == 0 && cancelled()) {
        cancelledAt = System.nanoTime();
        backend.interrupt(id);
      }
      if (cancelledAt != 0 && System.nanoTime() - cancelledAt > AFTER_CANCEL.toNanos()) {
        token.check();
      }
      Object m;
      try {
        m = events.queue.poll(50, TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new EngineException("The job on " + backend.serverName() + " was abandoned.");
      }
      long now = System.nanoTime();
      if (m == null) {
        if (now - heard > backend.silence().toNanos()) {
          if (!backend.answers() || now - quietSince > MAX_QUIET.toNanos()) {
            throw new BackendDownException(
                "The server " + backend.serverName() + " stopped answering during the job.", null);
          }
          heard = now; // it answers: a long node (such as loading a model) is running
        }
        continue;
      }
      heard = now;
      quietSince = now;
      if (m == ComfyEvents.CLOSED) {
        throw new BackendDownException(
            "The server " + backend.serverName() + " closed the connection during the job.", null);
      }
      if (m instanceof byte[] frame) {
        boolean off = request.previewMethod() == PreviewMethod.OFF;
        RgbImage preview = off ? null : backend.preview(frame);
        if (preview != null && pending != null) {
          tell(preview);
        }
        continue;
      }
      if (handle((JsonObject) m)) {
        tell(null);
        if (cancelledAt != 0) {
          token.check();
        }
        return;
      }
    }
  }

  /** Handles one text message; true when the prompt is done. */
  private boolean handle(JsonObject m) {
    String type = string(m, "type");
    JsonObject data =
        m.has("data") && m.get("data").isJsonObject() ? m.getAsJsonObject("data") : null;
    if (type == null || data == null) {
      return false;
    }
    String prompt = string(data, "prompt_id");
    if (prompt != null && !prompt.equals(id)) {
      return false; // another prompt's (another client's, or an earlier one of this job)
    }
    switch (type) {
      case "progress" -> {
        String node = string(data, "node");
        boolean hires = ComfyPrompt.HIRES_SAMPLER.equals(node);
        if (node == null || node.equals(ComfyPrompt.SAMPLER) || hires) {
          tell(null);
          int value = number(data, "value");
          int max = number(data, "max");
          if (max > 0 && value > 0) { // numbered as locally: the hires pass's follow the first's
            int first = ComfyPrompt.firstSteps(request);
            pending =
                new int[] {
                  Math.min(value, max) + (hires ? first : 0), ComfyPrompt.imageSteps(request)
                };
          }
        }
        return false;
      }
      case "executing" -> {
        tell(null);
        return data.has("node") && data.get("node").isJsonNull();
      }
      case "execution_error" -> {
        throw new EngineException(
            "The ComfyUI server "
                + backend.serverName()
                + " failed the job in its "
                + (string(data, "node_type") == null ? "node" : string(data, "node_type"))
                + " node ("
                + (string(data, "exception_type") == null
                    ? ""
                    : string(data, "exception_type") + ": ")
                + trimmed(string(data, "exception_message"))
                + ").");
      }
      case "execution_interrupted" -> {
        if (cancelled()) {
          token.check();
        }
        throw new EngineException(
            "The job on the ComfyUI server "
                + backend.serverName()
                + " was interrupted there; run it again.");
      }
      default -> {
        return false; // status, execution_start, execution_cached, executed, execution_success
      }
    }
  }

  /** Tells the pending step, with {@code preview} or without. */
  private void tell(RgbImage preview) {
    if (pending != null) {
      listener.step(ComfyBackend.step(request, index, pending[0], pending[1], t0, ti, preview));
      pending = null;
    }
  }

  private boolean cancelled() {
    try {
      token.check();
      return false;
    } catch (CancellationToken.CancelledException e) {
      return true;
    }
  }

  private static String string(JsonObject o, String key) {
    JsonElement e = o.get(key);
    return e != null && e.isJsonPrimitive() ? e.getAsString() : null;
  }

  private static int number(JsonObject o, String key) {
    JsonElement e = o.get(key);
    return e != null && e.isJsonPrimitive() && e.getAsJsonPrimitive().isNumber() ? e.getAsInt() : 0;
  }

  private static String trimmed(String s) {
    if (s == null || s.isBlank()) {
      return "no message";
    }
    String one = s.strip().replaceAll("\\s+", " ");
    one = one.length() > 300 ? one.substring(0, 300) + "..." : one;
    return one.replaceAll("[.\\s]+$", "");
  }

  /**
   * ComfyUI's reason for refusing a prompt in a few words: {@code error.message} with the first
   * node error's message and details, or null.
   */
  static String refusalDetail(JsonElement body) {
    if (body == null || !body.isJsonObject()) {
      return null;
    }
    JsonObject o = body.getAsJsonObject();
    StringBuilder b = new StringBuilder();
    JsonElement err = o.get("error");
    if (err != null && err.isJsonObject() && err.getAsJsonObject().has("message")) {
      b.append(trimmed(string(err.getAsJsonObject(), "message")));
    } else if (err != null && err.isJsonPrimitive()) {
      b.append(trimmed(err.getAsString()));
    }
    JsonElement nodes = o.get("node_errors");
    if (nodes != null && nodes.isJsonObject()) {
      for (Map.Entry<String, JsonElement> n : nodes.getAsJsonObject().entrySet()) {
        try {
          JsonObject node = n.getValue().getAsJsonObject();
          JsonObject first = node.getAsJsonArray("errors").get(0).getAsJsonObject();
          b.append(b.length() > 0 ? "; " : "")
              .append(node.has("class_type") ? string(node, "class_type") + ": " : "")
              .append(trimmed(string(first, "message")));
          String details = string(first, "details");
          if (details != null && !details.isBlank()) {
            b.append(" (").append(trimmed(details)).append(")");
          }
        } catch (RuntimeException e) {
          continue; // not ComfyUI's shape
        }
        break;
      }
    }
    return b.length() == 0 ? null : b.toString();
  }
}
