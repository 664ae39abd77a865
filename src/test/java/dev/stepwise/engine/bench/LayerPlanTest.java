package dev.stepwise.engine.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.stepwise.engine.TestPacks;
import dev.stepwise.engine.nn.FlopCounter;
import dev.stepwise.engine.nn.Parameters;
import dev.stepwise.engine.nn.RandomWeights;
import dev.stepwise.engine.unet.UNet2DConditionModel;
import dev.stepwise.engine.vae.AutoencoderKL;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The layer plans list the calls the networks make: their FLOPs, counted per call, equal what
 * FlopCounter counts over a real forward pass of the tiny packs' UNets and decoders (odd sizes
 * included, where the downsamplers round up).
 */
class LayerPlanTest {
  @ParameterizedTest
  @CsvSource({"tiny-sd, 8", "tiny-sd, 5", "tiny-sd2, 8", "tiny-sd2, 7"})
  void unetPlanCountsWhatTheUNetCounts(String pack, int side) {
    ModelShape shape = ModelShape.ofPack(pack, TestPacks.ROOT.resolve(pack));
    LayerPlan plan = LayerPlan.unet(shape.unet(), 2, side, side, shape.tokens());
    long counted;
    try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
      UNet2DConditionModel unet =
          new UNet2DConditionModel(shape.unet(), Parameters.random(RandomWeights.seeded(1), m));
      NDArray x = m.randomNormal(new Shape(2, shape.unet().inChannels(), side, side));
      NDArray ctx = m.randomNormal(new Shape(2, shape.tokens(), shape.unet().crossAttentionDim()));
      FlopCounter.start();
      unet.forward(x, m.full(new Shape(2), 500f), ctx);
      counted = FlopCounter.stop();
    }
    assertTrue(counted > 0);
    assertEquals(counted, plan.flops(), pack + " at " + side);
    Map<LayerPlan.Op, Integer> distinct = plan.distinct();
    assertEquals(plan.ops().size(), distinct.values().stream().mapToInt(Integer::intValue).sum());
    assertTrue(distinct.size() < plan.ops().size(), "repeated shapes are timed once");
  }

  @ParameterizedTest
  @CsvSource({"tiny-sd, 8", "tiny-sd2, 6", "tiny-sd2, 3"})
  void decoderPlanCountsWhatTheDecoderCounts(String pack, int side) {
    ModelShape shape = ModelShape.ofPack(pack, TestPacks.ROOT.resolve(pack));
    LayerPlan plan = LayerPlan.vaeDecoder(shape.vae(), 1, side, side);
    long counted;
    try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
      AutoencoderKL vae =
          new AutoencoderKL(shape.vae(), Parameters.random(RandomWeights.seeded(1), m));
      NDArray z = m.randomNormal(new Shape(1, shape.vae().latentChannels(), side, side));
      FlopCounter.start();
      vae.decode(z);
      counted = FlopCounter.stop();
    }
    assertEquals(counted, plan.flops(), pack + " at " + side);
    assertTrue(plan.ops().get(plan.ops().size() - 1).block().startsWith("conv_out ("));
  }

  @org.junit.jupiter.api.Test
  void sd15PlanHasItsKnownLayout() {
    ModelShape sd15 = ModelShape.sd15();
    LayerPlan unet = LayerPlan.unet(sd15.unet(), 2, 64, 64, 77);
    long convs = unet.ops().stream().filter(o -> o.type() == LayerPlan.Type.CONV).count();
    long attentions = unet.ops().stream().filter(o -> o.type() == LayerPlan.Type.ATTENTION).count();
    // 16 transformers (6 down, 1 mid, 9 up) of self- and cross-attention.
    assertEquals(32, attentions);
    // 22 resnets (8 down, 2 mid, 12 up) of 2 convs, 14 shortcuts (2 down, every up resnet's
    // concatenated input), 16 x 2 projections, 3 downsamplers, 3 upsamplers, conv_in, conv_out.
    assertEquals(22 * 2 + 14 + 32 + 3 + 3 + 2, convs);
    LayerPlan vae = LayerPlan.vaeDecoder(sd15.vae(), 1, 64, 64);
    assertEquals("conv_out (512x512)", vae.ops().get(vae.ops().size() - 1).block());
  }
}
