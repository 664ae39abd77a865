package dev.stepwise.app;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stepwise.app.studio.GenerationSettings;
import dev.stepwise.app.studio.ModelChoice;
import dev.stepwise.engine.TestPacks;
import dev.stepwise.engine.explain.SamplerPlan;
import dev.stepwise.recipe.Sampler;
import java.util.List;
import javafx.scene.control.CheckBox;
import javafx.scene.control.ComboBox;
import javafx.scene.control.Label;
import javafx.stage.Stage;
import org.junit.jupiter.api.Test;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.Start;

/**
 * Karras is offered only with the samplers that take it, and a job that fails leaves the previous
 * image's timeline, explain view and results alone, with a status line that no longer says
 * "Generating".
 */
class KarrasAndFailedJobTest extends StudioHarness {
  @Start
  void start(Stage stage) throws Exception {
    open(stage);
  }

  @Test
  void karrasIsOfferedOnlyWithTheSamplersThatTakeIt(FxRobot robot) throws Exception {
    modelRead();
    CheckBox karras = robot.lookup("#karras").queryAs(CheckBox.class);
    @SuppressWarnings("unchecked")
    ComboBox<Sampler> sampler = robot.lookup("#sampler").queryAs(ComboBox.class);
    for (Sampler s : Sampler.values()) {
      robot.interact(() -> sampler.setValue(s));
      assertEquals(!s.takesKarras(), karras.isDisabled(), s.cliName());
    }
    robot.interact(() -> sampler.setValue(Sampler.EULER));
    robot.clickOn("#karras");
    assertTrue(fx(() -> vm.controls().karrasProperty().get()));
    robot.interact(() -> sampler.setValue(Sampler.DDIM));
    assertFalse(fx(() -> vm.controls().karrasProperty().get()), "DDIM runs without Karras");
    assertFalse(karras.isSelected());
    assertTrue(karras.getTooltip().getText().contains("DDIM"), karras.getTooltip().getText());

    // Remembered settings from an older version (DDIM with Karras) open without Karras.
    onFx(
        () ->
            vm.apply(
                new GenerationSettings(
                    "a red heart", "", 5, 4, "0", false, Sampler.DDPM, true, 0, 0, 1, ""),
                List.of(new ModelChoice("tiny-sd (built-in)", TestPacks.tinySd(), true))));
    assertFalse(fx(() -> vm.controls().karrasProperty().get()));
    assertNull(fx(() -> vm.settings().problem(8)));
    assertEquals(
        "Karras sigmas work with Euler, Euler a and DPM++ 2M, not with DDPM.",
        fx(
            () -> {
              GenerationSettings g = vm.settings();
              return new GenerationSettings(
                      g.prompt(),
                      g.negativePrompt(),
                      g.guidance(),
                      g.steps(),
                      g.seedText(),
                      g.seedLocked(),
                      Sampler.DDPM,
                      true,
                      g.width(),
                      g.height(),
                      g.batch(),
                      g.modelFolder())
                  .problem(8);
            }));
  }

  @Test
  void aFailedJobLeavesThePreviousImageAlone(FxRobot robot) throws Exception {
    modelRead();
    generateAndWait(1);
    assertEquals(4, fx(() -> parts.timeline().frames().size()));
    byte[] last = fx(() -> parts.timeline().frameAt(3).image().rgb());
    SamplerPlan plan = fx(() -> parts.explain().planProperty().get());
    int[] canvas = fx(() -> vm.live().frameProperty().get().argb());

    // A separate VAE that is not there: the job fails once the model is loaded.
    onFx(
        () -> {
          vm.controls().vaeProperty().set(libraryDir.resolve("missing-vae.safetensors").toString());
          vm.controls().samplerProperty().set(Sampler.EULER);
          vm.controls().stepsProperty().set(7);
        });
    onFx(vm::generate);
    waitFor(() -> vm.jobs().queue().isEmpty() && !vm.status().errorProperty().get().isEmpty());
    String error = fx(() -> vm.status().errorProperty().get());
    assertTrue(error.endsWith("."), error);
    String status = fx(() -> vm.status().statusProperty().get());
    assertFalse(status.startsWith("Generating"), status);
    assertTrue(status.matches("Job #\\d+ failed\\."), status);
    assertEquals("Failed", robot.lookup("#stepLabel").queryAs(Label.class).getText());

    assertEquals(1, fx(() -> vm.jobs().results().size()), "the results stay");
    assertEquals(4, fx(() -> parts.timeline().frames().size()), "the timeline stays");
    assertArrayEquals(last, fx(() -> parts.timeline().frameAt(3).image().rgb()));
    assertSame(plan, fx(() -> parts.explain().planProperty().get()), "the explain view stays");
    assertArrayEquals(canvas, fx(() -> vm.live().frameProperty().get().argb()));

    // The next good job clears the error and follows as before.
    onFx(() -> vm.controls().vaeProperty().set(""));
    generateAndWait(2);
    assertEquals("", fx(() -> vm.status().errorProperty().get()));
    assertEquals(7, fx(() -> parts.timeline().frames().size()));
    assertEquals(Sampler.EULER, fx(() -> parts.explain().planProperty().get().kind()));
  }
}
