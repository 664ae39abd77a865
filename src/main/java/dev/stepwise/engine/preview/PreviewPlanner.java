package dev.stepwise.engine.preview;

import dev.stepwise.engine.PreviewMethod;

/**
 * The preview policy of one job: decides, step by step, how the watched frame is rendered, from
 * what the previews and the steps have cost so far in this run (wall time on this machine).
 *
 * <ul>
 *   <li>{@link PreviewMethod#TINY} (and {@link PreviewMethod#AUTO} with a preview decoder): the
 *       preview decoder at every step; once two decodes have been timed and the faster one costs
 *       more than {@link #TINY_BUDGET} of a step, it decodes the latents pooled to half size (the
 *       engine upscales the frame smoothly), unless that frame would be smaller than {@link
 *       #MIN_HALF_FRAME} pixels a side.
 *   <li>{@link PreviewMethod#AUTO} without one: a full decode at the first step, which measures it;
 *       then a full decode every N steps with N = ceil(decode / ({@link #AUTO_BUDGET} x step)), the
 *       cheap projection in between (N = 1 when a decode costs at most 25% of a step).
 *   <li>{@link PreviewMethod#FULL}, {@link PreviewMethod#CHEAP}: that method at every step; {@link
 *       PreviewMethod#OFF}: nothing.
 * </ul>
 *
 * <p>Step times ignore the job's first step once a second has been timed (it carries the warm-up).
 * Used on the sampling thread only.
 */
public final class PreviewPlanner {
  /** The share of a step Auto lets previews cost. */
  public static final double AUTO_BUDGET = 0.25;

  /** The share of a step a preview-decoder frame may cost before it decodes at half size. */
  public static final double TINY_BUDGET = 0.10;

  /**
   * The smallest side, in pixels, a half-size decode may have: below it a preview is too blurry to
   * be worth the saving (the built-in pack's 4x decoder at 8x8 latents would give 32 pixels).
   */
  public static final int MIN_HALF_FRAME = 128;

  /** How one step's watched frame is made. */
  public enum Render {
    /** The preview decoder (at {@link #tinyScale()}). */
    TINY,
    /** The pack's autoencoder. */
    FULL,
    /** The linear latent-to-RGB projection. */
    CHEAP,
    /** No frame. */
    NONE
  }

  private final PreviewMethod method;
  private final boolean canHalve;
  private long steps;
  private long firstStepNanos;
  private long laterStepNanos;
  private long previews;
  private long firstPreviewNanos;
  private long laterPreviewNanos;
  private long bestFullNanos = Long.MAX_VALUE;
  private long bestTinyNanos = Long.MAX_VALUE;
  private int tinyTimings;
  private int tinyScale = 1;
  private long lastFull = Long.MIN_VALUE / 2;

  /**
   * A plan for {@code asked}, given whether a usable preview decoder is loaded and the smaller
   * side, in pixels, of the frame it would decode from latents pooled to half size (half-size
   * decoding needs at least {@link #MIN_HALF_FRAME}).
   *
   * @param asked the requested method; TINY without a decoder behaves as AUTO (the caller says so)
   */
  public PreviewPlanner(PreviewMethod asked, boolean hasTinyDecoder, int halfFrameSide) {
    PreviewMethod m = asked == null ? PreviewMethod.AUTO : asked;
    if (m == PreviewMethod.AUTO && hasTinyDecoder) {
      m = PreviewMethod.TINY;
    } else if (m == PreviewMethod.TINY && !hasTinyDecoder) {
      m = PreviewMethod.AUTO;
    }
    this.method = m;
    this.canHalve = halfFrameSide >= MIN_HALF_FRAME;
  }

  /** The method in use: TINY, FULL, CHEAP, OFF, or AUTO (full decodes plus cheap frames). */
  public PreviewMethod method() {
    return method;
  }

  /** How step {@code step} (counted over the whole job, from 0) renders its watched frame. */
  public Render renderFor(long step) {
    return switch (method) {
      case OFF -> Render.NONE;
      case CHEAP -> Render.CHEAP;
      case FULL -> Render.FULL;
      case TINY -> Render.TINY;
      case AUTO -> step - lastFull >= fullEvery() ? Render.FULL : Render.CHEAP;
    };
  }

  /**
   * Auto's interval between full decodes in steps: 1 until a decode has been timed, then
   * ceil(decode / (budget x step)), at least 1.
   */
  public int fullEvery() {
    double step = meanStepNanos();
    if (bestFullNanos == Long.MAX_VALUE || !(step > 0)) {
      return 1;
    }
    return (int) Math.max(1, Math.ceil(bestFullNanos / (AUTO_BUDGET * step)));
  }

  /** 1 to decode at the latents' size, 2 to decode them pooled to half size. */
  public int tinyScale() {
    return tinyScale;
  }

  /** Records the network time of one step (its model evaluations and update). */
  public void stepTook(long nanos) {
    if (steps == 0) {
      firstStepNanos = nanos;
    } else {
      laterStepNanos += nanos;
    }
    steps++;
  }

  /** Records what rendering step {@code step}'s frame with {@code render} cost. */
  public void previewTook(long step, Render render, long nanos) {
    if (previews == 0) {
      firstPreviewNanos = nanos;
    } else {
      laterPreviewNanos += nanos;
    }
    previews++;
    if (render == Render.FULL) {
      bestFullNanos = Math.min(bestFullNanos, nanos);
      lastFull = step;
    } else if (render == Render.TINY && tinyScale == 1) {
      bestTinyNanos = Math.min(bestTinyNanos, nanos);
      tinyTimings++;
      double stepNanos = meanStepNanos();
      if (canHalve
          && tinyTimings >= 2
          && stepNanos > 0
          && bestTinyNanos > TINY_BUDGET * stepNanos) {
        tinyScale = 2;
      }
    }
  }

  /**
   * Preview time per step as a percentage of step time, both as they run now: the job's first step
   * and first preview (their warm-up) are left out once later ones have been timed. 0 before any.
   */
  public double costPercent() {
    double step = meanStepNanos();
    if (previews == 0 || !(step > 0)) {
      return 0;
    }
    double preview =
        previews == 1 ? firstPreviewNanos : laterPreviewNanos / (double) (previews - 1);
    return 100.0 * preview / step;
  }

  /** The mean time of a step, the first step left out once others have been timed. */
  public double meanStepNanos() {
    if (steps == 0) {
      return 0;
    }
    return steps == 1 ? firstStepNanos : laterStepNanos / (double) (steps - 1);
  }
}
