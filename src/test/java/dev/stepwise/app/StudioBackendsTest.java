package dev.stepwise.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stepwise.app.studio.BackendsViewModel.Where;
import dev.stepwise.app.studio.GenerationSettings;
import dev.stepwise.app.studio.QueueEntry;
import dev.stepwise.engine.PreviewMethod;
import dev.stepwise.engine.TestPacks;
import dev.stepwise.engine.backend.BackendsConfig;
import dev.stepwise.metadata.PngText;
import dev.stepwise.recipe.Sampler;
import dev.stepwise.serve.ApiServer;
import dev.stepwise.serve.ServeConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javafx.scene.control.Label;
import javafx.scene.control.TextField;
import javafx.stage.Stage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.Start;

/**
 * Issue 15: the Backends dialog adds a server (an in-process {@code stepwise serve} with the tiny
 * pack), tests it, and the studio's jobs move to the pool at once: the queue names the backend, the
 * image lands in the library; switching back runs on this computer again, and a stopped server is
 * shown down.
 */
class StudioBackendsTest extends StudioHarness {
  @TempDir Path tmp;

  @Override
  protected GenerationSettings settings() {
    return new GenerationSettings(
        "a red heart", "", 5, 30, "0", false, Sampler.EULER_A, false, 32, 32, 1, "");
  }

  @Start
  void start(Stage s) throws Exception {
    open(s);
    vm.backends().open(new BackendsConfig(tmp.resolve("config/backends.json")));
  }

  @Test
  void addTestSwitchGenerateOnTheServerAndBack(FxRobot robot) throws Exception {
    ServeConfig c =
        new ServeConfig(
            ServeConfig.LOOPBACK,
            0,
            "artist",
            "s3cret",
            tmp.resolve("models"),
            TestPacks.tinySd().toAbsolutePath(),
            null,
            PreviewMethod.AUTO,
            null);
    modelRead();
    String url;
    try (ApiServer server = ApiServer.start(c)) {
      url = "http://127.0.0.1:" + server.address().getPort();
      robot.clickOn("#backends");
      robot.clickOn("#backendName").write("gpu");
      String withCredentials = "http://artist:s3cret@127.0.0.1:" + server.address().getPort();
      onFx( // typed by the robot this takes 20 s
          () -> robot.lookup("#backendUrl").queryAs(TextField.class).setText(withCredentials));
      robot.clickOn("#backendAdd");
      waitFor(() -> vm.backends().rows().size() == 1);
      assertTrue(
          robot.lookup("#backendsList .label").queryAllAs(Label.class).stream()
              .anyMatch(l -> ("gpu · " + url).equals(l.getText())),
          "the list shows the name and the URL without credentials");

      robot.clickOn("#backendTest-gpu");
      waitFor(() -> "up: tiny-sd".equals(label(robot, "#backendState-gpu")));

      robot.clickOn("#backendsWhere").clickOn("Backends (pool)");
      waitFor(() -> vm.backends().whereProperty().get() == Where.POOL);
      waitFor(() -> "Jobs run on the backends gpu (up).".equals(label(robot, "#queueWhere")));
      assertEquals("the backends gpu", fx(() -> vm.status().deviceProperty().get()));

      QueueEntry job = fx(vm::generate);
      // 30 steps on the server (some seconds): the queue shows where the job runs while it runs
      waitFor(() -> ("running on gpu").equals(label(robot, "#queueState" + job.job().id())));
      waitFor(() -> vm.jobs().results().size() == 1 && vm.jobs().queue().isEmpty());
      parts.savesDone().get(LIMIT_S, java.util.concurrent.TimeUnit.SECONDS);
      assertEquals("gpu", fx(() -> job.whereProperty().get()));
      List<Path> pngs = pngs();
      assertEquals(1, pngs.size(), "the server's image is in the library once");
      String parameters = PngText.read(pngs.get(0)).get("parameters");
      assertTrue(parameters.contains("Model: tiny-sd"), parameters);
      assertTrue(parameters.startsWith("a red heart"), parameters);
      assertTrue(fx(() -> vm.status().errorProperty().get()).isEmpty());

      robot.clickOn("#backendsWhere").clickOn("This computer");
      waitFor(() -> "Jobs run on this computer.".equals(label(robot, "#queueWhere")));
      onFx(() -> vm.controls().stepsProperty().set(3));
      QueueEntry local = fx(vm::generate);
      waitFor(() -> vm.jobs().results().size() == 2 && vm.jobs().queue().isEmpty());
      assertNull(fx(() -> local.whereProperty().get()), "ran on this computer");
      assertFalse(fx(() -> vm.status().deviceProperty().get()).contains("gpu"));
    }
    // the server is gone: Test says so in one sentence, and the pool's health check marks it down
    robot.clickOn("#backendTest-gpu");
    waitFor(() -> label(robot, "#backendState-gpu").startsWith("down: The server " + url));
    assertFalse(label(robot, "#backendState-gpu").contains("s3cret"));
    robot.clickOn("#backendsWhere").clickOn("Backends (pool)");
    waitFor(() -> "Jobs run on the backends gpu (down).".equals(label(robot, "#queueWhere")));

    robot.clickOn("#backendEnabled-gpu"); // off: nothing left to pool, back to this computer
    waitFor(() -> vm.backends().whereProperty().get() == Where.LOCAL);
    robot.clickOn("#backendRemove-gpu");
    waitFor(() -> vm.backends().rows().isEmpty());
    assertEquals(
        "{\n  \"backends\": []\n}\n", Files.readString(tmp.resolve("config/backends.json")));
  }

  private List<Path> pngs() throws Exception {
    try (var files = Files.list(libraryDir)) {
      return files.filter(p -> p.toString().endsWith(".png")).toList();
    }
  }

  private static String label(FxRobot robot, String id) {
    return robot.lookup(id).tryQueryAs(Label.class).map(Label::getText).orElse("");
  }
}
