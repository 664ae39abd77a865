package dev.stepwise.engine.sampling;

import dev.stepwise.engine.EngineException;
import dev.stepwise.engine.random.NoiseSource;
import dev.stepwise.recipe.Sampler;

/**
 * One sampling run, advanced one model evaluation at a time so a caller can report every step and
 * cancel between steps.
 *
 * <p>Create it with {@link #start}; call {@link #step} while {@link #hasNext()}. The only mutable
 * state is the current latents, the step index and (for DPM++ 2M) the previous x0 estimate. Not
 * thread-safe; one algorithm per subclass.
 */
public abstract class SamplingRun {
  /** The schedule the run samples from. */
  protected final NoiseSchedule schedule;

  /** The prediction type of the model. */
  protected final PredictionType prediction;

  /** Step noise, or null for deterministic runs. */
  protected final NoiseSource noise;

  private final double[] timesteps; // [N]
  private final int batch;
  private final int channels;
  private final int height;
  private final int width;
  private float[] state; // [B, C, H, W], the sampler's own space
  private final double initNoiseSigma;
  private int index;

  /** Sets up the shared state and scales {@code standardNormal} by {@code initNoiseSigma}. */
  protected SamplingRun(
      NoiseSchedule schedule,
      PredictionType prediction,
      double[] timesteps,
      Latents standardNormal,
      double initNoiseSigma,
      NoiseSource noise) {
    Latents initialState = scaled(standardNormal, initNoiseSigma);
    this.initNoiseSigma = initNoiseSigma;
    this.schedule = schedule;
    this.prediction = prediction;
    this.timesteps = timesteps.clone();
    this.batch = initialState.batch();
    this.channels = initialState.channels();
    this.height = initialState.height();
    this.width = initialState.width();
    this.state = initialState.data();
    this.noise = noise;
  }

  /**
   * Starts a run: picks timesteps and sigmas as the chosen sampler's diffusers scheduler does,
   * scales a copy of {@code standardNormalNoise} (which is not modified) by the sampler's
   * init_noise_sigma ({@link #initNoiseSigma()}), and returns the run positioned before its first
   * step.
   *
   * @param cfg the pack's scheduler config; it must describe {@code schedule}
   * @param stepNoise the ancestral noise stream, needed by ddpm, euler_a and ddim with eta > 0 (may
   *     be null otherwise); e.g. the {@code SeedNoise} that gave the initial noise
   */
  public static SamplingRun start(
      NoiseSchedule schedule,
      SchedulerConfig cfg,
      SamplerSettings s,
      Latents standardNormalNoise,
      NoiseSource stepNoise) {
    if (schedule == null || cfg == null || s == null || standardNormalNoise == null) {
      throw new EngineException("A sampling run needs a schedule, a config, settings and noise.");
    }
    if (schedule.size() != cfg.numTrainTimesteps()) {
      throw new EngineException(
          "The noise schedule has "
              + schedule.size()
              + " timesteps but the config says num_train_timesteps "
              + cfg.numTrainTimesteps()
              + ".");
    }
    Timesteps.checkSteps(s.steps(), cfg.numTrainTimesteps());
    boolean needsNoise =
        s.kind() == Sampler.DDPM
            || s.kind() == Sampler.EULER_A
            || (s.kind() == Sampler.DDIM && s.eta() > 0);
    if (needsNoise && stepNoise == null) {
      throw new EngineException(
          s.kind().cliName() + " adds noise between steps and needs a step-noise source.");
    }
    TimestepSpacing spacing =
        s.spacingOrNull() != null
            ? s.spacingOrNull()
            : cfg.timestepSpacingOrNull() != null
                ? cfg.timestepSpacingOrNull()
                : TimestepSpacing.defaultFor(s.kind());
    Latents x = standardNormalNoise;
    return switch (s.kind()) {
      case DDPM -> new DdpmRun(schedule, cfg, s, spacing, x, stepNoise);
      case DDIM -> new DdimRun(schedule, cfg, s, spacing, x, stepNoise);
      case EULER -> new EulerRun(schedule, cfg, s, spacing, x);
      case EULER_A -> new EulerAncestralRun(schedule, cfg, s, spacing, x, stepNoise);
      case DPMPP_2M -> new DpmPp2mRun(schedule, cfg, s, spacing, x);
    };
  }

  /** Returns the number of steps (model evaluations) of the run. */
  public final int totalSteps() {
    return timesteps.length;
  }

