package dev.stepwise.gallery;

import static dev.stepwise.gallery.GalleryTestData.png;
import static dev.stepwise.gallery.GalleryTestData.text;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stepwise.metadata.ForeignParameters;
import dev.stepwise.metadata.MetadataException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ImageParametersTest {
  private static final String A1111 =
      "a castle\non a \"hill\", at dusk\nNegative prompt: fog\n"
          + "Steps: 25, Sampler: DPM++ 2M SDE, Schedule type: Karras, CFG scale: 7.5, Seed: 99,"
          + " Size: 640x448, Model hash: 45dee52b, Model: sd15, Lora hashes: \"a: 1, b: 2\","
          + " Hires upscale: 2, Version: v1.10";

  @TempDir Path dir;

  @ParameterizedTest
  @ValueSource(strings = {"tEXt", "zTXt", "iTXt"})
  void readsA1111ParametersFromEveryTextChunkKind(String type) throws Exception {
    Path f = dir.resolve("a.png");
    Files.write(f, png(text(type, "parameters", A1111)));
    ImageParameters p = ImageParameters.read(f);
    assertEquals(ImageParameters.Source.A1111, p.source());
    Recipe r = p.recipe();
    assertEquals("a castle\non a \"hill\", at dusk", r.prompt());
    assertEquals("fog", r.negativePrompt());
    assertEquals(25, r.steps());
    assertEquals(7.5, r.guidance());
    assertEquals(99, r.seed());
    assertEquals(640, r.width());
    assertEquals(448, r.height());
    assertEquals("sd15", r.modelName());
    assertEquals("dpmpp_2m", r.sampler()); // nearest Stepwise has to DPM++ 2M SDE
    assertTrue(r.karras());
    assertEquals("a: 1, b: 2", r.extras().get("Lora hashes")); // quoted value, unknown key kept
    assertEquals("2", r.extras().get("Hires upscale"));
    assertEquals(1, p.notices().size());
    assertTrue(p.notices().get(0).contains("DPM++ 2M SDE"), p.notices().get(0));
  }

  @Test
  void readsNonLatinPromptFromITxt() {
    ImageParameters p =
        ImageParameters.read(
            png(
                text(
                    "iTXt",
                    "parameters",
                    "猫の絵\nSteps: 5, Sampler: Euler, CFG scale: 3, Seed: 1, Size: 64x64")));
    assertEquals("猫の絵", p.recipe().prompt());
    assertEquals("euler", p.recipe().sampler());
    assertTrue(p.notices().isEmpty());
  }

  @Test
  void stepwiseJsonWinsOverParameters() {
    Recipe mine = GalleryTestData.recipe("the real prompt", 5);
    ImageParameters p =
        ImageParameters.read(
            png(
                text("tEXt", "parameters", A1111),
                text("iTXt", RecipeJson.KEYWORD, RecipeJson.write(mine))));
    assertEquals(ImageParameters.Source.STEPWISE, p.source());
    assertEquals(mine, p.recipe());
  }

  @Test
  void brokenStepwiseJsonFallsBackToParametersWithANotice() {
    ImageParameters p =
        ImageParameters.read(
            png(text("tEXt", "parameters", A1111), text("tEXt", RecipeJson.KEYWORD, "{not json")));
    assertEquals(ImageParameters.Source.A1111, p.source());
    assertTrue(p.notices().get(0).contains("not valid JSON"));
  }

  @Test
  void anImageWithoutMetadataIsNamed() { // other tools' images: MetadataCorpusTest
    assertEquals(
        ForeignParameters.NONE,
        assertThrows(MetadataException.class, () -> ImageParameters.read(png())).getMessage());
  }

  @Test
  void oversizedAndBombChunksAreRefusedWithAMessage() {
    String big = "x".repeat(2 << 20);
    MetadataException huge =
        assertThrows(
            MetadataException.class,
            () -> ImageParameters.read(png(text("tEXt", "parameters", big))));
    assertTrue(huge.getMessage().contains("over 1 MiB"), huge.getMessage());
    // 64 MiB of one letter compresses to about 64 KiB: a decompression bomb
    String bomb = "a".repeat(64 << 20);
    byte[] file = png(text("zTXt", "parameters", bomb));
    assertTrue(file.length < 200_000);
    MetadataException z = assertThrows(MetadataException.class, () -> ImageParameters.read(file));
    assertTrue(z.getMessage().contains("expands beyond 1 MiB"), z.getMessage());
    byte[] broken = png(text("tEXt", "parameters", A1111));
    broken[40] ^= 1; // inside the text chunk: its CRC no longer matches
    assertTrue(
        assertThrows(MetadataException.class, () -> ImageParameters.read(broken))
            .getMessage()
            .contains("damaged"));
  }

  @Test
  void malformedNumbersAreNamed() {
    MetadataException e =
        assertThrows(
            MetadataException.class,
            () ->
                ImageParameters.read(
                    png(
                        text(
                            "tEXt",
                            "parameters",
                            "x\nSteps: many, Sampler: Euler, CFG scale: 7"))));
    assertTrue(e.getMessage().contains("Steps 'many'"), e.getMessage());
    assertFalse(e.getMessage().contains("\n"));
  }

  private static ImageParameters a1111(String line) {
    return ImageParameters.read(png(text("tEXt", "parameters", "a cat\n" + line)));
  }

  @Test
  void ddimEtaIsReadAndWrittenAsA1111sEtaDdim() {
    ImageParameters p =
        a1111("Steps: 5, Sampler: DDIM, CFG scale: 3, Seed: 1, Size: 64x64, Eta DDIM: 0.5");
    assertEquals(0.5, p.recipe().eta());
    assertFalse(p.recipe().extras().containsKey("Eta DDIM"), "it is the recipe's eta now");
    assertTrue(p.notices().isEmpty(), p.notices().toString());
    var written = p.recipe().toParameters().extras();
    assertEquals("0.5", written.get("Eta DDIM"));
    assertFalse(written.containsKey("Eta"), "A1111 reads Eta as the ancestral samplers' eta");
  }

  @Test
  void anotherToolsEtaIsTheAncestralOneAndStepwisesOldEtaIsDdims() {
    ImageParameters other =
        a1111("Steps: 5, Sampler: Euler a, CFG scale: 3, Seed: 1, Size: 64x64, Eta: 0.67");
    assertEquals(0.0, other.recipe().eta());
    assertEquals("0.67", other.recipe().extras().get("Eta"));
    assertEquals(
        java.util.List.of(
            "The image's ancestral samplers ran with eta 0.67; Stepwise's run with 1, so the image"
                + " will differ."),
        other.notices());
    ImageParameters old =
        a1111(
            "Steps: 5, Sampler: DDIM, CFG scale: 3, Seed: 1, Size: 64x64, Eta: 0.3, Version:"
                + " Stepwise 0.1.0");
    assertEquals(0.3, old.recipe().eta(), "Stepwise 0.1 wrote DDIM's eta as Eta");
    assertTrue(old.notices().isEmpty(), old.notices().toString());
  }
}
