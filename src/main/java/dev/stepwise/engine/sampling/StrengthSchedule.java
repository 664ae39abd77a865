package dev.stepwise.engine.sampling;

import dev.stepwise.engine.EngineException;
import dev.stepwise.recipe.Sampler;

/**
 * The part of a schedule an img2img run samples: the sampler builds its timesteps for {@code
 * scheduleSteps} steps as usual and runs them from index {@code start}, the init latents noised to
 * that index's level first ({@link SamplingRun#startFrom}). The two upstream rules differ by one
 * step, and Stepwise follows each where its samplers come from:
 *
 * <ul>
 *   <li>DDPM and DDIM, diffusers' StableDiffusionImg2ImgPipeline.get_timesteps: {@code init =
 *       min(int(N s), N)}, {@code start = max(N - init, 0)}: {@code init} steps run, the first at
 *       {@code timesteps[start]} (at s = 1, N = 10 and leading spacing with offset 1: t = 901).
 *   <li>Euler, Euler a and DPM++ 2M, AUTOMATIC1111's k-diffusion img2img
 *       (sd_samplers_common.setup_img2img_steps, sd_samplers_kdiffusion.sample_img2img): {@code
 *       t_enc = int(min(s, 0.999) N)}, the sigmas from index {@code N - t_enc - 1}: {@code t_enc +
 *       1} steps run (one more than diffusers would), starting at sigma_max when s is 1.
 * </ul>
 *
 * <p>Strength 0 runs no step at all (start = N): the image is the autoencoder's round trip of the
 * init image. (A1111 would still take one step at the smallest sigma, and diffusers has no timestep
 * to start from.)
 *
 * <p>The hires fix's second pass follows A1111's fixed-steps rule for every sampler (A1111 passes
 * its steps explicitly, which selects that branch of setup_img2img_steps): the schedule has {@code
 * int(steps / min(s, 0.999))} steps and its last {@code steps} run.
 *
 * @param scheduleSteps the N the sampler builds its timesteps for
 * @param start the index of the first step that runs, 0 to N
 */
public record StrengthSchedule(int scheduleSteps, int start) {

  /** Checks the indices. */
  public StrengthSchedule {
    if (scheduleSteps < 1 || start < 0 || start > scheduleSteps) {
      throw new EngineException(
          "An img2img schedule needs 1 or more steps and a start within them, got start "
              + start
              + " of "
              + scheduleSteps
              + ".");
    }
  }

  /** The number of steps that run. */
  public int steps() {
    return scheduleSteps - start;
  }

  /** The schedule of an img2img run of {@code steps} steps at {@code strength} in [0, 1]. */
  public static StrengthSchedule img2img(Sampler kind, int steps, double strength) {
    checkStrength(strength);
    if (strength == 0) {
      return new StrengthSchedule(steps, steps);
    }
    if (kind == Sampler.DDPM || kind == Sampler.DDIM) {
      int init = Math.min((int) (steps * strength), steps); // pipeline_stable_diffusion_img2img.py
      return new StrengthSchedule(steps, Math.max(steps - init, 0));
    }
    int tEnc = (int) (Math.min(strength, 0.999) * steps); // sd_samplers_common.py
    return new StrengthSchedule(steps, steps - tEnc - 1);
  }

  /** The schedule of the hires fix's second pass: {@code steps} run, at {@code strength}. */
  public static StrengthSchedule hires(int steps, double strength) {
    checkStrength(strength);
    if (strength == 0) {
      return new StrengthSchedule(steps, steps);
    }
    int total = (int) (steps / Math.min(strength, 0.999)); // setup_img2img_steps, fixed steps
    return new StrengthSchedule(total, total - steps);
  }

  private static void checkStrength(double strength) {
    if (!(strength >= 0 && strength <= 1)) {
      throw new EngineException(
          "Denoising strength must be between 0 and 1, got " + strength + ".");
    }
  }
}
