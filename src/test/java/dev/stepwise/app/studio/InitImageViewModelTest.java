package dev.stepwise.app.studio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stepwise.engine.ImageInput;
import dev.stepwise.engine.RgbImage;
import dev.stepwise.gallery.ImageParameters;
import dev.stepwise.gallery.Recipe;
import dev.stepwise.metadata.InfoText;
import dev.stepwise.metadata.PngImage;
import dev.stepwise.recipe.ImageSettings;
import dev.stepwise.recipe.MaskedContent;
import dev.stepwise.recipe.Outpaint;
import dev.stepwise.recipe.RecipeException;
import dev.stepwise.recipe.ResizeMode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The init image area's state: loading, the painted mask, the request's input and Reuse. */
class InitImageViewModelTest {
  @TempDir Path dir;

  static RgbImage gradient(int w, int h) {
    byte[] rgb = new byte[w * h * 3];
    for (int p = 0; p < w * h; p++) {
      rgb[p * 3] = (byte) (p % w * 4);
      rgb[p * 3 + 1] = (byte) (p / w * 4);
      rgb[p * 3 + 2] = (byte) 90;
    }
    return new RgbImage(w, h, rgb);
  }

  @Test
  void loadsAPngAndSaysWhyNotForABrokenFile() throws Exception {
    InitImageViewModel vm = new InitImageViewModel();
    RgbImage img = gradient(40, 24);
    Path png = dir.resolve("start.png");
    Files.write(png, PngImage.encode(40, 24, img.rgb(), Map.of()));
    assertNull(vm.load(png));
    assertEquals("start.png", vm.sourceProperty().get());
    assertTrue(java.util.Arrays.equals(img.rgb(), vm.imageProperty().get().rgb()));
    Path broken = dir.resolve("broken.png");
    Files.write(broken, java.util.Arrays.copyOf(Files.readAllBytes(png), 30));
    String problem = vm.load(broken);
    assertNotNull(problem);
    assertTrue(problem.endsWith(".") && problem.contains("broken.png"), problem);
    assertEquals("start.png", vm.sourceProperty().get(), "a failed load keeps the image");
  }

  @Test
  void theInputCarriesTheSettingsAndAMaskOnlyOncePainted() {
    InitImageViewModel vm = new InitImageViewModel();
    assertNull(vm.input(), "no init image: text to image");
    vm.set(gradient(32, 32), "test");
    vm.strengthProperty().set(0.4);
    vm.resizeProperty().set(ResizeMode.FIT);
    ImageInput plain = vm.input();
    assertNull(plain.mask(), "nothing painted: plain img2img");
    assertEquals(0.4, plain.settings().strength());
    assertEquals(ResizeMode.FIT, plain.settings().resize());
    assertNull(plain.settings().outpaint());

    vm.brushSizeProperty().set(6);
    vm.beginStroke(8, 8);
    vm.continueStroke(20, 8);
    vm.maskBlurProperty().set(4);
    vm.maskedContentProperty().set(MaskedContent.NOISE);
    vm.outpaintProperty(2).set(16);
    ImageInput masked = vm.input();
    assertEquals(0xffffff, masked.mask().rgbAt(14, 8));
    assertEquals(0, masked.mask().rgbAt(14, 20));
    assertEquals(
        new ImageSettings(0.4, ResizeMode.FIT, 4, MaskedContent.NOISE, new Outpaint(0, 0, 16, 0)),
        masked.settings());
    vm.invertMask();
    assertEquals(0, vm.input().mask().rgbAt(14, 8));
    assertTrue(vm.undoMask());
    assertTrue(vm.undoMask());
    assertNull(vm.input().mask(), "undoing the stroke leaves nothing painted");
  }

  @Test
  void refusedValuesAreTheRecipesSentences() {
    InitImageViewModel vm = new InitImageViewModel();
    vm.set(gradient(16, 16), "test");
    vm.strengthProperty().set(1.5);
    RecipeException e = assertThrows(RecipeException.class, vm::input);
    assertEquals("Denoising strength must be between 0 and 1, got 1.5.", e.getMessage());
    vm.strengthProperty().set(0.5);
    vm.maskBlurProperty().set(65);
    assertEquals(
        "Mask blur must be between 0 and 64 pixels, got 65.",
        assertThrows(RecipeException.class, vm::input).getMessage());
    assertEquals(
        "The mask is 8x16 but the init image is 16x16; give a mask of the init image's size.",
        vm.setMask(gradient(8, 16)));
  }

