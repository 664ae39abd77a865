package dev.stepwise.app.explain;

import dev.stepwise.engine.explain.SamplerPlan;
import dev.stepwise.recipe.Sampler;
import java.util.Locale;

/**
 * One sampler's update rule written out for the explain view: a title, a paragraph in words, the
 * formula in plain Unicode, and where it comes from.
 *
 * <p>The texts describe exactly what the engine's runs compute (see the Javadoc of DdpmRun,
 * DdimRun, EulerRun, EulerAncestralRun and DpmPp2mRun in {@code dev.stepwise.engine.sampling}).
 * Throughout, ε_θ is the guided noise prediction ε_u + s (ε_c − ε_u).
 *
 * @param title the sampler's display name and method, e.g. "DDIM — Song et al. 2021"
 * @param words what the step does, in words
 * @param formula the update, several lines of Unicode maths
 * @param source the paper and upstream file the rule follows
 */
public record SamplerExplanation(String title, String words, String formula, String source) {

  private static final String KARRAS =
      "\nσ_i = (σ_max^(1/ρ) + i/(N−1) · (σ_min^(1/ρ) − σ_max^(1/ρ)))^ρ,  ρ = 7"
          + "   (Karras et al. 2022, eq. 5)";

  /** Returns the explanation of {@code kind}; {@code karras} adds the Karras noise spacing. */
  public static SamplerExplanation of(Sampler kind, boolean karras) {
    SamplerExplanation e =
        switch (kind) {
          case DDPM ->
              new SamplerExplanation(
                  "DDPM — ancestral sampling, Ho et al. 2020",
                  "Predict the noise in x_t, remove the part of it this step accounts for, then add"
                      + " fresh Gaussian noise of variance β_t: every step is a small random move"
                      + " towards the data. With fewer steps than training timesteps the step jumps"
                      + " from t to the next timestep t′ of the plan, so α_t and β_t are the"
                      + " strided values. The last step adds no noise.",
                  "x_t′ = 1/√α_t · ( x_t − β_t / √(1 − ᾱ_t) · ε_θ(x_t, t) ) + σ_t z,   z ~ N(0,"
                      + " I)\n"
                      + "α_t = ᾱ_t / ᾱ_t′,   β_t = 1 − α_t,   σ_t² = β_t",
                  "Ho et al. 2020, eq. 11 and Algorithm 2; diffusers scheduling_ddpm.py step()");
          case DDIM ->
              new SamplerExplanation(
                  "DDIM — denoising diffusion implicit models, Song et al. 2021",
                  "Predict the noise, compute the clean image it implies, then place the sample at"
                      + " the next noise level by mixing that prediction with the same predicted"
                      + " noise. With η = 0 (the default) no fresh noise is added, so the sampler"
                      + " is deterministic and follows the probability-flow path.",
                  "x̂_0 = ( x_t − √(1 − ᾱ_t) · ε_θ(x_t, t) ) / √ᾱ_t\n"
                      + "x_t′ = √ᾱ_t′ · x̂_0 + √(1 − ᾱ_t′ − σ_t²) · ε_θ(x_t, t) + σ_t z\n"
                      + "σ_t = η · √((1 − ᾱ_t′) / (1 − ᾱ_t)) · √(1 − ᾱ_t / ᾱ_t′),   η = 0 by"
                      + " default",
                  "Song et al. 2021, eq. 12 and 16; diffusers scheduling_ddim.py step()");
          case EULER ->
              new SamplerExplanation(
                  "Euler — Karras et al. 2022",
                  "Work in sigma space, x = x_0 + σ ε, and take one Euler step of the"
                      + " probability-flow ODE, whose slope dx/dσ is the predicted noise, from σ to"
                      + " the next level. The network sees x / √(σ² + 1), its usual input scale."
                      + " Deterministic.",
                  "x̂_0 = x − σ · ε_θ(x / √(σ² + 1), t(σ))\n"
                      + "d = (x − x̂_0) / σ\n"
                      + "x_next = x + (σ_next − σ) · d",
                  "Karras et al. 2022, Algorithm 2 without churn; diffusers"
                      + " scheduling_euler_discrete.py step()");
          case EULER_A ->
              new SamplerExplanation(
                  "Euler a — Euler ancestral",
                  "An Euler step that goes below the next noise level, to σ_down, followed by fresh"
                      + " noise of size σ_up, so the sample lands at σ_next with new randomness"
                      + " each step: the image keeps changing as steps are added.",
                  "d = (x − x̂_0) / σ,   x̂_0 = x − σ · ε_θ(x / √(σ² + 1), t(σ))\n"
                      + "σ_up = √( σ_next² (σ² − σ_next²) / σ² ),   σ_down = √(σ_next² − σ_up²)\n"
                      + "x_next = x + (σ_down − σ) · d + σ_up z,   z ~ N(0, I)",
                  "k-diffusion sample_euler_ancestral (Karras et al. 2022 sampler family);"
                      + " diffusers scheduling_euler_ancestral_discrete.py step()");
          case DPMPP_2M ->
              new SamplerExplanation(
                  "DPM++ 2M — DPM-Solver++ (2M), Lu et al. 2022",
                  "A second-order multistep solver of the diffusion ODE in the half-log-SNR λ. It"
                      + " predicts the clean image and extrapolates that prediction with the"
                      + " previous step's, which makes it accurate with few steps. The first and"
                      + " last steps are first order (D is the prediction itself). Deterministic.",
                  "α = 1 / √(σ² + 1),   s = σ α,   λ = ln(α / s),   h = λ_next − λ\n"
                      + "x̂_0 = (x − s · ε_θ(x, t)) / α\n"
                      + "D = x̂_0 + (x̂_0 − x̂_0,prev) / (2 r),   r = h_prev / h\n"
                      + "x_next = (s_next / s) · x − α_next · (e^(−h) − 1) · D",
                  "Lu et al. 2022 (DPM-Solver++), Algorithm 2; diffusers"
                      + " scheduling_dpmsolver_multistep.py");
        };
    boolean karrasApplies = karras && kind != Sampler.DDPM && kind != Sampler.DDIM;
    if (!karrasApplies) {
      return e;
    }
    return new SamplerExplanation(
        e.title + ", Karras sigmas",
        e.words + " The noise levels are spaced as Karras et al. propose: dense near σ_min.",
        e.formula + KARRAS,
        e.source);
  }

  /**
   * Returns the current step's numbers in one line, e.g. "Step 3 of 20: t = 901, ᾱ_t = 0.0078, σ =
   * 11.29 → next σ = 9.35, ᾱ = 0.0113".
   */
  public static String stepNumbers(SamplerPlan plan, int step) {
    if (plan == null || step < 0 || step >= plan.steps()) {
      return "No step selected: generate an image to follow its steps here.";
    }
    double t = plan.timestep(step);
    String tText =
        t == Math.rint(t) ? Long.toString((long) t) : String.format(Locale.ROOT, "%.2f", t);
    return String.format(
        Locale.ROOT,
        "Step %d of %d: t = %s, ᾱ_t = %.4g, σ = %.4g → next σ = %.4g, ᾱ = %.4g",
        step + 1,
        plan.steps(),
        tText,
        plan.alphaBar(step),
        plan.sigma(step),
        plan.sigma(step + 1),
        plan.alphaBar(step + 1));
  }
}
