"""Caption variety and geometric jitter of the diffusion stage (stepwise_train/variety.py)."""

import unittest

import torch

from stepwise_train import variety as V
from stepwise_train.train_common import DatasetTokenizer, TrainError

WORDS = [",", "-", "apple", "dark", "flat", "fluent", "fruit", "medium", "red", "skin", "style",
         "tone", "twemoji"]
VOCAB = {"token_to_id": {t: i for i, t in enumerate(["<pad>", "<unk>", "<bos>", "<eos>"] + WORDS)},
         "name_forms": {"red apple": ["apple", "fruit"]}, "fixed_size": ["red apple"]}


def tokenizer():
    return DatasetTokenizer(VOCAB["token_to_id"], 12)


class CaptionTest(unittest.TestCase):
    def test_parts(self):
        self.assertEqual(V.caption_parts("thumbs up, medium-dark skin tone, fluent flat style"),
                         ("thumbs up", "medium-dark skin tone", "fluent flat style"))
        self.assertEqual(V.caption_parts("red apple, twemoji style"),
                         ("red apple", "", "twemoji style"))
        self.assertEqual(V.caption_parts("red apple"), ("red apple", "", ""))
        self.assertEqual(V.variant_text("a", "dark skin tone", "twemoji style", True, False),
                         "a, twemoji style")

    def test_table_holds_every_form_and_variant(self):
        tok = tokenizer()
        caps = ["red apple, dark skin tone, twemoji style", "fruit, fluent flat style"]
        ids, forms = V.caption_table(caps, VOCAB, tok)
        self.assertEqual(list(ids.shape), [2, 3, 4, 12])
        self.assertEqual(forms.tolist(), [3, 1])
        self.assertEqual(ids[0, 0, 0].tolist(), tok.encode(caps[0]))
        self.assertEqual(ids[0, 0, 1].tolist(), tok.encode("red apple, twemoji style"))
        self.assertEqual(ids[0, 0, 2].tolist(), tok.encode("red apple, dark skin tone"))
        self.assertEqual(ids[0, 0, 3].tolist(), tok.encode("red apple"))
        self.assertEqual(ids[0, 2, 3].tolist(), tok.encode("fruit"))
        self.assertEqual(ids[1, 1, 0].tolist(), tok.encode(""))  # padding form, never drawn
        self.assertNotIn(tok.unk_id, ids[0].flatten().tolist())

    def test_sampling_rates_and_determinism(self):
        tok = tokenizer()
        caps = ["red apple, dark skin tone, twemoji style"]
        ids, forms = V.caption_table(caps, VOCAB, tok)
        idx = torch.zeros(4000, dtype=torch.int64)
        self.assertTrue(torch.equal(V.sample_ids(ids, forms, idx, None),
                                    ids[0, 0, 0].expand(4000, -1)))
        cv = {"style_drop": 0.3, "tone_drop": 0.5, "name_form": 0.2}
        torch.manual_seed(1)
        a = V.sample_ids(ids, forms, idx, cv)  # [4000, L]
        torch.manual_seed(1)
        self.assertTrue(torch.equal(a, V.sample_ids(ids, forms, idx, cv)))  # seeded
        style = tok.vocab["twemoji"]
        tone = tok.vocab["skin"]
        own = tok.vocab["red"]
        no_style = float((~(a == style).any(1)).float().mean())
        no_tone = float((~(a == tone).any(1)).float().mean())
        other = float((~(a == own).any(1)).float().mean())
        self.assertAlmostEqual(no_style, 0.3, delta=0.04)
        self.assertAlmostEqual(no_tone, 0.5, delta=0.04)
        self.assertAlmostEqual(other, 0.2, delta=0.03)
        fruit = float((a == tok.vocab["fruit"]).any(1).float().mean())
        self.assertAlmostEqual(fruit, 0.1, delta=0.03)  # half of the other forms

    def test_settings_are_checked(self):
        with self.assertRaisesRegex(TrainError, "style_drop 1.5"):
            V.settings({"caption_variety": {"style_drop": 1.5}})
        with self.assertRaisesRegex(TrainError, "shift_px 3"):
            V.settings({"jitter": {"copies": 1, "shift_px": 3, "scale": 0.05}})
        with self.assertRaisesRegex(TrainError, "scale 0.1"):
            V.settings({"jitter": {"copies": 1, "shift_px": 2, "scale": 0.1}})
        self.assertEqual(V.settings({}), (None, None))


class JitterTest(unittest.TestCase):
    def test_identity_params_give_the_image(self):
        x = torch.rand(2, 3, 16, 16) * 2 - 1  # [2, 3, 16, 16]
        theta = V.jitter_params(2, 1, 2, 0.05, 16, [True, True], 0)[:, 0]  # [2, 2, 3]
        self.assertTrue(torch.allclose(V.apply_jitter(x, theta), x, atol=1e-6))

    def test_whole_pixel_shift_moves_content(self):
        x = -torch.ones(1, 3, 16, 16)  # black
        x[..., 4:8, 4:8] = 0.5
        theta = torch.tensor([[[1.0, 0, -2 * 2 / 16], [0, 1.0, -1 * 2 / 16]]])  # +2 px x, +1 px y
        y = V.apply_jitter(x, theta)  # [1, 3, 16, 16]
        self.assertTrue(torch.allclose(y[..., 5:9, 6:10], torch.full((1, 3, 4, 4), 0.5), atol=1e-5))
        self.assertTrue(torch.allclose(y[..., 0, :], torch.ones(1, 3, 16), atol=1e-5))  # white fill

    def test_params_within_limits_and_seeded(self):
        a = V.jitter_params(50, 2, 2, 0.05, 128, [False] * 49 + [True], 7)  # [50, 2, 2, 3]
        self.assertTrue(torch.equal(a, V.jitter_params(50, 2, 2, 0.05, 128, [False] * 49 + [True], 7)))
        scale = 1 / a[..., 0, 0]  # [50, 2]
        self.assertTrue(bool(((scale - 1).abs() <= 0.05 + 1e-6).all()))
        shift_px = (a[..., :, 2] * scale[..., None]).abs() * 128 / 2  # [50, 2, 2]
        self.assertTrue(bool((shift_px <= 2 + 1e-4).all()))
        self.assertGreater(float(shift_px.max()), 1.5)
        self.assertTrue(torch.equal(a[49], torch.tensor([[[1.0, 0, 0], [0, 1.0, 0]]] * 2)))
        self.assertEqual(V.fixed_size_mask(["red apple, twemoji style", "x, twemoji style"], VOCAB),
                         [True, False])


if __name__ == "__main__":
    unittest.main()
