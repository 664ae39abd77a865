package dev.stepwise.metadata;

import dev.stepwise.recipe.Sampler;
import java.util.Locale;
import java.util.Map;

/**
 * Maps sampler names from A1111, ComfyUI, k-diffusion and InvokeAI to Stepwise's five samplers.
 *
 * <p>Names are normalised before lookup: lower case, {@code k_} prefix dropped, {@code ++} read as
 * {@code pp}, spaces and hyphens as underscores, {@code ancestral} as {@code a}. A trailing {@code
 * Karras} (old A1111 names such as {@code "DPM++ 2M Karras"}) or InvokeAI's {@code _k} sets {@link
 * SamplerChoice#karras()}; early ComfyUI's {@code sample_} prefix is dropped; a trailing {@code
 * Trailing} (Draw Things) or {@code Exponential} is a schedule Stepwise lacks, with a notice.
 * Samplers Stepwise lacks map to the nearest one it has, with a notice: ancestral and SDE
 * (stochastic) samplers to {@code euler_a} or the multistep {@code dpmpp_2m}, multistep and
 * predictor-corrector solvers (LMS, UniPC, DEIS, iPNDM) to {@code dpmpp_2m}, Heun and DPM2
 * (second-order single-step ODE solvers) to {@code euler}, PLMS/PNDM (multistep on the DDIM update)
 * to {@code ddim}.
 */
public final class SamplerNames {
  /** Nearest Stepwise sampler for samplers it does not have, keyed by normalised name. */
  private static final Map<String, String> NEAREST =
      Map.ofEntries(
          Map.entry("dpmpp_2m_sde", "dpmpp_2m"),
          Map.entry("dpmpp_2m_sde_gpu", "dpmpp_2m"),
          Map.entry("dpmpp_2m_sde_heun", "dpmpp_2m"),
          Map.entry("dpmpp_3m_sde", "dpmpp_2m"),
          Map.entry("dpmpp_3m_sde_gpu", "dpmpp_2m"),
          Map.entry("dpmpp_sde", "dpmpp_2m"),
          Map.entry("dpmpp_sde_gpu", "dpmpp_2m"),
          Map.entry("dpmpp_2s_a", "euler_a"),
          Map.entry("dpmpp_2s", "euler_a"),
          Map.entry("dpm_2_a", "euler_a"),
          Map.entry("kdpm_2_a", "euler_a"),
          Map.entry("dpm_2", "euler"),
          Map.entry("kdpm_2", "euler"),
          Map.entry("heun", "euler"),
          Map.entry("heunpp2", "euler"),
          Map.entry("restart", "euler"),
          Map.entry("euler_cfg_pp", "euler"),
          Map.entry("euler_a_cfg_pp", "euler_a"),
          Map.entry("lms", "dpmpp_2m"),
          Map.entry("unipc", "dpmpp_2m"),
          Map.entry("uni_pc", "dpmpp_2m"),
          Map.entry("uni_pc_bh2", "dpmpp_2m"),
          Map.entry("deis", "dpmpp_2m"),
          Map.entry("ipndm", "dpmpp_2m"),
          Map.entry("ipndm_v", "dpmpp_2m"),
          Map.entry("dpm_fast", "dpmpp_2m"),
          Map.entry("dpm_adaptive", "dpmpp_2m"),
          Map.entry("plms", "ddim"),
          Map.entry("pndm", "ddim"),
          Map.entry("lcm", "euler_a"),
          Map.entry("tcd", "euler_a"));

  /**
   * ComfyUI's scheduler names as its saver nodes append them, and the schedule each stands for:
   * null where it is the sampler's own (ComfyUI's "normal" and "simple" space the model's sigmas
   * evenly, as Stepwise's samplers do), else the name a notice gives.
   */
  private static final String[][] COMFY_SCHEDULERS = {
    {"simple", null},
    {"normal", null},
    {"sgm_uniform", "SGM Uniform"},
    {"ddim_uniform", "DDIM Uniform"},
    {"beta", "Beta"},
    {"linear_quadratic", "Linear Quadratic"},
    {"kl_optimal", "KL Optimal"}
  };

  /**
   * Schedule names that mean the sampler's own sigmas: A1111's Automatic, Uniform and Normal,
   * NovelAI's native, other tools' default and discrete.
   */
  private static final java.util.Set<String> OWN_SCHEDULES =
      java.util.Set.of("automatic", "uniform", "normal", "native", "default", "discrete");

  /** Sampler used for names nobody knows: A1111's current default, DPM++ 2M. */
  public static final String FALLBACK = Sampler.DPMPP_2M.cliName();

  private SamplerNames() {}

  /** Resolves a sampler name with no separate schedule type. */
  public static SamplerChoice resolve(String name) {
    return resolve(name, null);
  }

