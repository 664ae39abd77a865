package dev.stepwise.engine.sampling;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.stepwise.engine.EngineException;
import org.junit.jupiter.api.Test;

class SchedulerConfigTest {
  private static SchedulerConfig parse(String json) {
    return SchedulerConfig.fromJson(JsonParser.parseString(json).getAsJsonObject());
  }

  private static String error(String json) {
    return assertThrows(EngineException.class, () -> parse(json)).getMessage();
  }

  @Test
  void absentKeysTakeDiffusersDefaults() {
    SchedulerConfig c = SchedulerConfig.defaults();
    assertEquals(1000, c.numTrainTimesteps());
    assertEquals(0.0001, c.betaStart());
    assertEquals(0.02, c.betaEnd());
    assertEquals(BetaSchedule.LINEAR, c.betaSchedule());
    assertNull(c.trainedBetasOrNull());
    assertEquals(PredictionType.EPSILON, c.predictionType());
    assertNull(c.timestepSpacingOrNull());
    assertEquals(0, c.stepsOffset());
    assertTrue(c.setAlphaToOne());
    assertTrue(c.clipSample());
  }

  @Test
  void readsTheStableDiffusionPackConfig() {
    // runwayml/stable-diffusion-v1-5 scheduler/scheduler_config.json
    SchedulerConfig c =
        parse(
            "{\"_class_name\": \"PNDMScheduler\", \"_diffusers_version\": \"0.6.0\", \"beta_end\":"
                + " 0.012, \"beta_schedule\": \"scaled_linear\", \"beta_start\": 0.00085,"
                + " \"num_train_timesteps\": 1000, \"set_alpha_to_one\": false, \"skip_prk_steps\":"
                + " true, \"steps_offset\": 1, \"trained_betas\": null, \"clip_sample\": false}");
    assertEquals(0.00085, c.betaStart());
    assertEquals(0.012, c.betaEnd());
    assertEquals(BetaSchedule.SCALED_LINEAR, c.betaSchedule());
    assertEquals(1, c.stepsOffset());
    assertFalse(c.setAlphaToOne());
    assertFalse(c.clipSample());
    assertNull(c.timestepSpacingOrNull(), "absent spacing means each sampler's default");
    assertEquals(
        SchedulerConfig.stableDiffusion().withPredictionType(PredictionType.EPSILON).betaEnd(),
        c.betaEnd());
    SchedulerConfig v =
        parse("{\"prediction_type\": \"v_prediction\", \"timestep_spacing\": \"trailing\"}");
    assertEquals(PredictionType.V_PREDICTION, v.predictionType());
    assertEquals(TimestepSpacing.TRAILING, v.timestepSpacingOrNull());
  }

  @Test
  void trainedBetasAreReadAndCopied() {
    JsonObject o = new JsonObject();
    o.addProperty("num_train_timesteps", 3);
    o.add("trained_betas", JsonParser.parseString("[0.1, 0.2, 0.3]"));
    SchedulerConfig c = SchedulerConfig.fromJson(o);
    assertArrayEquals(new double[] {0.1, 0.2, 0.3}, c.trainedBetasOrNull());
    c.trainedBetasOrNull()[0] = 9;
    assertEquals(0.1, c.trainedBetasOrNull()[0]);
    assertEquals(c, SchedulerConfig.fromJson(o));
    NoiseSchedule s = NoiseSchedule.of(c);
    assertEquals(0.9f * 0.8f, (float) s.alphaCumprod(1), 1e-7);
  }

  @Test
  void badValuesAreRefusedWithOneSentence() {
    assertEquals(
        "beta_schedule \"sigmoid\" is not supported; use linear, scaled_linear or"
            + " squaredcos_cap_v2.",
        error("{\"beta_schedule\": \"sigmoid\"}"));
    assertEquals(
        "prediction_type \"sample\" (a network that predicts x0 directly) is not supported;"
            + " use epsilon or v_prediction.",
        error("{\"prediction_type\": \"sample\"}"));
    assertEquals(
        "prediction_type \"flow\" is not supported; use epsilon or v_prediction.",
        error("{\"prediction_type\": \"flow\"}"));
    assertEquals(
        "timestep_spacing \"even\" is not supported; use leading, trailing or linspace.",
        error("{\"timestep_spacing\": \"even\"}"));
    assertEquals(
        "beta_start and beta_end must satisfy 0 < beta_start < beta_end < 1, got beta_start 0.02"
            + " and beta_end 0.01.",
        error("{\"beta_start\": 0.02, \"beta_end\": 0.01}"));
    assertEquals(
        "beta_start and beta_end must satisfy 0 < beta_start < beta_end < 1, got beta_start 0.0"
            + " and beta_end 0.02.",
        error("{\"beta_start\": 0}"));
    assertEquals(
        "num_train_timesteps must be between 2 and 100000, got 1.",
        error("{\"num_train_timesteps\": 1}"));
    assertEquals(
        "num_train_timesteps must be a whole number, got 10.5.",
        error("{\"num_train_timesteps\": 10.5}"));
    assertEquals(
        "steps_offset must be between 0 and 999, got -1.", error("{\"steps_offset\": -1}"));
    assertEquals(
        "trained_betas must hold num_train_timesteps = 1000 values, got 2.",
        error("{\"trained_betas\": [0.1, 0.2]}"));
    assertEquals(
        "trained_betas[1] must be between 0 and 1 (exclusive), got 1.5.",
        error("{\"num_train_timesteps\": 2, \"trained_betas\": [0.1, 1.5]}"));
    assertEquals("beta_end must be a finite number, got \"x\".", error("{\"beta_end\": \"x\"}"));
    assertEquals(
        "set_alpha_to_one must be true or false, got 1.", error("{\"set_alpha_to_one\": 1}"));
    assertEquals("beta_schedule must be a string, got 3.", error("{\"beta_schedule\": 3}"));
  }

  @Test
  void cosineScheduleIgnoresBetaRangeLikeUpstream() {
    SchedulerConfig c =
        parse("{\"beta_schedule\": \"squaredcos_cap_v2\", \"beta_start\": 0.5, \"beta_end\": 0.1}");
    NoiseSchedule s = NoiseSchedule.of(c);
    assertTrue(s.beta(999) <= 0.999f && s.beta(0) > 0);
  }
}
