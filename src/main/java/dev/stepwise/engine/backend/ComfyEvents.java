package dev.stepwise.engine.backend;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.ByteArrayOutputStream;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * What a ComfyUI server's websocket ({@code /ws?clientId=...}) says, queued for the job's thread:
 * each text message as its JSON ({@code {"type": ..., "data": ...}}), each binary message as its
 * bytes (a 4-byte big-endian event type, then the event's payload), and {@link #CLOSED} once the
 * connection ends. A binary message over {@link #MAX_BINARY} bytes is dropped.
 */
final class ComfyEvents implements WebSocket.Listener {
  /** Put on the queue when the connection closes or fails. */
  static final Object CLOSED = new Object();

  /** The largest binary message kept (a preview is a small JPEG or PNG). */
  static final int MAX_BINARY = 32 << 20;

  final BlockingQueue<Object> queue = new LinkedBlockingQueue<>();
  private final StringBuilder text = new StringBuilder();
  private final ByteArrayOutputStream binary = new ByteArrayOutputStream();
  private boolean tooBig;

  @Override
  public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
    text.append(data);
    if (last) {
      try {
        var e = JsonParser.parseString(text.toString());
        if (e.isJsonObject()) {
          queue.add((JsonObject) e);
        }
      } catch (RuntimeException ex) {
        // not JSON: not a message of ComfyUI's, skipped
      }
      text.setLength(0);
    }
    ws.request(1);
    return null;
  }

  @Override
  public CompletionStage<?> onBinary(WebSocket ws, ByteBuffer data, boolean last) {
    int n = data.remaining();
    if (binary.size() + (long) n > MAX_BINARY) {
      tooBig = true;
    } else if (!tooBig) {
      byte[] b = new byte[n];
      data.get(b);
      binary.write(b, 0, n);
    }
    if (last) {
      if (!tooBig) {
        queue.add(binary.toByteArray());
      }
      binary.reset();
      tooBig = false;
    }
    ws.request(1);
    return null;
  }

  @Override
  public CompletionStage<?> onClose(WebSocket ws, int statusCode, String reason) {
    queue.add(CLOSED);
    return null;
  }

  @Override
  public void onError(WebSocket ws, Throwable error) {
    queue.add(CLOSED);
  }
}
