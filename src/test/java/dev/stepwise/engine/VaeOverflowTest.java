package dev.stepwise.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.stepwise.engine.pack.ModelPack;
import dev.stepwise.engine.weights.SafetensorsWriter;
import dev.stepwise.engine.weights.TensorSource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fp16 autoencoder overflow fallback (issue 21): a decode in half precision whose output is not
 * finite is done again in fp32 with A1111's notice. The engine computes in fp32 everywhere, so the
 * half decode is injected: the model's own decode with its output rounded to fp16, which turns
 * every value past 65504 into infinity, as a real half-precision decode of the stock SDXL
 * autoencoder does inside its layers. A crafted tiny SDXL autoencoder (its last convolution scaled
 * by 10^6) puts values there.
 */
class VaeOverflowTest {
  @TempDir Path tmp;

  /** The tiny SDXL pack with a decoder whose outputs reach millions: finite in fp32 only. */
  private Path loudPack() throws IOException {
    Path src = TestPacks.byName("tiny-sdxl");
    Path dst = tmp.resolve("loud-sdxl");
    try (var walk = Files.walk(src)) {
      for (Path p : (Iterable<Path>) walk::iterator) {
        Path target = dst.resolve(src.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else {
          Files.copy(p, target);
        }
      }
    }
    SafetensorsWriter w = new SafetensorsWriter();
    try (ModelPack pack = ModelPack.open(src);
        NDManager m = NDManager.newBaseManager()) {
      TensorSource vae = pack.vaeWeights();
      for (String n : vae.names()) {
        NDArray a = vae.load(n, m);
        float[] v = a.toFloatArray();
        if (n.startsWith("decoder.conv_out.")) {
          for (int i = 0; i < v.length; i++) {
            v[i] *= 1e6f;
          }
        }
        w.putF32(n, a.getShape().getShape(), v);
      }
    }
    w.write(dst.resolve("vae/diffusion_pytorch_model.safetensors"));
    return dst;
  }

  /** The injected half decode; records whether each output was finite. */
  private static VaeOverflow.Pass half(DiffusionModel m, List<Boolean> finite) {
    return z -> {
      try (NDArray x = m.vaes().active().decode(z)) { // [B, 3, H, W], fp32
        NDArray h = x.toType(DataType.FLOAT16, false).toType(DataType.FLOAT32, false);
        finite.add(VaeOverflow.finite(h));
        return h; // [B, 3, H, W], rounded through fp16
      }
    };
  }

  private static GenerationResult run(DiffusionModel m) {
    GenerationRequest r =
        GenerationRequest.builder()
            .prompt("a red heart emoji")
            .steps(2)
            .guidance(4)
            .seed(5)
            .previewMethod(PreviewMethod.OFF)
            .build();
    return new Pipeline(m).run(r, new GenerationListener() {}, new CancellationToken());
  }

  @Test
  void anOverflowingHalfDecodeIsDoneAgainInFp32WithANotice() throws IOException {
    try (DiffusionModel m = DiffusionModel.load(loudPack(), Device.cpu())) {
      GenerationResult fp32 = run(m);
      assertFalse(fp32.notices().contains(VaeOverflow.NOTICE), fp32.notices().toString());
      List<Boolean> finite = new ArrayList<>();
      m.vaes().halfPass(half(m, finite));
      GenerationResult redone = run(m);
      assertEquals(List.of(false), finite, "the half decode should have overflowed");
      assertTrue(redone.notices().contains(VaeOverflow.NOTICE), redone.notices().toString());
      assertArrayEquals(
          fp32.images().get(0).image().rgb(),
          redone.images().get(0).image().rgb(),
          "the fp32 redo should give the fp32 picture");
      assertTrue(m.vaes().takeDecodeNotices().isEmpty(), "notices are handed over once");
    }
  }

  @Test
  void aFiniteHalfDecodeIsKeptWithoutANotice() {
    try (DiffusionModel m = DiffusionModel.load(TestPacks.byName("tiny-sdxl"), Device.cpu())) {
      List<Boolean> finite = new ArrayList<>();
      m.vaes().halfPass(half(m, finite));
      GenerationResult r = run(m);
      assertEquals(List.of(true), finite);
      assertFalse(r.notices().contains(VaeOverflow.NOTICE), r.notices().toString());
    }
  }

  @Test
  void finiteMeansNoNanAndNoInfinity() {
    try (NDManager m = NDManager.newBaseManager()) {
      assertTrue(VaeOverflow.finite(m.create(new float[] {0f, -65504f, 1e30f})));
      assertFalse(VaeOverflow.finite(m.create(new float[] {0f, Float.NaN})));
      assertFalse(VaeOverflow.finite(m.create(new float[] {Float.POSITIVE_INFINITY, 1f})));
      assertFalse(VaeOverflow.finite(m.create(new float[] {1f, Float.NEGATIVE_INFINITY})));
    }
  }
}
