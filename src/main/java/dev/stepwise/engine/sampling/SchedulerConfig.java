package dev.stepwise.engine.sampling;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import dev.stepwise.engine.EngineException;
import java.util.Arrays;

/**
 * The training noise schedule and sampler options of a model pack, as read from diffusers'
 * scheduler/scheduler_config.json.
 *
 * <p>Defaults for absent keys are diffusers' constructor defaults (schedulers/scheduling_ddim.py,
 * scheduling_ddpm.py): num_train_timesteps 1000, beta_start 0.0001, beta_end 0.02, beta_schedule
 * linear, no trained_betas, prediction_type epsilon, steps_offset 0, set_alpha_to_one true,
 * clip_sample true. Stable Diffusion packs override most of them ({@link #stableDiffusion()}).
 * {@code timestepSpacingOrNull} is null when the file does not say, meaning "each sampler's own
 * default" (leading for DDPM/DDIM, linspace for Euler, Euler a and DPM++). {@code clipSample} is
 * read for completeness only: Stepwise never clips the predicted x0, because clamping latents to
 * [-1, 1] (diffusers' DDPM/DDIM default) damages SD latents, whose range is wider.
 *
 * @param trainedBetasOrNull explicit betas, one per training timestep, or null; the array is copied
 *     in and out
 */
