"""SDXL base's published configs built on the meta device: names, shapes and counts.

The configs are the unet/config.json and text_encoder{,_2}/config.json fields of
stabilityai/stable-diffusion-xl-base-1.0 that differ from the defaults. Known figures: UNet
2,567,463,684, CLIP ViT-L text 123,060,480, OpenCLIP ViT-bigG text with projection 694,659,840,
VAE 83,653,863 (SD's autoencoder; only its scaling factor differs).
"""

import unittest

import torch

from stepwise_train import config
from stepwise_train.init_utils import count_parameters, empty_init

SDXL_UNET = {
    "addition_embed_type": "text_time", "addition_time_embed_dim": 256,
    "attention_head_dim": [5, 10, 20], "block_out_channels": [320, 640, 1280],
    "cross_attention_dim": 2048,
    "down_block_types": ["DownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D"],
    "up_block_types": ["CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "UpBlock2D"],
    "projection_class_embeddings_input_dim": 2816, "sample_size": 128,
    "transformer_layers_per_block": [1, 2, 10], "use_linear_projection": True,
}
# stabilityai/stable-diffusion-xl-refiner-1.0's UNet (sd_xl_refiner.yaml: model_channels 384,
# channel_mult [1, 2, 4, 4], transformer depth 4, context 1280, adm_in_channels 2560).
SDXL_REFINER_UNET = {
    "addition_embed_type": "text_time", "addition_time_embed_dim": 256,
    "attention_head_dim": [6, 12, 24, 24], "block_out_channels": [384, 768, 1536, 1536],
    "cross_attention_dim": 1280,
    "down_block_types": ["DownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D",
                         "DownBlock2D"],
    "up_block_types": ["UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "UpBlock2D"],
    "projection_class_embeddings_input_dim": 2560, "sample_size": 128,
    "transformer_layers_per_block": 4, "use_linear_projection": True,
}
# stabilityai/stable-diffusion-xl-base-1.0's vae/config.json: SD's autoencoder with another
# scaling factor (and force_upcast, the fp16 overflow); FullSizeArchitectureTest counts the same.
SDXL_VAE = {
    "block_out_channels": [128, 256, 512, 512], "layers_per_block": 2, "latent_channels": 4,
    "norm_num_groups": 32, "sample_size": 1024, "scaling_factor": 0.13025,
    "down_block_types": ["DownEncoderBlock2D"] * 4, "up_block_types": ["UpDecoderBlock2D"] * 4,
}
SDXL_TEXT_2 = {"hidden_size": 1280, "intermediate_size": 5120, "num_attention_heads": 20,
               "num_hidden_layers": 32, "hidden_act": "gelu", "projection_dim": 1280}


def _shapes(builder, cfg):
    with empty_init():
        module = builder(cfg)
    return module, {k: list(v.shape) for k, v in module.state_dict().items()}


class SdxlArchitectureTest(unittest.TestCase):

    def test_refiner_unet_count_and_added_embedding(self):
        unet, s = _shapes(config.build_unet, SDXL_REFINER_UNET)
        self.assertEqual(count_parameters(unet), 2_259_526_660)  # SdxlRefinerFullSizeTest
        self.assertEqual(s["add_embedding.linear_1.weight"], [1536, 2560])  # 1280 + 5 x 256
        self.assertIn("mid_block.attentions.0.transformer_blocks.3.norm1.weight", s)
        self.assertNotIn("down_blocks.3.attentions.0.norm.weight", s)

    def test_unet_count_names_and_depths(self):
        unet, s = _shapes(config.build_unet, SDXL_UNET)
        self.assertEqual(count_parameters(unet), 2_567_463_684)
        self.assertEqual(s["add_embedding.linear_1.weight"], [1280, 2816])
        self.assertEqual(s["add_embedding.linear_2.weight"], [1280, 1280])
        self.assertNotIn("down_blocks.0.attentions.0.norm.weight", s)
        self.assertIn("down_blocks.1.attentions.1.transformer_blocks.1.attn2.to_k.weight", s)
        self.assertNotIn("down_blocks.1.attentions.1.transformer_blocks.2.norm1.weight", s)
        self.assertIn("down_blocks.2.attentions.1.transformer_blocks.9.ff.net.2.bias", s)
        self.assertIn("mid_block.attentions.0.transformer_blocks.9.norm3.weight", s)
        self.assertIn("up_blocks.0.attentions.2.transformer_blocks.9.norm3.weight", s)
        self.assertNotIn("up_blocks.2.attentions.0.norm.weight", s)
        self.assertEqual(s["down_blocks.2.attentions.0.transformer_blocks.0.attn2.to_k.weight"],
                         [1280, 2048])
        self.assertEqual(s["down_blocks.1.attentions.0.proj_in.weight"], [640, 640])

    def test_vae_count(self):
        vae, s = _shapes(config.build_vae, SDXL_VAE)
        self.assertEqual(count_parameters(vae), 83_653_863)
        self.assertEqual(s["decoder.up_blocks.3.resnets.2.conv2.weight"], [128, 128, 3, 3])

    def test_text_encoder_2_count_and_projection(self):
        text, s = _shapes(config.build_clip_text_with_projection, SDXL_TEXT_2)
        self.assertEqual(count_parameters(text), 694_659_840)
        self.assertEqual(s["text_projection.weight"], [1280, 1280])
        self.assertIn("text_model.encoder.layers.31.mlp.fc2.bias", s)

    def test_aug_embed_needs_added_cond(self):
        cfg = dict(SDXL_UNET, block_out_channels=[8, 16], attention_head_dim=[2, 2],
                   down_block_types=["DownBlock2D", "CrossAttnDownBlock2D"],
                   up_block_types=["CrossAttnUpBlock2D", "UpBlock2D"], norm_num_groups=4,
                   cross_attention_dim=12, transformer_layers_per_block=[1, 2],
                   addition_time_embed_dim=4, projection_class_embeddings_input_dim=6 + 24)
        torch.manual_seed(0)
        unet = config.build_unet(cfg).eval()
        x = torch.randn(1, 4, 8, 8)
        ctx = torch.randn(1, 5, 12)
        with self.assertRaises(ValueError):
            unet(x, 10.0, ctx)
        cond = {"text_embeds": torch.randn(1, 6), "time_ids": torch.tensor([[8., 8, 0, 0, 8, 8]])}
        a = unet(x, 10.0, ctx, added_cond=cond)
        cond2 = dict(cond, time_ids=torch.tensor([[8., 8, 1, 0, 8, 8]]))
        b = unet(x, 10.0, ctx, added_cond=cond2)
        self.assertEqual(list(a.shape), [1, 4, 8, 8])
        self.assertFalse(torch.allclose(a, b))  # the time ids change the output


if __name__ == "__main__":
    unittest.main()
