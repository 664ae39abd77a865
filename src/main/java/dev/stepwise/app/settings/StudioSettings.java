package dev.stepwise.app.settings;

import dev.stepwise.app.studio.GenerationSettings;

/**
 * What the studio remembers between runs.
 *
 * @param windowWidth the window's width in pixels
 * @param windowHeight the window's height in pixels
 * @param maximized whether the window was maximized
 * @param theme the colour theme
 * @param generation the controls' last values
 * @param pixels whether the live canvas enlarges with whole-pixel blocks (null, from an older file:
 *     on)
 */
public record StudioSettings(
    double windowWidth,
    double windowHeight,
    boolean maximized,
    Theme theme,
    GenerationSettings generation,
    Boolean pixels,
    Boolean onBackends,
    Boolean keepTextEncoders) {

  /** The smallest window the studio opens. */
  public static final double MIN_WIDTH = 900;

  /** The smallest window height the studio opens. */
  public static final double MIN_HEIGHT = 600;

  /** Keeps the window at a usable size and fills missing parts with defaults. */
  public StudioSettings {
    windowWidth =
        Double.isFinite(windowWidth) ? Math.max(MIN_WIDTH, Math.min(windowWidth, 10_000)) : 1200;
    windowHeight =
        Double.isFinite(windowHeight) ? Math.max(MIN_HEIGHT, Math.min(windowHeight, 10_000)) : 780;
    theme = theme == null ? Theme.LIGHT : theme;
    generation = generation == null ? GenerationSettings.defaults() : generation;
    pixels = pixels == null || pixels;
    onBackends = onBackends != null && onBackends;
    keepTextEncoders = keepTextEncoders == null || keepTextEncoders;
  }

  /** A first start: 1200 x 780, light theme, the example prompt. */
  public static StudioSettings defaults() {
    return new StudioSettings(
        1200, 780, false, Theme.LIGHT, GenerationSettings.defaults(), true, false, true);
  }
}
