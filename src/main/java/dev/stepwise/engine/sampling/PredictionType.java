package dev.stepwise.engine.sampling;

import dev.stepwise.engine.EngineException;

/** What the network predicts (diffusers' {@code prediction_type}). */
public enum PredictionType {
  /** The added noise eps (Ho et al. 2020); SD 1.x and the 512 SD 2.x models. */
  EPSILON("epsilon"),
  /**
   * The velocity {@code v = sqrt(abar) eps - sqrt(1 - abar) x0} (Salimans and Ho 2022, sec. 4;
   * diffusers "v_prediction"); the 768 SD 2.x models.
   */
  V_PREDICTION("v_prediction");

  private final String configName;

  PredictionType(String configName) {
    this.configName = configName;
  }

  /** Returns the spelling used in scheduler_config.json. */
  public String configName() {
    return configName;
  }

  /** Parses a scheduler_config.json spelling; "sample" and unknown names are refused. */
  public static PredictionType parse(String name) {
    for (PredictionType p : values()) {
      if (p.configName.equals(name)) {
        return p;
      }
    }
    if ("sample".equals(name)) {
      throw new EngineException(
          "prediction_type \"sample\" (a network that predicts x0 directly) is not supported;"
              + " use epsilon or v_prediction.");
    }
    throw new EngineException(
        "prediction_type \"" + name + "\" is not supported; use epsilon or v_prediction.");
  }
}
