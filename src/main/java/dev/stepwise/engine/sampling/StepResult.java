package dev.stepwise.engine.sampling;

/**
 * What one sampling step produced, for progress events and previews.
 *
 * <p>{@code predictedX0} is the clean latent estimate (the value the VAE decodes after dividing by
 * its scaling factor) and {@code predictedNoise} is the unit-variance noise estimate eps (converted
 * from v when the model predicts v); both are in the same units for every sampler, so a preview can
 * use them uniformly. {@code xt} is the sampler's own state after the step: VP latents {@code
 * sqrt(abar) x0 + sqrt(1 - abar) eps} for DDPM, DDIM and DPM++ 2M, and VE latents {@code x0 + sigma
 * eps} for Euler and Euler a. All three are fresh copies the caller may keep.
 *
 * @param index the step just taken, from 0
 * @param timestep the timestep the model was called with
 * @param sigma the noise level {@code sqrt((1 - abar) / abar)} of the state the step started from
 */
public record StepResult(
    int index,
    double timestep,
    double sigma,
    Latents xt,
    Latents predictedX0,
    Latents predictedNoise) {}
