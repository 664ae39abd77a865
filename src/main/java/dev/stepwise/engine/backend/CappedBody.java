package dev.stepwise.engine.backend;

import dev.stepwise.engine.EngineException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;

/**
 * A server's answer read with a ceiling: past {@code max} bytes the download is cancelled and the
 * request fails with {@link TooLarge}, so a server sending without end cannot fill the memory.
 */
final class CappedBody implements HttpResponse.BodySubscriber<byte[]> {
  /** The most any one answer may hold: base64 JSON for a batch of large pictures fits. */
  static final long MAX = 256L << 20;

  /** The answer went past the ceiling. */
  static final class TooLarge extends IOException {
    TooLarge(long max) {
      super("an answer over " + max + " bytes");
    }
  }

  private final long max;
  private final CompletableFuture<byte[]> result = new CompletableFuture<>();
  private final ByteArrayOutputStream read = new ByteArrayOutputStream();
  private Flow.Subscription subscription;

  private CappedBody(long max) {
    this.max = max;
  }

  static HttpResponse.BodyHandler<byte[]> bytes(long max) {
    return info -> new CappedBody(max);
  }

  static HttpResponse.BodyHandler<String> string(long max) {
    return info ->
        HttpResponse.BodySubscribers.mapping(
            new CappedBody(max), b -> new String(b, StandardCharsets.UTF_8));
  }

  /**
   * The sentence for a request that failed because its answer was too large, or null when {@code
   * e}'s causes hold no {@link TooLarge}.
   */
  static EngineException refusal(String server, Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof TooLarge) {
        return new EngineException(
            "The server "
                + server
                + " sent an answer over "
                + (MAX >> 20)
                + " MiB, more than Stepwise reads; ask it for fewer or smaller images.");
      }
    }
    return null;
  }

  @Override
  public void onSubscribe(Flow.Subscription s) {
    subscription = s;
    s.request(Long.MAX_VALUE);
  }

  @Override
  public void onNext(List<ByteBuffer> items) {
    if (result.isDone()) {
      return;
    }
    for (ByteBuffer b : items) {
      if (read.size() + (long) b.remaining() > max) {
        subscription.cancel();
        result.completeExceptionally(new TooLarge(max));
        return;
      }
      byte[] a = new byte[b.remaining()];
      b.get(a);
      read.write(a, 0, a.length);
    }
  }

  @Override
  public void onError(Throwable t) {
    result.completeExceptionally(t);
  }

  @Override
  public void onComplete() {
    result.complete(read.toByteArray());
  }

  @Override
  public CompletionStage<byte[]> getBody() {
    return result;
  }
}
