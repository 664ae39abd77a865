package dev.stepwise.engine.service;

import dev.stepwise.engine.clip.ClipTextConfig;
import dev.stepwise.engine.pack.ModelPack;
import dev.stepwise.engine.pack.PromptIdeas;
import dev.stepwise.engine.sampling.SchedulerConfig;
import dev.stepwise.engine.tokenizer.PromptTokenizer;
import dev.stepwise.engine.unet.UNetConfig;
import dev.stepwise.engine.vae.VaeConfig;
import java.nio.file.Path;
import java.util.List;

/**
 * What a front end needs to know about a model pack before generating with it, read from its
 * configs and tokenizer without loading any network weights.
 *
 * @param folder the pack folder, absolute and normalized
 * @param name the pack's name (its folder name)
 * @param tokenizer the pack's prompt tokenizer (known words, unknown-word reports)
 * @param scheduler the pack's scheduler configuration
 * @param nativeSize the model's own image side in pixels (UNet sample_size times the autoencoder's
 *     factor)
 * @param sizeStep image sides must be multiples of this (the autoencoder's factor)
 * @param promptIdeas prompts the model knows, from the pack's optional {@code prompts.txt} ({@link
 *     PromptIdeas}); empty for most packs
 * @param sdxl whether the model is SDXL-shaped (its UNet takes the pooled text and time ids), so
 *     the studio offers SDXL's aspect presets
 */
public record PackFacts(
    Path folder,
    String name,
    PromptTokenizer tokenizer,
    SchedulerConfig scheduler,
    int nativeSize,
    int sizeStep,
    List<String> promptIdeas,
    boolean sdxl) {

  /** Copies the ideas. */
  public PackFacts {
    promptIdeas = List.copyOf(promptIdeas);
  }

  /**
   * Reads the facts of the pack in {@code folder} (or the single-file checkpoint); a missing or
   * malformed pack is refused with a {@link dev.stepwise.engine.ModelPackException} naming the
   * first bad file.
   */
  public static PackFacts read(Path folder) {
    try (ModelPack pack = ModelPack.open(folder)) {
      ClipTextConfig clip = ClipTextConfig.fromJson(pack.textEncoderConfig());
      UNetConfig unet = UNetConfig.fromJson(pack.unetConfig());
      VaeConfig vae = VaeConfig.fromJson(pack.vaeConfig());
      SchedulerConfig scheduler = SchedulerConfig.fromJson(pack.schedulerConfig());
      PromptTokenizer tokenizer = pack.tokenizer(clip.maxPositionEmbeddings());
      tokenizer.vocabularyWords(); // listed here, off a UI thread, so completion only looks up
      int factor = vae.downscale();
      return new PackFacts(
          pack.root(),
          pack.name(),
          tokenizer,
          scheduler,
          unet.sampleSize() * factor,
          factor,
          PromptIdeas.read(pack.root()),
          unet.hasTextTime());
    }
  }
}
