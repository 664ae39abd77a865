"""Full-size configs built on the meta device: diffusers/transformers names, shapes, counts."""

import unittest

import torch

from stepwise_train import config
from stepwise_train.init_utils import count_parameters, empty_init

SD15_UNET = {"cross_attention_dim": 768, "sample_size": 64}  # other fields are the defaults
SD2_UNET = {"cross_attention_dim": 1024, "attention_head_dim": [5, 10, 20, 20],
            "use_linear_projection": True, "sample_size": 96, "upcast_attention": True}
SD_VAE = {"block_out_channels": [128, 256, 512, 512], "layers_per_block": 2,
          "down_block_types": ["DownEncoderBlock2D"] * 4,
          "up_block_types": ["UpDecoderBlock2D"] * 4, "sample_size": 512}
CLIP_L = {"hidden_size": 768, "intermediate_size": 3072, "num_attention_heads": 12,
          "num_hidden_layers": 12, "projection_dim": 768}


def _shapes(cfg_builder, cfg):
    with empty_init():
        module = cfg_builder(cfg)
    return module, {k: list(v.shape) for k, v in module.state_dict().items()}


class Sd15UnetTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.unet, cls.shapes = _shapes(config.build_unet, SD15_UNET)

    def test_parameter_count_is_diffusers_figure(self):
        self.assertEqual(count_parameters(self.unet), 859_520_964)
        self.assertEqual(len(self.shapes), 686)

    def test_section_1_3_names_and_shapes(self):
        s = self.shapes
        self.assertEqual(s["conv_in.weight"], [320, 4, 3, 3])
        self.assertEqual(s["time_embedding.linear_1.weight"], [1280, 320])
        self.assertEqual(s["time_embedding.linear_2.weight"], [1280, 1280])
        self.assertEqual(s["down_blocks.1.resnets.0.conv_shortcut.weight"], [640, 320, 1, 1])
        self.assertEqual(s["down_blocks.2.resnets.0.conv_shortcut.weight"], [1280, 640, 1, 1])
        self.assertNotIn("down_blocks.0.resnets.0.conv_shortcut.weight", s)
        a = "down_blocks.0.attentions.1."
        self.assertEqual(s[a + "proj_in.weight"], [320, 320, 1, 1])
        self.assertEqual(s[a + "transformer_blocks.0.attn1.to_q.weight"], [320, 320])
        self.assertNotIn(a + "transformer_blocks.0.attn1.to_q.bias", s)
        self.assertEqual(s[a + "transformer_blocks.0.attn2.to_k.weight"], [320, 768])
        self.assertEqual(s[a + "transformer_blocks.0.attn2.to_out.0.bias"], [320])
        self.assertEqual(s[a + "transformer_blocks.0.ff.net.0.proj.weight"], [2560, 320])
        self.assertEqual(s[a + "transformer_blocks.0.ff.net.2.weight"], [320, 1280])
        self.assertEqual(s[a + "transformer_blocks.0.norm3.weight"], [320])
        for b in range(3):
            self.assertIn(f"down_blocks.{b}.downsamplers.0.conv.weight", s)
        self.assertNotIn("down_blocks.3.downsamplers.0.conv.weight", s)
        self.assertNotIn("down_blocks.3.attentions.0.norm.weight", s)
        self.assertIn("mid_block.attentions.0.proj_out.weight", s)
        self.assertIn("mid_block.resnets.1.conv2.weight", s)
        ins = {0: [2560, 2560, 2560], 1: [2560, 2560, 1920], 2: [1920, 1280, 960],
               3: [960, 640, 640]}
        outs = {0: 1280, 1: 1280, 2: 640, 3: 320}
        for b, chans in ins.items():
            for j, cin in enumerate(chans):
                self.assertEqual(s[f"up_blocks.{b}.resnets.{j}.conv1.weight"],
                                 [outs[b], cin, 3, 3])
                self.assertEqual(s[f"up_blocks.{b}.resnets.{j}.conv_shortcut.weight"],
                                 [outs[b], cin, 1, 1])
        for b in range(3):
            self.assertIn(f"up_blocks.{b}.upsamplers.0.conv.weight", s)
        self.assertNotIn("up_blocks.3.upsamplers.0.conv.weight", s)
        self.assertNotIn("up_blocks.0.attentions.0.norm.weight", s)
        self.assertIn("up_blocks.3.attentions.2.norm.weight", s)
        self.assertEqual(s["conv_out.weight"], [4, 320, 3, 3])

    def test_eight_heads_of_40_80_160(self):
        dims = [self.unet.down_blocks[i].attentions[0].transformer_blocks[0].attn1
                for i in range(3)]
        self.assertEqual([a.heads for a in dims], [8, 8, 8])
        self.assertEqual([a.to_q.out_features // a.heads for a in dims], [40, 80, 160])


class Sd2UnetTest(unittest.TestCase):

    def test_linear_projection_and_head_list(self):
        unet, s = _shapes(config.build_unet, SD2_UNET)
        self.assertEqual(s["down_blocks.0.attentions.0.proj_in.weight"], [320, 320])
        self.assertEqual(s["up_blocks.3.attentions.0.proj_out.weight"], [320, 320])
        self.assertEqual(s["down_blocks.1.attentions.0.transformer_blocks.0.attn2.to_v.weight"],
                         [640, 1024])
        attn = unet.up_blocks[1].attentions[0].transformer_blocks[0].attn1  # reversed heads: 20
        self.assertEqual((attn.heads, attn.to_q.out_features // attn.heads), (20, 64))
        self.assertTrue(attn.upcast_attention)
        self.assertEqual(count_parameters(unet), 865_910_724)


class VaeTest(unittest.TestCase):

    def test_sd_vae_count_and_names(self):
        vae, s = _shapes(config.build_vae, SD_VAE)
        self.assertEqual(count_parameters(vae), 83_653_863)
        self.assertEqual(s["quant_conv.weight"], [8, 8, 1, 1])
        self.assertEqual(s["post_quant_conv.weight"], [4, 4, 1, 1])
        self.assertEqual(s["encoder.conv_out.weight"], [8, 512, 3, 3])
        self.assertEqual(s["encoder.down_blocks.1.resnets.0.conv_shortcut.weight"],
                         [256, 128, 1, 1])
        self.assertIn("encoder.down_blocks.2.downsamplers.0.conv.weight", s)
        self.assertNotIn("encoder.down_blocks.3.downsamplers.0.conv.weight", s)
        for n in ("group_norm", "to_q", "to_k", "to_v", "to_out.0"):
            self.assertIn(f"decoder.mid_block.attentions.0.{n}.bias", s)
        self.assertEqual(s["decoder.mid_block.attentions.0.to_q.weight"], [512, 512])
        self.assertEqual(s["decoder.up_blocks.2.resnets.0.conv_shortcut.weight"],
                         [256, 512, 1, 1])
        self.assertEqual(s["decoder.up_blocks.3.resnets.2.conv2.weight"], [128, 128, 3, 3])
        self.assertNotIn("decoder.up_blocks.3.upsamplers.0.conv.weight", s)
        self.assertEqual(s["decoder.conv_out.weight"], [3, 128, 3, 3])


class ClipTest(unittest.TestCase):

    def test_vit_l_text_count_and_names(self):
        clip, s = _shapes(config.build_clip_text, CLIP_L)
        self.assertEqual(count_parameters(clip), 123_060_480)
        self.assertEqual(s["text_model.embeddings.token_embedding.weight"], [49408, 768])
        self.assertEqual(s["text_model.embeddings.position_embedding.weight"], [77, 768])
        self.assertEqual(s["text_model.encoder.layers.11.mlp.fc1.weight"], [3072, 768])
        self.assertEqual(s["text_model.encoder.layers.0.self_attn.q_proj.bias"], [768])
        self.assertIn("text_model.final_layer_norm.weight", s)
        self.assertNotIn("text_model.embeddings.position_ids", s)


class ConfigTest(unittest.TestCase):

    def test_unsupported_features_are_rejected(self):
        for field, value in (("class_embed_type", "timestep"), ("num_attention_heads", 8),
                             ("addition_embed_type", "text_image"), ("conv_in_kernel", 1)):
            with self.assertRaises(ValueError) as ctx:
                config.unet_config({field: value})
            self.assertIn(field, str(ctx.exception))

    def test_mismatched_lists_are_rejected(self):
        with self.assertRaises(ValueError):
            config.build_unet({"block_out_channels": [32, 64], "norm_num_groups": 8,
                               "cross_attention_dim": 8})
        with self.assertRaises(ValueError):
            config.build_unet({"block_out_channels": [32, 64], "attention_head_dim": [2, 2, 2],
                               "down_block_types": ["CrossAttnDownBlock2D", "DownBlock2D"],
                               "up_block_types": ["UpBlock2D", "CrossAttnUpBlock2D"],
                               "norm_num_groups": 8, "cross_attention_dim": 8})

    def test_json_round_trip_keeps_every_field(self):
        j = config.unet_json({"block_out_channels": [32, 64], "sample_size": 8})
        self.assertEqual(j["_class_name"], "UNet2DConditionModel")
        self.assertEqual(set(j) - {"_class_name"}, set(config.UNET_DEFAULTS))
        self.assertEqual(config.unet_config(j)["block_out_channels"], [32, 64])
        self.assertEqual(config.clip_text_json({})["architectures"], ["CLIPTextModel"])


class OddSizeTest(unittest.TestCase):

    def test_forward_upsample_size_restores_odd_shapes(self):
        torch.manual_seed(0)
        unet = config.build_unet({
            "block_out_channels": [8, 16, 16], "layers_per_block": 1, "norm_num_groups": 4,
            "attention_head_dim": 2, "cross_attention_dim": 8,
            "down_block_types": ["CrossAttnDownBlock2D", "DownBlock2D", "DownBlock2D"],
            "up_block_types": ["UpBlock2D", "UpBlock2D", "CrossAttnUpBlock2D"]}).eval()
        with torch.no_grad():
            for h, w in ((9, 7), (5, 11), (8, 8)):
                out = unet(torch.randn(1, 4, h, w), 10, torch.randn(1, 3, 8))
                self.assertEqual(list(out.shape), [1, 4, h, w])


if __name__ == "__main__":
    unittest.main()
