package dev.stepwise.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.stepwise.engine.PreviewMethod;
import dev.stepwise.engine.TestPacks;
import dev.stepwise.gallery.ImageParameters;
import dev.stepwise.gallery.Library;
import dev.stepwise.gallery.LibraryImage;
import dev.stepwise.gallery.LibraryQuery;
import dev.stepwise.gallery.Recipe;
import dev.stepwise.metadata.GenerationParameters;
import dev.stepwise.metadata.InfoText;
import dev.stepwise.metadata.PngText;
import dev.stepwise.metadata.ServerParameters;
import dev.stepwise.serve.ApiServer;
import dev.stepwise.serve.ServeConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 15, item 4: an image made on a backend ({@code stepwise serve} in-process, loopback) lands
 * in the local library with its full recipe, the backend's name (never its credentials), the model
 * hash the server reported and the server's own {@code parameters} text, which survive a rebuild of
 * the index from the PNGs; search and the JSON records show the backend.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class BackendLibraryTest {
  @TempDir Path dir;

  @Test
  void aRemoteImageLandsInTheLibraryWithItsBackendHashAndTheServersParameters() throws Exception {
    ServeConfig c =
        new ServeConfig(
            ServeConfig.LOOPBACK,
            0,
            "artist",
            "secret",
            dir.resolve("models"),
            TestPacks.tinySd().toAbsolutePath(),
            null,
            PreviewMethod.AUTO,
            null);
    Path lib = dir.resolve("lib");
    try (ApiServer server = ApiServer.start(c)) {
      int port = server.address().getPort();
      String name = "http://127.0.0.1:" + port;
      CliTest.Run r =
          CliTest.cli(
              "generate",
              "--backend",
              "http://artist:secret@127.0.0.1:" + port,
              "--prompt",
              "a lighthouse at dusk",
              "--negative",
              "fog",
              "--seed",
              "77",
              "--steps",
              "3",
              "--width",
              "32",
              "--height",
              "32",
              "--clip-skip",
              "2",
              "--library",
              "" + lib,
              "--progress",
              "none");
      assertEquals(0, r.code(), r.err());
      String reported = serverHash(port);
      try (Library library = Library.open(lib)) {
        List<LibraryImage> all = library.find(LibraryQuery.ALL);
        assertEquals(1, all.size());
        Recipe recipe = all.get(0).recipe();
        assertEquals(name, recipe.backend());
        assertEquals(reported, recipe.modelHash(), "the hash the server reported");
        assertEquals("tiny-sd", recipe.modelName());
        assertEquals(77, recipe.seed());
        assertEquals(2, recipe.clipSkip());
        String text = recipe.serverParameters();
        GenerationParameters sp = InfoText.parse(text);
        assertEquals("a lighthouse at dusk", sp.prompt());
        assertEquals("fog", sp.negativePrompt());
        assertEquals(77, sp.seed());
        assertEquals(3, sp.steps());
        assertEquals(reported, sp.modelHash());
        assertTrue(text.startsWith("a lighthouse at dusk\nNegative prompt: fog\n"), text);

        Path file = all.get(0).file();
        Map<String, String> chunks = PngText.read(file);
        assertFalse(chunks.toString().contains("secret"), "no credentials in the PNG");
        GenerationParameters own = InfoText.parse(chunks.get("parameters"));
        assertEquals(name, own.extras().get(ServerParameters.BACKEND));
        assertEquals(reported, own.modelHash());
        assertNull(
            own.extras().get(ServerParameters.SERVER_PARAMETERS),
            "A1111's text holds Stepwise's recipe; the server's text is in the JSON chunk");
        assertEquals(text, ImageParameters.read(file).recipe().serverParameters());

        assertEquals(1, library.find(LibraryQuery.search("127.0.0.1")).size());
        assertEquals(1, library.find(LibraryQuery.search("lighthouse 127.0.0")).size());
        assertEquals(0, library.find(LibraryQuery.search("10.0.0.9")).size());
      }
      CliTest.Run json = CliTest.cli("library", "list", "--library", "" + lib, "--json");
      assertEquals(0, json.code(), json.err());
      JsonObject o = JsonParser.parseString(json.out()).getAsJsonArray().get(0).getAsJsonObject();
      assertEquals(name, o.get("backend").getAsString());
      assertEquals(reported, o.get("model_hash").getAsString());

      Files.delete(lib.resolve(".stepwise/library.db")); // the PNGs are the truth
      CliTest.Run found = CliTest.cli("library", "search", "--library", "" + lib, "127.0.0.1");
      assertEquals(0, found.code(), found.err());
      assertTrue(found.out().contains("lighthouse"), found.out());
      CliTest.Run info =
          CliTest.cli("info", Files.list(lib).filter(Files::isRegularFile).findFirst().get() + "");
      assertTrue(info.out().contains("backend " + name), info.out());
    }
  }

  /** What the server lists as its default model's hash (GET /sdapi/v1/sd-models). */
  private static String serverHash(int port) throws Exception {
    HttpResponse<String> r =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + port + "/sdapi/v1/sd-models"))
                    .header(
                        "Authorization",
                        "Basic "
                            + java.util.Base64.getEncoder()
                                .encodeToString("artist:secret".getBytes()))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    String hash =
        JsonParser.parseString(r.body())
            .getAsJsonArray()
            .get(0)
            .getAsJsonObject()
            .get("hash")
            .getAsString();
    assertEquals(10, hash.length(), r.body());
    return hash;
  }
}