  /**
   * Resolves a sampler name and an optional A1111 {@code Schedule type} (null or blank for none).
   *
   * <p>Schedule type {@code Karras} sets {@link SamplerChoice#karras()}; {@code Automatic}, {@code
   * Uniform} and {@code Normal} mean the sampler's own schedule; any other schedule type adds a
   * notice that the sampler's own schedule is used. An unknown sampler name maps to {@link
   * #FALLBACK} with a notice.
   *
   * @throws MetadataException when {@code name} is null or blank
   */
  public static SamplerChoice resolve(String name, String scheduleType) {
    if (name == null || name.isBlank()) {
      throw new MetadataException(
          "The sampler name is empty; use one such as Euler a, DPM++ 2M or euler_a.");
    }
    String key = normalise(name);
    boolean karras = false;
    String otherSchedule = null;
    if (key.endsWith("_karras")) {
      karras = true;
      key = key.substring(0, key.length() - "_karras".length());
    } else if (key.endsWith("_exponential")) {
      otherSchedule = "Exponential";
      key = key.substring(0, key.length() - "_exponential".length());
    } else if (key.endsWith("_trailing")) {
      otherSchedule = "Trailing"; // Draw Things' "DDIM Trailing": trailing timestep spacing
      key = key.substring(0, key.length() - "_trailing".length());
    } else if (key.endsWith("_k") && key.length() > 2) {
      karras = true;
      key = key.substring(0, key.length() - 2);
    } else {
      // ComfyUI's saver nodes join sampler and scheduler: "euler_simple", "dpmpp_2m_sgm_uniform".
      for (String[] s : COMFY_SCHEDULERS) {
        if (key.endsWith("_" + s[0]) && key.length() > s[0].length() + 1) {
          key = key.substring(0, key.length() - s[0].length() - 1);
          otherSchedule = s[1];
          break;
        }
      }
    }
    if (scheduleType != null && !scheduleType.isBlank()) {
      String s = scheduleType.strip().toLowerCase(Locale.ROOT).replace(' ', '_');
      String[] comfy = null;
      for (String[] c : COMFY_SCHEDULERS) {
        comfy = c[0].equals(s) ? c : comfy;
      }
      if (s.equals("karras")) {
        karras = true;
      } else if (comfy != null) {
        otherSchedule = comfy[1]; // ComfyUI's and InvokeAI's scheduler names
      } else if (!OWN_SCHEDULES.contains(s)) {
        otherSchedule = scheduleType.strip();
      }
    }

    Sampler exact = Sampler.ofCliName(key);
    String cli = exact == null ? null : exact.cliName();
    String notice = null;
    if (cli == null) {
      cli = NEAREST.get(key);
      if (cli != null) {
        notice =
            "Stepwise has no "
                + name.strip()
                + " sampler, so it uses "
                + cli
                + ", the nearest it has; the image will differ.";
      } else {
        cli = FALLBACK;
        notice =
            "Stepwise does not know the sampler '"
                + name.strip()
                + "', so it uses "
                + FALLBACK
                + "; the image will differ.";
      }
    }
    if (otherSchedule != null) {
      String scheduleNotice =
          "Stepwise has no "
              + otherSchedule
              + " schedule, so it uses the sampler's own schedule; the image will differ.";
      notice = notice == null ? scheduleNotice : notice + " " + scheduleNotice;
    }
    return new SamplerChoice(cli, karras, notice);
  }

  /** Returns the A1111 display name for a Stepwise CLI sampler name, such as {@code "Euler a"}. */
  public static String displayName(String cliName) {
    return sampler(cliName).displayName();
  }

  /**
   * Returns the sampler with this CLI name; any other name is refused in one sentence listing the
   * allowed ones.
   */
  public static Sampler sampler(String cliName) {
    Sampler s = Sampler.ofCliName(cliName);
    if (s == null) {
      throw new MetadataException(
          "Sampler '" + cliName + "' is not allowed; use " + Sampler.cliNameList() + ".");
    }
    return s;
  }

  /** Lower case, {@code k_} dropped, {@code ++} as {@code pp}, separators as {@code _}. */
  static String normalise(String name) {
    String s = name.strip().toLowerCase(Locale.ROOT);
    s = s.replace("++", "pp").replace('+', 'p');
    s = s.replaceAll("[\\s\\-.]+", "_");
    if (s.startsWith("k_")) {
      s = s.substring(2);
    }
    if (s.startsWith("sample_")) {
      s = s.substring("sample_".length()); // early ComfyUI: sample_dpmpp_2m
    }
    s = s.replace("ancestral", "a");
    s = s.replaceAll("^dpm2", "dpm_2").replaceAll("^dpmpp2", "dpmpp_2");
    s = s.replaceAll("_+", "_");
    return s;
  }
}