public record SchedulerConfig(
    int numTrainTimesteps,
    double betaStart,
    double betaEnd,
    BetaSchedule betaSchedule,
    double[] trainedBetasOrNull,
    PredictionType predictionType,
    TimestepSpacing timestepSpacingOrNull,
    int stepsOffset,
    boolean setAlphaToOne,
    boolean clipSample) {

  /** Validates ranges; every violation is an {@link EngineException} naming the value. */
  public SchedulerConfig {
    if (numTrainTimesteps < 2 || numTrainTimesteps > 100_000) {
      throw new EngineException(
          "num_train_timesteps must be between 2 and 100000, got " + numTrainTimesteps + ".");
    }
    if (betaSchedule == null || predictionType == null) {
      throw new EngineException("beta_schedule and prediction_type must be given.");
    }
    if (trainedBetasOrNull != null) {
      trainedBetasOrNull = trainedBetasOrNull.clone();
      if (trainedBetasOrNull.length != numTrainTimesteps) {
        throw new EngineException(
            "trained_betas must hold num_train_timesteps = "
                + numTrainTimesteps
                + " values, got "
                + trainedBetasOrNull.length
                + ".");
      }
      for (int i = 0; i < trainedBetasOrNull.length; i++) {
        double b = trainedBetasOrNull[i];
        if (!(b > 0 && b < 1)) {
          throw new EngineException(
              "trained_betas[" + i + "] must be between 0 and 1 (exclusive), got " + b + ".");
        }
      }
    } else if (betaSchedule != BetaSchedule.SQUAREDCOS_CAP_V2
        && !(betaStart > 0 && betaStart < betaEnd && betaEnd < 1)) {
      throw new EngineException(
          "beta_start and beta_end must satisfy 0 < beta_start < beta_end < 1, got beta_start "
              + betaStart
              + " and beta_end "
              + betaEnd
              + ".");
    }
    if (stepsOffset < 0 || stepsOffset >= numTrainTimesteps) {
      throw new EngineException(
          "steps_offset must be between 0 and "
              + (numTrainTimesteps - 1)
              + ", got "
              + stepsOffset
              + ".");
    }
  }

  /** Returns a copy of the trained betas, or null when the schedule computes them. */
  @Override
  public double[] trainedBetasOrNull() {
    return trainedBetasOrNull == null ? null : trainedBetasOrNull.clone();
  }

  /** Returns diffusers' constructor defaults (a config file with no keys). */
  public static SchedulerConfig defaults() {
    return fromJson(new JsonObject());
  }

  /**
   * Returns the schedule Stable Diffusion 1.x/2.x packs ship (scheduler_config.json of
   * runwayml/stable-diffusion-v1-5): scaled_linear from 0.00085 to 0.012 over 1000 steps,
   * steps_offset 1, set_alpha_to_one false, clip_sample false, epsilon prediction, and no
   * timestep_spacing, so each sampler uses its diffusers default (leading for DDPM/DDIM, linspace
   * for the others). single_file_utils.py SCHEDULER_DEFAULT_CONFIG instead pins "leading", which
   * makes Euler at few steps start well below sigma_max.
   */
  public static SchedulerConfig stableDiffusion() {
    return new SchedulerConfig(
        1000,
        0.00085,
        0.012,
        BetaSchedule.SCALED_LINEAR,
        null,
        PredictionType.EPSILON,
        null,
        1,
        false,
        false);
  }

  /** Returns this config with another prediction type (for packs whose config is wrong). */
  public SchedulerConfig withPredictionType(PredictionType type) {
    return new SchedulerConfig(
        numTrainTimesteps,
        betaStart,
        betaEnd,
        betaSchedule,
        trainedBetasOrNull,
        type,
        timestepSpacingOrNull,
        stepsOffset,
        setAlphaToOne,
        clipSample);
  }

  /** Returns this config with another timestep spacing (a single-file checkpoint cannot say). */
  public SchedulerConfig withTimestepSpacing(TimestepSpacing spacing) {
    return new SchedulerConfig(
        numTrainTimesteps,
        betaStart,
        betaEnd,
        betaSchedule,
        trainedBetasOrNull,
        predictionType,
        spacing,
        stepsOffset,
        setAlphaToOne,
        clipSample);
  }

  /**
   * Reads the keys Stepwise uses from a parsed scheduler_config.json; other keys (_class_name,
   * skip_prk_steps, ...) are ignored and JSON nulls count as absent.
   */
  public static SchedulerConfig fromJson(JsonObject json) {
    if (json == null) {
      throw new EngineException("The scheduler config is missing.");
    }
    int t = intOr(json, "num_train_timesteps", 1000);
    double[] trained = null;
    JsonElement tb = present(json, "trained_betas");
    if (tb != null) {
      if (!tb.isJsonArray()) {
        throw new EngineException("trained_betas must be an array of numbers, got " + tb + ".");
      }
      JsonArray a = tb.getAsJsonArray();
      trained = new double[a.size()];
      for (int i = 0; i < trained.length; i++) {
        trained[i] = number(a.get(i), "trained_betas[" + i + "]");
      }
    }
    String spacing = stringOr(json, "timestep_spacing", null);
    return new SchedulerConfig(
        t,
        doubleOr(json, "beta_start", 0.0001),
        doubleOr(json, "beta_end", 0.02),
        BetaSchedule.parse(stringOr(json, "beta_schedule", "linear")),
        trained,
        PredictionType.parse(stringOr(json, "prediction_type", "epsilon")),
        spacing == null ? null : TimestepSpacing.parse(spacing),
        intOr(json, "steps_offset", 0),
        boolOr(json, "set_alpha_to_one", true),
        boolOr(json, "clip_sample", true));
  }

  private static JsonElement present(JsonObject json, String key) {
    JsonElement e = json.get(key);
    return e == null || e.isJsonNull() ? null : e;
  }

  private static double number(JsonElement e, String key) {
    if (e instanceof JsonPrimitive p && p.isNumber()) {
      double v = p.getAsDouble();
      if (Double.isFinite(v)) {
        return v;
      }
    }
    throw new EngineException(key + " must be a finite number, got " + e + ".");
  }

  private static double doubleOr(JsonObject json, String key, double fallback) {
    JsonElement e = present(json, key);
    return e == null ? fallback : number(e, key);
  }

  private static int intOr(JsonObject json, String key, int fallback) {
    JsonElement e = present(json, key);
    if (e == null) {
      return fallback;
    }
    double v = number(e, key);
    if (v != Math.rint(v) || Math.abs(v) > Integer.MAX_VALUE) {
      throw new EngineException(key + " must be a whole number, got " + e + ".");
    }
    return (int) v;
  }

  private static String stringOr(JsonObject json, String key, String fallback) {
    JsonElement e = present(json, key);
    if (e == null) {
      return fallback;
    }
    if (e instanceof JsonPrimitive p && p.isString()) {
      return p.getAsString();
    }
    throw new EngineException(key + " must be a string, got " + e + ".");
  }

  private static boolean boolOr(JsonObject json, String key, boolean fallback) {
    JsonElement e = present(json, key);
    if (e == null) {
      return fallback;
    }
    if (e instanceof JsonPrimitive p && p.isBoolean()) {
      return p.getAsBoolean();
    }
    throw new EngineException(key + " must be true or false, got " + e + ".");
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SchedulerConfig c
        && numTrainTimesteps == c.numTrainTimesteps
        && Double.compare(betaStart, c.betaStart) == 0
        && Double.compare(betaEnd, c.betaEnd) == 0
        && betaSchedule == c.betaSchedule
        && Arrays.equals(trainedBetasOrNull, c.trainedBetasOrNull)
        && predictionType == c.predictionType
        && timestepSpacingOrNull == c.timestepSpacingOrNull
        && stepsOffset == c.stepsOffset
        && setAlphaToOne == c.setAlphaToOne
        && clipSample == c.clipSample;
  }

  @Override
  public int hashCode() {
    return 31 * Arrays.hashCode(trainedBetasOrNull)
        + java.util.Objects.hash(
            numTrainTimesteps,
            betaStart,
            betaEnd,
            betaSchedule,
            predictionType,
            timestepSpacingOrNull,
            stepsOffset,
            setAlphaToOne,
            clipSample);
  }

  @Override
  public String toString() {
    return "SchedulerConfig[T="
        + numTrainTimesteps
        + ", beta "
        + betaStart
        + ".."
        + betaEnd
        + " "
        + betaSchedule.configName()
        + (trainedBetasOrNull == null ? "" : ", trained_betas")
        + ", "
        + predictionType.configName()
        + ", spacing "
        + (timestepSpacingOrNull == null ? "default" : timestepSpacingOrNull.configName())
        + ", steps_offset "
        + stepsOffset
        + ", set_alpha_to_one "
        + setAlphaToOne
        + ", clip_sample "
        + clipSample
        + "]";
  }
}
