package dev.stepwise.engine.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.stepwise.engine.TestPacks;
import dev.stepwise.engine.nn.FlopCounter;
import dev.stepwise.engine.nn.Parameters;
import dev.stepwise.engine.nn.RandomWeights;
import dev.stepwise.engine.unet.UNet2DConditionModel;
import dev.stepwise.engine.vae.AutoencoderKL;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The layer plans list the calls the networks make: their FLOPs equal FlopCounter's count over a
 * real pass of the tiny packs' UNets and decoders (odd sizes too, where downsamplers round up).
 */
class LayerPlanTest {
  @ParameterizedTest
  @CsvSource({"tiny-sd, 8", "tiny-sd, 5", "tiny-sd2, 8", "tiny-sd2, 7", "tiny-sd2, 3"})
  void plansCountWhatTheNetworksCount(String pack, int side) {
    ModelShape s = ModelShape.ofPack(pack, TestPacks.ROOT.resolve(pack));
    try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
      Parameters p = Parameters.random(RandomWeights.seeded(1), m);
      UNet2DConditionModel unet = new UNet2DConditionModel(s.unet(), p.prefix("unet"));
      FlopCounter.start();
      unet.forward(
          m.randomNormal(new Shape(2, s.unet().inChannels(), side, side)),
          m.full(new Shape(2), 500f),
          m.randomNormal(new Shape(2, s.tokens(), s.unet().crossAttentionDim())));
      assertEquals(FlopCounter.stop(), LayerPlan.unet(s.unet(), 2, side, side, s.tokens()).flops());
      AutoencoderKL vae = new AutoencoderKL(s.vae(), p.prefix("vae"));
      FlopCounter.start();
      vae.decode(m.randomNormal(new Shape(1, s.vae().latentChannels(), side, side)));
      assertEquals(FlopCounter.stop(), LayerPlan.vaeDecoder(s.vae(), 1, side, side).flops());
    }
  }

  @Test
  void sd15PlanHasItsKnownLayout() {
    ModelShape sd15 = ModelShape.sd15();
    LayerPlan unet = LayerPlan.unet(sd15.unet(), 2, 64, 64, 77);
    // 16 transformers (6 down, 1 mid, 9 up) of self- and cross-attention.
    assertEquals(32, unet.ops().stream().filter(o -> o.type() == LayerPlan.Type.ATTENTION).count());
    // 22 resnets (8 down, 2 mid, 12 up) of 2 convs, 14 shortcuts (2 down, all 12 up), 16 x 2
    // projections, 3 downsamplers, 3 upsamplers, conv_in, conv_out.
    assertEquals(
        22 * 2 + 14 + 32 + 3 + 3 + 2,
        unet.ops().stream().filter(o -> o.type() == LayerPlan.Type.CONV).count());
    assertEquals(423, unet.ops().size());
    assertEquals(
        unet.ops().size(), unet.distinct().values().stream().mapToInt(Integer::intValue).sum());
    LayerPlan vae = LayerPlan.vaeDecoder(sd15.vae(), 1, 64, 64);
    assertEquals("conv_out (512x512)", vae.ops().get(vae.ops().size() - 1).block());
  }
}
