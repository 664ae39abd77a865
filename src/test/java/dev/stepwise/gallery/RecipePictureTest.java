package dev.stepwise.gallery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stepwise.metadata.InfoText;
import dev.stepwise.recipe.HiresSettings;
import dev.stepwise.recipe.HiresUpscaler;
import dev.stepwise.recipe.ImageSettings;
import dev.stepwise.recipe.MaskedContent;
import dev.stepwise.recipe.Outpaint;
import dev.stepwise.recipe.PictureParameters;
import dev.stepwise.recipe.ResizeMode;
import dev.stepwise.recipe.Settings;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Img2img and hires keys in the recipe, A1111's text and back, from Stepwise and from A1111. */
class RecipePictureTest {

  @Test
  void a1111sImg2imgTextReadsBack() {
    String text =
        "a cat\nNegative prompt: blurry\nSteps: 20, Sampler: Euler a, CFG scale: 7, Seed: 5,"
            + " Size: 512x512, Model hash: 6ce0161689, Model: v1-5, Denoising strength: 0.75,"
            + " Mask blur: 4, Masked content: latent noise, Version: v1.9.4";
    Recipe r = ImageParameters.fromA1111(InfoText.parse(text), new ArrayList<>());
    ImageSettings s = r.imageSettings();
    assertEquals(0.75, s.strength());
    assertEquals(4, s.maskBlur());
    assertEquals(MaskedContent.NOISE, s.maskedContent());
    assertEquals(ResizeMode.FILL, s.resize());
    assertNull(r.hires());
    assertNull(r.initImageHash());
  }

  @Test
  void a1111sHiresTextReadsBackAsAHiresFix() {
    String text =
        "a cat\nSteps: 20, Sampler: DPM++ 2M, Schedule type: Karras, CFG scale: 7, Seed: 5,"
            + " Size: 512x768, Model hash: 6ce0161689, Denoising strength: 0.45, Hires upscale:"
            + " 2, Hires steps: 10, Hires upscaler: R-ESRGAN 4x+, Version: v1.9.4";
    Recipe r = ImageParameters.fromA1111(InfoText.parse(text), new ArrayList<>());
    assertNull(r.imageSettings(), "the strength belongs to the hires fix");
    HiresSettings h = r.hires();
    assertEquals(2.0, h.scale());
    assertEquals(10, h.steps());
    assertEquals(0.45, h.strength());
    assertEquals(HiresUpscaler.LANCZOS, h.upscaler(), "an upscaler Stepwise lacks");
    Map<String, String> latent = new LinkedHashMap<>(r.extras());
    latent.put("Hires upscaler", "Latent (bicubic antialiased)");
    latent.remove("Hires steps");
    assertEquals(HiresUpscaler.LATENT, PictureParameters.hires(latent).upscaler());
    assertEquals(0, PictureParameters.hires(latent).steps());
  }

  @Test
  void stepwisesOwnKeysGoInA1111sOrderAndReadBack() {
    ImageSettings s =
        new ImageSettings(0.3, ResizeMode.FIT, 6, MaskedContent.FILL, new Outpaint(64, 0, 64, 0));
    Map<String, String> run = new LinkedHashMap<>();
    run.put("VAE", "v.safetensors");
    run.putAll(PictureParameters.of(s, true));
    run.put(PictureParameters.INIT_IMAGE, "0123456789abcdef");
    Recipe r =
        Recipe.made(Settings.defaults().withClipSkip(2), 1, 64, 64, -1, "m", "0011223344", run);
    assertEquals(
        List.of(
            "VAE",
            "Denoising strength",
            "Clip skip",
            "Mask blur",
            "Masked content",
            "Resize mode",
            "Outpaint",
            "Init image"),
        List.copyOf(r.extras().keySet()));
    String text = InfoText.format(r.toParameters());
    assertTrue(
        text.contains(
            "Denoising strength: 0.3, Clip skip: 2, Mask blur: 6, Masked content: fill, Resize"
                + " mode: Resize and fill, Outpaint: \"64,0,64,0\", Init image: 0123456789abcdef"),
        text);
    Recipe back = ImageParameters.fromA1111(InfoText.parse(text), new ArrayList<>());
    assertEquals(s, back.imageSettings());
    assertEquals("0123456789abcdef", back.initImageHash());
    assertEquals(s, RecipeJson.read(RecipeJson.write(r)).imageSettings());
  }

  @Test
  void numbersAreWrittenAsPythonWritesThem() {
    assertEquals("0.75", PictureParameters.number(0.75));
    assertEquals("1.0", PictureParameters.number(1));
    assertEquals("0.1", PictureParameters.number(0.1));
    assertEquals("0.0", PictureParameters.number(0));
    assertEquals("1.5", PictureParameters.number(1.5));
  }

  @Test
  void valuesStepwiseCannotUseReadAsTheNearestAllowed() {
    Map<String, String> extras = new LinkedHashMap<>();
    extras.put("Denoising strength", "1.7");
    extras.put("Mask blur", "200");
    extras.put("Masked content", "latent nothing");
    extras.put("Outpaint", "a,b");
    ImageSettings s = PictureParameters.imageSettings(extras);
    assertEquals(1.0, s.strength());
    assertEquals(64, s.maskBlur());
    assertEquals(MaskedContent.KEEP, s.maskedContent());
    assertNull(s.outpaint());
    extras.put("Denoising strength", "lots");
    assertNull(PictureParameters.imageSettings(extras));
  }
}
