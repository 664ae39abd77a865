"""configs/*.json: the shipped model's byte budget, f = 8, shapes that fit together."""

import json
import os
import unittest

from stepwise_train import config
from stepwise_train.init_utils import count_parameters, empty_init

CONFIGS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "configs")
BUDGET_BYTES = 24_000_000  # unet + vae + text encoder in fp16 (issue 3)


def load(name):
    with open(os.path.join(CONFIGS, name)) as f:
        return json.load(f)


def counts(cfg):
    with empty_init():
        return {"unet": count_parameters(config.build_unet(cfg["unet"])),
                "vae": count_parameters(config.build_vae(cfg["vae"])),
                "text_encoder": count_parameters(config.build_clip_text(cfg["text_encoder"]))}


class ConfigTest(unittest.TestCase):

    def check_shapes(self, cfg):
        vae, unet, text = cfg["vae"], cfg["unet"], cfg["text_encoder"]
        factor = 2 ** (len(vae["block_out_channels"]) - 1)
        self.assertEqual(factor, 8)
        self.assertEqual(vae["latent_channels"], 4)
        self.assertEqual(cfg["image_size"] // factor, unet["sample_size"])
        self.assertEqual(unet["sample_size"], 16)
        self.assertEqual(unet["in_channels"], vae["latent_channels"])
        self.assertEqual(unet["cross_attention_dim"], text["hidden_size"])
        self.assertIn("CrossAttnDownBlock2D", unet["down_block_types"])
        self.assertTrue(16 <= text["max_position_embeddings"] <= 24)
        self.assertEqual((text["bos_token_id"], text["eos_token_id"]), (2, 3))
        sched = cfg["scheduler"]
        self.assertEqual((sched["beta_schedule"], sched["beta_start"], sched["beta_end"]),
                         ("scaled_linear", 0.00085, 0.012))
        self.assertEqual((sched["num_train_timesteps"], sched["prediction_type"],
                          sched["steps_offset"], sched["clip_sample"]),
                         (1000, "epsilon", 1, False))
        self.assertEqual(cfg["train"]["diffusion"]["caption_dropout"], 0.1)

    def test_stepwise_emoji_fits_the_byte_budget(self):
        cfg = load("stepwise-emoji.json")
        self.check_shapes(cfg)
        n = counts(cfg)
        total = sum(n.values())
        print(f"\nstepwise-emoji.json parameters: {n}, total {total} = {2 * total} fp16 bytes")
        self.assertLessEqual(2 * total, BUDGET_BYTES)
        self.assertGreater(total, 8_000_000)  # the budget is used, not wasted
        self.assertTrue(128 <= cfg["text_encoder"]["hidden_size"] <= 256)

    def test_smoke_is_tiny(self):
        cfg = load("smoke.json")
        self.check_shapes(cfg)
        n = counts(cfg)
        print(f"\nsmoke.json parameters: {n}, total {sum(n.values())}")
        self.assertLess(sum(n.values()), 1_500_000)

    def test_same_vocabulary_size(self):
        self.assertEqual(load("smoke.json")["text_encoder"]["vocab_size"],
                         load("stepwise-emoji.json")["text_encoder"]["vocab_size"])


if __name__ == "__main__":
    unittest.main()
