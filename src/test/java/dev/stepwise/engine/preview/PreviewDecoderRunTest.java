package dev.stepwise.engine.preview;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import com.google.gson.JsonObject;
import dev.stepwise.engine.CancellationToken;
import dev.stepwise.engine.DiffusionModel;
import dev.stepwise.engine.GenerationListener;
import dev.stepwise.engine.GenerationRequest;
import dev.stepwise.engine.GenerationResult;
import dev.stepwise.engine.Pipeline;
import dev.stepwise.engine.PreviewMethod;
import dev.stepwise.engine.RgbImage;
import dev.stepwise.engine.StepEvent;
import dev.stepwise.engine.TestPacks;
import dev.stepwise.engine.weights.SafetensorsFile;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Preview decoders in a real run of the tiny-sd pack (4 latent channels, scaling_factor 0.5, 8x8
 * latents): a fitting one decodes every step, one made for other latents is refused with one
 * sentence naming both values and the run falls back to Auto with that sentence as a notice.
 */
class PreviewDecoderRunTest {
  @TempDir Path tmp;

  private static final class Recorder implements GenerationListener {
    final List<StepEvent> steps = new ArrayList<>();
    final List<String> notices = new ArrayList<>();

    @Override
    public void step(StepEvent e) {
      steps.add(e);
    }

    @Override
    public void notice(String sentence) {
      notices.add(sentence);
    }
  }

  private static GenerationRequest.Builder request() {
    return GenerationRequest.builder().prompt("a red heart emoji").steps(3).guidance(3).seed(11);
  }

  /** tiny-sd with vae_preview/ holding golden config {@code name}, made for {@code madeFor}. */
  private Path packWithDecoder(String name, double madeFor) {
    Path pack = TestPacks.copyOfTinySd(tmp.resolve("pack"));
    try (SafetensorsFile g = SafetensorsFile.open(TinyGolden.FILE)) {
      Path dir = TinyGolden.diffusersFolder(pack.resolve("vae_preview"), g, name, false);
      JsonObject cfg = TinyGolden.config(g, name);
      cfg.addProperty("stepwise_vae_scaling_factor", madeFor);
      TinyGolden.write(dir.resolve("config.json"), cfg.toString());
    }
    return pack;
  }

  @Test
  void aFittingPackDecoderPaintsEveryStepAtTheOutputSize() {
    Path pack = packWithDecoder("taesd", 0.5);
    try (DiffusionModel model = DiffusionModel.load(pack, Device.cpu())) {
      Recorder r = new Recorder();
      GenerationResult result =
          new Pipeline(model).run(request().build(), r, new CancellationToken());
      assertTrue(r.notices.isEmpty(), r.notices.toString());
      TinyDecoder tiny = model.previewDecoder(null, new ArrayList<>());
      int own = result.images().get(0).image().width();
      for (StepEvent e : r.steps.subList(0, 2)) {
        assertEquals(PreviewMethod.TINY, e.frames().madeBy(), "step " + e.step());
        float[] px = tiny.decodeToPixels(e.predictedImage().data(), 8, 8); // [3, 64, 64]
        int side = 8 * tiny.factor();
        RgbImage want = RgbImage.fromChw(px, side, side).scaledSmooth(own, own);
        assertArrayEquals(
            want.rgb(), e.preview().rgb(), "the x0 decoded by the preview decoder, upscaled");
      }
      assertTrue(r.steps.get(2).frames().isFinalImage());
    }
  }

  @Test
  void aPackDecoderForOtherLatentsIsRefusedAndTheRunFallsBack() {
    Path pack = packWithDecoder("taesd", 0.18215);
    try (DiffusionModel model = DiffusionModel.load(pack, Device.cpu())) {
      String notice = String.join(" ", model.notices());
      assertTrue(notice.contains("0.18215") && notice.contains("0.5"), notice);
      Recorder r = new Recorder();
      new Pipeline(model)
          .run(request().previewMethod(PreviewMethod.TINY).build(), r, new CancellationToken());
      assertEquals(1, r.notices.size(), r.notices.toString());
      assertEquals(
          PreviewMethod.FULL,
          r.steps.get(0).frames().madeBy(),
          "Auto without a decoder times a full decode");
    }
  }

  @Test
  void aUsersTaesdFileForAnotherModelIsRefusedWithBothScalings() {
    Path file = tmp.resolve("taesd_decoder.safetensors");
    try (SafetensorsFile g = SafetensorsFile.open(TinyGolden.FILE)) {
      TinyGolden.original(g, "taesd").write(file);
    }
    try (DiffusionModel model = DiffusionModel.load(TestPacks.tinySd(), Device.cpu())) {
      Recorder r = new Recorder();
      GenerationResult result =
          new Pipeline(model)
              .run(request().previewDecoder(file).build(), r, new CancellationToken());
      assertEquals(1, r.notices.size(), r.notices.toString());
      String s = r.notices.get(0);
      assertTrue(s.contains("0.18215") && s.contains("0.5") && s.endsWith("."), s);
      assertTrue(result.notices().contains(s));
      assertEquals(PreviewMethod.FULL, r.steps.get(0).frames().madeBy());
    }
  }

  @Test
  void aUsersFittingDecoderIsUsedInsteadOfNone() {
    Path dir = tmp.resolve("my-decoder");
    try (SafetensorsFile g = SafetensorsFile.open(TinyGolden.FILE)) {
      TinyGolden.diffusersFolder(dir, g, "small", false);
      JsonObject cfg = TinyGolden.config(g, "small");
      cfg.addProperty("stepwise_vae_scaling_factor", 0.5);
      TinyGolden.write(dir.resolve("config.json"), cfg.toString());
    }
    try (DiffusionModel model = DiffusionModel.load(TestPacks.tinySd(), Device.cpu())) {
      Recorder r = new Recorder();
      new Pipeline(model).run(request().previewDecoder(dir).build(), r, new CancellationToken());
      assertTrue(r.notices.isEmpty(), r.notices.toString());
      assertEquals(PreviewMethod.TINY, r.steps.get(0).frames().madeBy());
      assertEquals(r.steps.get(0).frames().width(), r.steps.get(0).preview().width());
    }
  }
}
