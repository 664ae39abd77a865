package dev.stepwise.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stepwise.app.studio.BackendsViewModel;
import dev.stepwise.app.studio.BackendsViewModel.Where;
import dev.stepwise.app.studio.GenerationSettings;
import dev.stepwise.engine.TestPacks;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import javafx.application.Application;
import javafx.scene.control.Label;
import javafx.scene.control.TextArea;
import javafx.stage.Stage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.testfx.api.FxRobot;
import org.testfx.api.FxToolkit;
import org.testfx.util.WaitForAsyncUtils;

/** The whole application on Monocle: first start, remembered settings, a broken built-in model. */
class StudioAppTest {
  @TempDir Path config;
  @TempDir Path library;
  private final FxRobot robot = new FxRobot();

  @AfterEach
  void clear() {
    System.clearProperty("stepwise.config.dir");
    System.clearProperty("stepwise.model");
    System.clearProperty("stepwise.library");
  }

  private Application open(Path model) throws Exception {
    System.setProperty("stepwise.config.dir", config.toString());
    System.setProperty("stepwise.model", model.toString());
    // Never the real ~/.local/share library: the app reads this property (LibraryLocation).
    System.setProperty("stepwise.library", library.resolve("lib").toString());
    FxToolkit.registerPrimaryStage();
    return FxToolkit.setupApplication(StudioApp.class);
  }

  @Test
  void firstStartIsReadyWithTheExamplePromptAndSettingsAreRemembered() throws Exception {
    // One backend configured (nothing listens there: it shows as down, which is all this needs)
    Files.writeString(
        config.resolve("backends.json"),
        "{\"backends\": [{\"name\": \"gpu\", \"url\": \"http://127.0.0.1:9\", \"enabled\":"
            + " true}]}");
    Application app = open(TestPacks.tinySd());
    Stage stage = FxToolkit.toolkitContext().getRegisteredStage();
    assertTrue(stage.getTitle().startsWith("Stepwise"), stage.getTitle());
    TextArea prompt = robot.lookup("#prompt").queryAs(TextArea.class);
    assertEquals(GenerationSettings.EXAMPLE_PROMPT, prompt.getText());
    Label device = robot.lookup("#device").queryAs(Label.class);
    WaitForAsyncUtils.waitFor(60, TimeUnit.SECONDS, () -> device.getText().contains("CPU"));
    assertEquals("", robot.lookup("#modelMessage").queryAs(Label.class).getText());
    robot.interact(() -> prompt.setText("a green tree"));
    javafx.scene.control.ToggleButton pixels =
        robot.lookup("#zoomPixels").queryAs(javafx.scene.control.ToggleButton.class);
    assertTrue(pixels.isSelected(), "crisp pixels on at first start");
    robot.interact(() -> pixels.setSelected(false));
    BackendsViewModel backends = ((StudioApp) app).viewModel().backends();
    assertEquals(Where.LOCAL, backends.whereProperty().get(), "jobs on this computer at first");
    robot.interact(() -> backends.whereProperty().set(Where.POOL));
    javafx.scene.control.ToggleButton keep =
        robot.lookup("#keepTextEncoders").queryAs(javafx.scene.control.ToggleButton.class);
    assertTrue(keep.isSelected(), "text encoders kept at first start");
    robot.clickOn(keep);
    assertFalse(((StudioApp) app).viewModel().keepTextEncodersProperty().get());
    StudioParts parts = ((StudioApp) app).parts();
    WaitForAsyncUtils.waitFor(60, TimeUnit.SECONDS, () -> parts.galleryProperty().get() != null);
    assertEquals(
        library.resolve("lib").toAbsolutePath(),
        parts.galleryProperty().get().library().folder().toAbsolutePath(),
        "the app opens the library the property names");
    FxToolkit.cleanupApplication(app);
    Path file = config.resolve("studio.json");
    assertTrue(Files.isRegularFile(file));
    assertTrue(Files.readString(file).contains("a green tree"));

    Application again = open(TestPacks.tinySd());
    assertEquals("a green tree", robot.lookup("#prompt").queryAs(TextArea.class).getText());
    assertFalse(
        robot.lookup("#zoomPixels").queryAs(javafx.scene.control.ToggleButton.class).isSelected(),
        "the Pixels toggle is remembered");
    assertEquals(
        Where.POOL,
        ((StudioApp) again).viewModel().backends().whereProperty().get(),
        "new jobs go to the backends again");
    assertFalse(
        robot
            .lookup("#keepTextEncoders")
            .queryAs(javafx.scene.control.ToggleButton.class)
            .isSelected(),
        "the text encoders toggle is remembered");
    FxToolkit.cleanupApplication(again);
  }

  @Test
  void aMissingBuiltInModelStillOpensWithAPlainMessage(@TempDir Path nowhere) throws Exception {
    Application app = open(nowhere.resolve("stepwise-emoji"));
    Label message = robot.lookup("#modelMessage").queryAs(Label.class);
    WaitForAsyncUtils.waitFor(
        30, TimeUnit.SECONDS, () -> message.getText().contains("does not exist"));
    assertTrue(message.isVisible());
    assertTrue(
        message.getText().endsWith("Choose another model or open a model folder."),
        message.getText());
    assertTrue(robot.lookup("#openModel").tryQuery().isPresent());
    FxToolkit.cleanupApplication(app);
  }
}
