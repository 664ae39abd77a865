package dev.stepwise.engine.backend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import org.junit.jupiter.api.Test;

/** A server's answer past the ceiling fails the request with one sentence; one under it is read. */
class CappedBodyTest {

  @Test
  void anAnswerOverTheCeilingIsCutOffAndOneUnderItIsReadWhole() throws Exception {
    HttpServer server =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext(
        "/",
        ex -> {
          int n = Integer.parseInt(ex.getRequestURI().getPath().substring(1));
          ex.sendResponseHeaders(200, 0); // chunked: no length announced, as a lying server would
          try (OutputStream out = ex.getResponseBody()) {
            byte[] chunk = new byte[1000];
            for (int i = 0; i < n / 1000; i++) {
              java.util.Arrays.fill(chunk, (byte) i);
              out.write(chunk);
            }
          } catch (IOException e) {
            // the client hung up: what the ceiling is for
          }
        });
    server.start();
    HttpClient http = HttpClient.newHttpClient();
    try {
      String base = "http://127.0.0.1:" + server.getAddress().getPort() + "/";
      byte[] whole =
          http.send(
                  HttpRequest.newBuilder(URI.create(base + "5000")).build(), CappedBody.bytes(5000))
              .body();
      assertEquals(5000, whole.length);
      assertArrayEquals(new byte[] {0, 4}, new byte[] {whole[0], whole[4999]});

      IOException e =
          assertThrows(
              IOException.class,
              () ->
                  http.send(
                      HttpRequest.newBuilder(URI.create(base + "2000000")).build(),
                      CappedBody.bytes(5000)));
      assertNotNull(CappedBody.refusal("http://x:1", e), "the cause is found: " + e);
      assertEquals(
          "The server http://x:1 sent an answer over 256 MiB, more than Stepwise reads; ask it for"
              + " fewer or smaller images.",
          CappedBody.refusal("http://x:1", e).getMessage());
      assertNull(CappedBody.refusal("http://x:1", new IOException("refused")));
    } finally {
      server.stop(0);
    }
  }
}