  /**
   * Returns the factor the standard normal noise was multiplied by: 1 for DDPM, DDIM and DPM++ 2M;
   * sigma_max (or sqrt(sigma_max^2 + 1) with leading spacing) for Euler and Euler a.
   */
  public final double initNoiseSigma() {
    return initNoiseSigma;
  }

  /**
   * Returns the noise level {@code sqrt((1 - abar) / abar)} step {@code i} starts from, which is
   * the level of the timestep the model is told, for {@code i} in [0, totalSteps()); at {@code
   * totalSteps()} it is the level the run ends on (0, except DDIM with set_alpha_to_one false,
   * which ends on sigma_0). For DDIM with linspace spacing the state itself can sit a few timesteps
   * away from the told one, as in diffusers (see DdimRun).
   */
  public final double sigmaBefore(int i) {
    if (i < 0 || i > timesteps.length) {
      throw new EngineException(
          "Step index must be between 0 and " + timesteps.length + ", got " + i + ".");
    }
    return sigmaOfStep(i);
  }

  /** Returns whether a step remains. */
  public final boolean hasNext() {
    return index < timesteps.length;
  }

  /** Returns the index of the next step (equals {@link #totalSteps()} once finished). */
  public final int nextIndex() {
    return index;
  }

  /** Returns a copy of the timesteps the model will be (or was) called with, in order. */
  public final double[] timesteps() {
    return timesteps.clone();
  }

  /** Returns a copy of the current state (the final latents once the run has finished). */
  public final Latents latents() {
    return new Latents(state.clone(), batch, channels, height, width);
  }

  /**
   * Calls the model once and advances the state by one step.
   *
   * @throws EngineException when the run is finished or the model output has the wrong length
   */
  public final StepResult step(ModelFunction model) {
    if (!hasNext()) {
      throw new EngineException(
          "The sampling run has already taken all " + timesteps.length + " steps.");
    }
    int i = index;
    float[] input = modelInput(state, i); // [B, C, H, W]
    float[] out = model.predict(input, timesteps[i]); // [B, C, H, W]
    if (out == null || out.length != state.length) {
      throw new EngineException(
          "The model returned "
              + (out == null ? "nothing" : out.length + " values")
              + " for latents of "
              + state.length
              + " values.");
    }
    float[] x0 = new float[state.length]; // [B, C, H, W]
    float[] eps = new float[state.length]; // [B, C, H, W]
    float[] next = advance(i, state, out, x0, eps); // [B, C, H, W]
    double sigma = sigmaOfStep(i);
    state = next;
    index = i + 1;
    return new StepResult(
        i,
        timesteps[i],
        sigma,
        new Latents(next.clone(), batch, channels, height, width),
        new Latents(x0, batch, channels, height, width),
        new Latents(eps, batch, channels, height, width));
  }

  /**
   * Img2img: positions a run that has not stepped yet before step {@code start}, its state the init
   * latents {@code x0} noised to that step's level with {@code noise} ({@link #noised}). {@code
   * start} = {@link #totalSteps()} leaves nothing to run and the state is x0 itself.
   *
   * @throws EngineException when the run has already stepped, start is outside [0, N] or a shape
   *     differs
   */
  public final void startFrom(int start, Latents x0, Latents noise) {
    if (index != 0) {
      throw new EngineException("An img2img start must come before the run's first step.");
    }
    if (start < 0 || start > timesteps.length) {
      throw new EngineException(
          "The img2img start must be between 0 and " + timesteps.length + ", got " + start + ".");
    }
    state = start == timesteps.length ? checked(x0).data().clone() : noised(x0, noise, start);
    index = start;
  }

  /**
   * Returns {@code x0} noised to the level step {@code i} starts from (i in [0, N]), with {@code
   * noise}: {@code x0 + sigma noise} for Euler-type samplers (k-diffusion, A1111's img2img: {@code
   * xi = x + noise * sigma_sched[0]}; diffusers' EulerDiscreteScheduler.add_noise) and {@code
   * sqrt(abar) x0 + sqrt(1 - abar) noise} with {@code abar = 1 / (1 + sigma^2)} for the others
   * (q(x_t | x_0), Ho et al. 2020 eq. 4; diffusers' add_noise), in the sampler's own space. // [B,
   * C, H, W]
   */
  public final float[] noised(Latents x0, Latents noise, int i) {
    checked(x0);
    checked(noise);
    double sigma = sigmaBefore(i);
    double cx;
    double cn;
    if (varianceExploding()) {
      cx = 1;
      cn = sigma;
    } else {
      double abar = 1 / (1 + sigma * sigma);
      cx = Math.sqrt(abar);
      cn = Math.sqrt(1 - abar);
    }
    float[] a = x0.data();
    float[] z = noise.data();
    float[] out = new float[a.length]; // [B, C, H, W]
    for (int k = 0; k < a.length; k++) {
      out[k] = (float) (cx * a[k] + cn * z[k]);
    }
    return out;
  }

