package dev.stepwise.engine.preview;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.stepwise.engine.TestPacks;
import dev.stepwise.engine.weights.SafetensorsFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalDouble;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The preview decoder against PyTorch (models/training/make_tiny_goldens.py, tiny_vae.py; contract
 * in docs/goldens.md "Preview decoder"): max|java - torch| / max|torch| <= 1e-3 in fp32, for every
 * layout TinyDecoder.load reads. The golden holds no weights: they are rebuilt from its seeds.
 * "taesd" is TAESD's own decoder (nearest, relu); "small" is bilinear by 3 with silu, a stage
 * without blocks, scaling_factor 0.5 and odd latent sizes; "gelu" covers gelu.
 */
class TinyDecoderGoldenTest {
  private static final double TOLERANCE = 1e-3;

  @TempDir Path tmp;

  private static void check(String what, float[] got, float[] want) {
    double e = TestPacks.relErr(got, want);
    assertTrue(e <= TOLERANCE, what + ": relative error " + e + " > " + TOLERANCE);
  }

  /** clamp(out / 2 + 0.5, 0, 1): what decodeToPixels must give for the golden's latents. */
  private static float[] pixels(float[] out) {
    float[] p = new float[out.length];
    for (int i = 0; i < out.length; i++) {
      p[i] = Math.min(1f, Math.max(0f, out[i] / 2 + 0.5f));
    }
    return p;
  }

  /**
   * Both entry points of {@code d} against config {@code name} of the golden; with {@code leaks},
   * also that repeated calls leave no array behind.
   */
  private static void checkDecoder(TinyDecoder d, SafetensorsFile g, String name, boolean leaks) {
    long[] shape = g.shape(name + ".latents"); // [1, L, h, w]
    float[] latents = g.readFloats(name + ".latents");
    float[] out = g.readFloats(name + ".out"); // [1, 3, h f, w f]
    assertEquals(shape[1], d.latentChannels(), name + " latent channels");
    assertEquals(
        Integer.parseInt(g.metadata().get(name + ".factor")), d.factor(), name + " factor");
    assertEquals(
        Long.parseLong(g.metadata().get(name + ".parameters")),
        d.parameterCount(),
        name + " parameters");
    int h = (int) shape[2];
    int w = (int) shape[3];
    int held = d.arraysHeld();
    check(
        name + " " + d.origin() + " decodeToPixels", d.decodeToPixels(latents, h, w), pixels(out));
    try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
      double sf = d.config().scalingFactor();
      NDArray z = m.create(latents, new Shape(shape)).div(sf); // [1, L, h, w], the decoder's units
      NDArray y = d.network().decode(z); // [1, 3, h f, w f]
      assertEquals(new Shape(g.shape(name + ".out")), y.getShape(), name + " output shape");
      check(name + " " + d.origin() + " decode", y.toFloatArray(), out);
      if (leaks) {
        int inJob = m.getManagedArrays().size();
        d.network().decode(z).close();
        assertEquals(inJob, m.getManagedArrays().size(), "decode leaked into the caller's manager");
      }
    }
    if (leaks) {
      d.decodeToPixels(latents, h, w);
      assertEquals(held, d.arraysHeld(), "decodeToPixels leaked into the decoder's manager");
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"taesd", "small", "gelu"})
  void diffusersFolderMatchesPyTorch(String name) {
    try (SafetensorsFile g = SafetensorsFile.open(TinyGolden.FILE)) {
      Path dir = TinyGolden.diffusersFolder(tmp.resolve("decoder-" + name), g, name, true);
      try (TinyDecoder d = TinyDecoder.load(dir, Device.cpu())) {
        checkDecoder(d, g, name, true);
        assertEquals("preview decoder " + dir, d.origin());
      }
      // The weights file of that folder, picked on its own, still reads its config.json.
      try (TinyDecoder d =
          TinyDecoder.load(dir.resolve("diffusion_pytorch_model.safetensors"), Device.cpu())) {
        checkDecoder(d, g, name, false);
      }
    }
  }

  @Test
  void taesdOriginalNamesAndLoneFilesMatchPyTorch() {
    try (SafetensorsFile g = SafetensorsFile.open(TinyGolden.FILE)) {
      // (b) a folder with taesd_decoder.safetensors (keys N.*, one higher than diffusers').
      Path folder = tmp.resolve("original");
      TinyGolden.original(g, "taesd").write(folder.resolve("taesd_decoder.safetensors"));
      TinyGolden.write(folder.resolve("README.md"), "not a weights file");
      try (TinyDecoder d = TinyDecoder.load(folder, Device.cpu())) {
        checkDecoder(d, g, "taesd", false);
        assertEquals("AutoencoderTiny, 1,222,531 parameters", d.description());
        assertEquals(OptionalDouble.of(0.18215), d.madeForScalingFactor(), "named taesd_decoder");
      }
      // (c) the file itself.
      try (TinyDecoder d =
          TinyDecoder.load(folder.resolve("taesd_decoder.safetensors"), Device.cpu())) {
        checkDecoder(d, g, "taesd", false);
      }
      // (c) a lone file with diffusers' keys and encoder tensors, no config: TAESD's defaults.
      Path lone = tmp.resolve("lone").resolve("my-decoder.safetensors");
      TinyGolden.diffusers(g, "taesd", true).write(lone);
      try (TinyDecoder d = TinyDecoder.load(lone, Device.cpu())) {
        checkDecoder(d, g, "taesd", false);
        assertEquals(OptionalDouble.empty(), d.madeForScalingFactor(), "no hint in my-decoder");
      }
    }
  }

  @Test
  void stepwiseConfigFieldGivesTheScalingFactorAndCheckFitsUsesIt() {
    try (SafetensorsFile g = SafetensorsFile.open(TinyGolden.FILE)) {
      // The folder is named taesdxl on purpose: the config's own field wins over the name.
      Path dir = TinyGolden.diffusersFolder(tmp.resolve("taesdxl"), g, "small", false);
      try (TinyDecoder d = TinyDecoder.load(dir, Device.cpu())) {
        assertEquals(OptionalDouble.of(0.18215), d.madeForScalingFactor());
        assertEquals(9, d.factor());
        d.checkFits(4, 0.18215, "SD 1.5");
        d.checkFits(4, 0.18216, "SD 1.5 (0.005% off)");
      }
    }
  }

  @Test
  void theGoldenIsSmallAndHoldsNoWeights() throws Exception {
    assertTrue(Files.size(TinyGolden.FILE) < 400_000, "golden size " + Files.size(TinyGolden.FILE));
    try (SafetensorsFile g = SafetensorsFile.open(TinyGolden.FILE)) {
      for (String n : g.names()) {
        assertTrue(n.endsWith(".latents") || n.endsWith(".out"), "unexpected tensor " + n);
      }
      assertEquals(6, g.names().size());
    }
  }
}
