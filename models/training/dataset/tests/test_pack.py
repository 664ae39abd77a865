import struct
import tempfile
import unittest
from pathlib import Path

import numpy as np

import pack

STYLES = ("twemoji", "fluent-flat", "fluent-modern")


def make_records(names=6, tones=True):
    records = []
    for n in range(names):
        for style in STYLES:
            words = {"twemoji": "twemoji", "fluent-flat": "fluent flat", "fluent-modern": "fluent modern"}[style]
            records.append({"caption": "thing %d, %s style" % (n, words), "name": "thing %d" % n,
                            "style": style, "skin_tone": "", "category": "objects",
                            "codepoints": "%04x" % (0x1F300 + n), "file": "x.png"})
            if tones:
                records.append({"caption": "thing %d, dark skin tone, %s style" % (n, words),
                                "name": "thing %d" % n, "style": style, "skin_tone": "dark skin tone",
                                "category": "objects", "codepoints": "%04x-1f3ff" % (0x1F300 + n),
                                "file": "x.png"})
    return records


def make_images(count, pixels, seed=0):
    rng = np.random.default_rng(seed)
    images = []
    for i in range(count):
        image = np.full((pixels, pixels, 3), 255, np.uint8)  # [P, P, 3] white
        # a random patch of noise so encodings differ in size and round trips are not trivial
        s = 4 + (i * 7) % (pixels - 4)
        image[:s, :s] = rng.integers(0, 256, (s, s, 3), dtype=np.uint8)
        images.append(image)
    return images


class RoundTripTest(unittest.TestCase):
    def test_lossless_round_trip_both_encodings(self):
        records = make_records(names=3)
        images = make_images(len(records), 32)
        for encoding in pack.ENCODINGS:
            with tempfile.TemporaryDirectory() as tmp:
                out = Path(tmp) / "p.swpack"
                summary = pack.pack(records, [lambda a=a: a for a in images], out, 10 << 20, encoding, 32,
                                    vocab={"words": ["a"]}, eval_captions=["thing 1, twemoji style"],
                                    attribution="licence text")
                self.assertEqual(summary["images"], len(records))
                self.assertEqual(summary["bytes"], out.stat().st_size)
                loaded = pack.load(out)
                self.assertEqual(len(loaded), len(records))
                self.assertEqual(loaded.captions, [r["caption"] for r in records])
                self.assertEqual(loaded.vocab, {"words": ["a"]})
                self.assertEqual(loaded.eval_captions, ["thing 1, twemoji style"])
                self.assertEqual(loaded.attribution, "licence text")
                stacked = loaded.images()
                self.assertEqual(stacked.shape, (len(records), 32, 32, 3))
                np.testing.assert_array_equal(stacked, np.stack(images))


class BudgetTest(unittest.TestCase):
    def setUp(self):
        self.records = make_records(names=6)
        self.images = make_images(len(self.records), 32, seed=1)
        self.getters = [lambda a=a: a for a in self.images]
        self.tmp = tempfile.TemporaryDirectory()
        self.out = Path(self.tmp.name) / "p.swpack"

    def tearDown(self):
        self.tmp.cleanup()

    def full_size(self):
        pack.pack(self.records, self.getters, self.out, 10 << 20, "png", 32)
        return self.out.stat().st_size

    def test_subset_keeps_every_name_and_eval_images(self):
        full = self.full_size()
        budget = int(full * 0.6)
        evals = ["thing 5, dark skin tone, fluent modern style"]
        summary = pack.pack(self.records, self.getters, self.out, budget, "png", 32, eval_captions=evals)
        size = self.out.stat().st_size
        self.assertLessEqual(size, budget)
        self.assertLess(summary["images"], len(self.records))
        loaded = pack.load(self.out)
        self.assertEqual(set(r["name"] for r in loaded.records), set(r["name"] for r in self.records))
        self.assertIn(evals[0], loaded.captions)
        by_caption = {r["caption"]: i for i, r in enumerate(self.records)}
        for i, caption in enumerate(loaded.captions):
            np.testing.assert_array_equal(loaded.image(i), self.images[by_caption[caption]])
        # base images rank above skin-tone images in the fill order
        packed_tones = sum(1 for r in loaded.records if r["skin_tone"])
        packed_bases = sum(1 for r in loaded.records if not r["skin_tone"])
        self.assertGreaterEqual(packed_bases, packed_tones)

    def test_budget_too_small_for_one_image_per_name(self):
        with self.assertRaises(pack.PackError) as caught:
            pack.pack(self.records, self.getters, self.out, 4000, "png", 32)
        self.assertIn("one image per name", str(caught.exception))

    def test_tier_one_rotates_styles(self):
        tiers = pack.priority_tiers(self.records, set())
        self.assertEqual(tiers[0], [])
        styles = [self.records[i]["style"] for i in tiers[1]]
        self.assertEqual(styles, list(STYLES) * 2)
        self.assertTrue(all(not self.records[i]["skin_tone"] for i in tiers[1]))
        self.assertTrue(all(self.records[i]["skin_tone"] for i in tiers[3]))
        every = sorted(i for tier in tiers for i in tier)
        self.assertEqual(every, list(range(len(self.records))))


class CorruptFileTest(unittest.TestCase):
    def write_pack(self, tmp):
        records = make_records(names=1, tones=False)
        out = Path(tmp) / "p.swpack"
        pack.pack(records, [lambda a=a: a for a in make_images(len(records), 16)], out, 1 << 20, "png", 16)
        return out

    def test_bad_magic(self):
        with tempfile.TemporaryDirectory() as tmp:
            out = self.write_pack(tmp)
            data = bytearray(out.read_bytes())
            data[0:8] = b"NOTAPACK"
            out.write_bytes(bytes(data))
            with self.assertRaises(pack.PackError):
                pack.load(out)

    def test_truncated_images(self):
        with tempfile.TemporaryDirectory() as tmp:
            out = self.write_pack(tmp)
            data = out.read_bytes()
            out.write_bytes(data[:-20])
            with self.assertRaises(pack.PackError):
                pack.load(out)

    def test_header_length_past_end(self):
        with tempfile.TemporaryDirectory() as tmp:
            out = self.write_pack(tmp)
            data = bytearray(out.read_bytes())
            data[8:12] = struct.pack("<I", len(data) * 2)
            out.write_bytes(bytes(data))
            with self.assertRaises(pack.PackError):
                pack.load(out)

    def test_header_not_compressed_json(self):
        with tempfile.TemporaryDirectory() as tmp:
            out = self.write_pack(tmp)
            data = bytearray(out.read_bytes())
            data[12:16] = b"junk"
            out.write_bytes(bytes(data))
            with self.assertRaises(pack.PackError):
                pack.load(out)

    def test_garbage_image_bytes(self):
        with tempfile.TemporaryDirectory() as tmp:
            out = self.write_pack(tmp)
            data = bytearray(out.read_bytes())
            data[-40:] = b"\x00" * 40
            out.write_bytes(bytes(data))
            with self.assertRaises(pack.PackError):
                pack.load(out).images()


if __name__ == "__main__":
    unittest.main()