  /**
   * Masked sampling for ordinary models: where {@code repaint} ([H, W], shared by every channel) is
   * 0, replaces the state by {@code x0} noised to the level the run now stands at ({@link #noised}
   * at {@link #nextIndex()}), and by {@code x0} itself once the run has finished, as diffusers'
   * StableDiffusionInpaintPipeline does after every step for 4-channel UNets.
   */
  public final void keepKnown(float[] repaint, Latents x0, Latents noise) {
    if (repaint.length != height * width) {
      throw new EngineException(
          "The latent mask has "
              + repaint.length
              + " values for latents of "
              + height
              + "x"
              + width
              + ".");
    }
    float[] known = index == timesteps.length ? checked(x0).data() : noised(x0, noise, index);
    int plane = height * width;
    for (int k = 0; k < state.length; k++) {
      if (repaint[k % plane] == 0) {
        state[k] = known[k];
      }
    }
  }

  private Latents checked(Latents l) {
    if (l == null
        || l.batch() != batch
        || l.channels() != channels
        || l.height() != height
        || l.width() != width) {
      throw new EngineException(
          "Latents of shape "
              + l
              + " do not fit a run on ["
              + batch
              + ", "
              + channels
              + ", "
              + height
              + ", "
              + width
              + "].");
    }
    return l;
  }

  /**
   * Returns {@code state} (a state this run produced after {@code stepsDone} steps, e.g. a step's
   * {@code xt}) in variance-preserving units, {@code sqrt(abar) x0 + sqrt(1 - abar) eps}:
   * Euler-type samplers carry x0 + sigma eps (Karras et al. 2022), whose VP form is x /
   * sqrt(sigma^2 + 1) with sigma = {@link #sigmaBefore}(stepsDone) (diffusers' scale_model_input);
   * the others carry VP latents already and get {@code state} back.
   */
  public final Latents toVariancePreserving(Latents state, int stepsDone) {
    if (!varianceExploding()) {
      return state;
    }
    double sigma = sigmaBefore(stepsDone);
    float scale = (float) (1 / Math.sqrt(sigma * sigma + 1));
    float[] d = state.data();
    float[] out = new float[d.length]; // [B, C, H, W]
    for (int i = 0; i < d.length; i++) {
      out[i] = d[i] * scale;
    }
    return state.withData(out);
  }

  /** Whether the state is x0 + sigma eps (Euler-type) rather than variance-preserving. */
  protected boolean varianceExploding() {
    return false;
  }

  /** Returns the model input for step {@code i}; the identity unless the sampler scales. */
  protected float[] modelInput(float[] x, int i) {
    return x;
  }

  /** Returns the noise level of step {@code i} as {@link #sigmaBefore} defines it, i in [0, N]. */
  protected abstract double sigmaOfStep(int i);

  /**
   * Computes the state after step {@code i} from the state {@code x} and model output {@code out}
   * and fills {@code x0} and {@code eps} with the clean-latent and noise estimates. Must not modify
   * {@code x} or {@code out}.
   */
  protected abstract float[] advance(int i, float[] x, float[] out, float[] x0, float[] eps);

  private static Latents scaled(Latents noise, double factor) {
    float[] d = noise.data();
    float[] out = new float[d.length]; // [B, C, H, W]
    for (int k = 0; k < d.length; k++) {
      out[k] = factor == 1.0 ? d[k] : (float) (d[k] * factor);
    }
    return noise.withData(out);
  }

  /** Draws step noise for the whole batch. */
  protected final float[] drawNoise(int n) {
    float[] z = noise.next(n); // [B, C, H, W]
    if (z == null || z.length != n) {
      throw new EngineException(
          "The step-noise source returned "
              + (z == null ? "nothing" : z.length + " values")
              + " instead of "
              + n
              + ".");
    }
    return z;
  }
}