  @Test
  void theRequestCarriesTheSketchedPictureAndUndoFollowsTheBrush() {
    InitImageViewModel vm = new InitImageViewModel();
    RgbImage start = gradient(32, 32);
    vm.set(start, "test");
    vm.brushSizeProperty().set(4);
    vm.beginStroke(8, 8); // a mask stroke first
    vm.brush().sketchingProperty().set(true);
    vm.brush().colorProperty().set(0x3366cc);
    vm.beginStroke(4, 20);
    vm.continueStroke(28, 20);
    ImageInput in = vm.input();
    assertEquals(0x3366cc, in.image().rgbAt(16, 20));
    assertEquals(start.rgbAt(16, 4), in.image().rgbAt(16, 4));
    assertEquals(0xffffff, in.mask().rgbAt(8, 8), "the mask stroke stays");
    assertEquals(0, in.mask().rgbAt(16, 20), "the sketch stroke paints no mask");
    assertEquals(start.rgbAt(16, 20), vm.imageProperty().get().rgbAt(16, 20), "kept unpainted");
    assertTrue(vm.undo()); // the sketch stroke
    assertEquals(start.rgbAt(16, 20), vm.input().image().rgbAt(16, 20));
    assertNotNull(vm.input().mask());
    vm.brush().sketchingProperty().set(false);
    assertTrue(vm.undo()); // the mask stroke
    assertNull(vm.input().mask());
  }

  @Test
  void aSoftMaskBrushSendsItsGreys() {
    InitImageViewModel vm = new InitImageViewModel();
    vm.set(gradient(40, 40), "test");
    vm.brushSizeProperty().set(20);
    vm.brush().softProperty().set(4);
    vm.beginStroke(20.5, 20.5);
    assertEquals(0xffffff, vm.input().mask().rgbAt(20, 20));
    assertEquals(64 * 0x010101, vm.input().mask().rgbAt(29, 20), "255 / 4 at d = 9 of r 10");
  }

  @Test
  void aMaskOfAnotherSizeCanBeResizedToTheInitImage() {
    InitImageViewModel vm = new InitImageViewModel();
    vm.set(gradient(32, 16), "test");
    RgbImage small = new RgbImage(8, 4, new byte[8 * 4 * 3]);
    java.util.Arrays.fill(small.rgb(), (byte) 255);
    assertEquals(
        "The mask is 8x4 but the init image is 32x16; give a mask of the init image's size.",
        vm.setMask(small));
    assertNull(vm.input().mask(), "refused until resized");
    vm.resizeMask(small);
    assertEquals(32 * 16, vm.mask().count());
    assertEquals(0xffffff, vm.input().mask().rgbAt(31, 15));
  }

  @Test
  void aMaskFileReadsAsTheCliReadsIt() throws Exception {
    InitImageViewModel vm = new InitImageViewModel();
    byte[] rgb = new byte[16 * 8 * 3]; // white on the right half
    for (int p = 0; p < 16 * 8; p++) {
      if (p % 16 >= 8) {
        rgb[p * 3] = rgb[p * 3 + 1] = rgb[p * 3 + 2] = (byte) 255;
      }
    }
    Path png = dir.resolve("mask.png");
    Files.write(png, PngImage.encode(16, 8, rgb, Map.of()));
    assertEquals("Load an init image before its mask.", vm.loadMask(png));
    vm.set(gradient(16, 8), "test");
    assertNull(vm.loadMask(png));
    assertEquals(64, vm.mask().count());
    assertTrue(vm.mask().repaints(12, 3) && !vm.mask().repaints(3, 3));
    String missing = vm.loadMask(dir.resolve("none.png"));
    assertTrue(missing != null && missing.contains("none.png") && missing.endsWith("."), missing);
  }

  @Test
  void theSizeFollowsTheInitImageAndReuseTakesTheChoicesBack() {
    StudioViewModel studio = new StudioViewModel(new UiQueue(), Runnable::run, new Random(1));
    studio.useInitImage(gradient(203, 70), "result");
    assertEquals(
        List.of(200, 64),
        List.of(studio.controls().widthProperty().get(), studio.controls().heightProperty().get()),
        "the size controls follow the init image, rounded down to 8");
    studio.initImage().outpaintProperty(0).set(40); // grow the canvas on the left
    assertEquals(240, studio.controls().widthProperty().get(), "the size follows the canvas");
    assertEquals(
        MaskedContent.FILL,
        studio.initImage().maskedContentProperty().get(),
        "outpainting starts from fill, as the CLI's --outpaint");
    studio.initImage().outpaintProperty(0).set(0);
    String text =
        "p\nSteps: 20, Seed: 42, Size: 64x64, Denoising strength: 0.35, Mask blur: 3,"
            + " Masked content: fill, Resize mode: Just resize, Init image: 0123456789abcdef";
    Recipe r = ImageParameters.fromA1111(InfoText.parse(text), new ArrayList<>());
    List<String> notices = RecipeControls.apply(studio, r, true);
    assertTrue(notices.isEmpty(), notices.toString());
    InitImageViewModel init = studio.initImage();
    assertEquals(0.35, init.strengthProperty().get());
    assertEquals(3, init.maskBlurProperty().get());
    assertEquals(MaskedContent.FILL, init.maskedContentProperty().get());
    assertEquals(ResizeMode.STRETCH, init.resizeProperty().get());
    Recipe fromText =
        ImageParameters.fromA1111(
            InfoText.parse("p\nSteps: 20, Seed: 42, Size: 64x64"), new ArrayList<>());
    assertEquals(
        List.of("The init image was removed: this recipe starts from text."),
        RecipeControls.apply(studio, fromText, true));
    assertNull(init.imageProperty().get());
  }
}
