import json
import shutil
import tempfile
import unittest
from pathlib import Path

import numpy as np
from PIL import Image

import build
import catalogue
import pack
from tests.support import FIXTURES, fixture_aliases, fixture_index

PACKAGES = FIXTURES / "packages"
ROOTS = {"twemoji": PACKAGES / "twemoji", "fluent": PACKAGES / "fluent", "emojibase": PACKAGES / "emojibase"}
SOURCES = {
    pid: {"id": pid, "npm": "fixture-" + pid, "version": "0.0.1", "integrity": "sha512-test",
          "licence": "fixture licence " + pid, "licence_file": "package/" + lic}
    for pid, lic in (("twemoji", "license"), ("fluent", "LICENSE"), ("emojibase", "LICENSE"))
}


class LimitedTest(unittest.TestCase):
    def test_same_names_in_every_style(self):
        index, aliases = fixture_index(), fixture_aliases()
        scans = {
            "twemoji": catalogue.scan_style("twemoji", ROOTS["twemoji"], index, aliases),
            "fluent-flat": catalogue.scan_style("fluent-flat", ROOTS["fluent"] / "icons/flat", index, aliases),
        }
        picked = build.limited(scans, ["twemoji", "fluent-flat"], 4)
        self.assertEqual(len(picked), 4)
        self.assertEqual([r.style for r in picked], ["twemoji", "fluent-flat"] * 2)
        self.assertEqual(picked[0].emoji, picked[1].emoji)
        self.assertEqual(picked[2].emoji, picked[3].emoji)
        self.assertNotEqual(picked[0].emoji, picked[2].emoji)
        self.assertTrue(all(r.emoji.tone == 0 for r in picked))


@unittest.skipUnless(shutil.which("rsvg-convert"), "rsvg-convert (librsvg2-bin) not installed")
class EndToEndTest(unittest.TestCase):
    def test_build_and_pack_fixture_packages(self):
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "emoji"
            eval_file = Path(tmp) / "eval.txt"
            eval_file.write_text("red heart, fluent modern style\n", encoding="utf-8")
            stats = build.build(out, ROOTS, SOURCES, fixture_aliases(), list(catalogue.STYLES), size=24,
                                workers=2, eval_file=eval_file)
            lines = [json.loads(x) for x in (out / "captions.jsonl").read_text(encoding="utf-8").splitlines()]
            self.assertEqual(stats["images"], len(lines))
            self.assertEqual(stats["per_style"], {"fluent-flat": 7, "fluent-modern": 7, "twemoji": 8})
            captions = {x["caption"] for x in lines}
            for style in ("twemoji", "fluent flat", "fluent modern"):
                self.assertIn("thumbs up, medium-dark skin tone, %s style" % style, captions)
            for line in lines:
                with Image.open(out / line["file"]) as image:
                    self.assertEqual((image.mode, image.size), ("RGB", (24, 24)))
                    corner = np.asarray(image)[0, 0]
                np.testing.assert_array_equal(corner, [255, 255, 255])
            vocab = json.loads((out / "vocab.json").read_text(encoding="utf-8"))
            self.assertIn("medium", vocab["words"])
            self.assertIn("twemoji", vocab["words"])
            # Caption variety: short names first, then keywords; the name itself and repeats
            # dropped, accents stripped; their words are in the vocabulary.
            self.assertEqual(vocab["name_forms"]["thumbs up"],
                             ["thumbsup", "+1", "good", "hand", "thumb", "up"])
            self.assertEqual(vocab["name_forms"]["red heart"], ["heart", "love", "cafe"])
            self.assertEqual(vocab["fixed_size"], ["red heart"])
            # "keycap #" without its style part splits into "#", not the caption's "#,".
            for word in ("thumbsup", "love", "cafe", "+", "1", "good", "#", "#,"):
                self.assertIn(word, vocab["words"])
            self.assertEqual(stats["name_forms"]["fixed_size_names"], 1)
            attribution = (out / "ATTRIBUTION.txt").read_text(encoding="utf-8")
            self.assertIn("fixture-twemoji@0.0.1", attribution)
            self.assertIn("CC-BY-4.0 fixture licence (twemoji)", attribution)
            self.assertEqual(stats["skipped"]["twemoji"]["unmapped"], ["1f1e6"])
            self.assertFalse(stats["eval_captions_match_rule"], "a one-line list is not what the rule picks")
            packed = pack.pack_folder(out, Path(tmp) / "p.swpack", 1 << 20, "webp", 24)
            self.assertEqual(packed["images"], len(lines))
            loaded = pack.load(Path(tmp) / "p.swpack")
            self.assertEqual(loaded.eval_captions, ["red heart, fluent modern style"])
            self.assertEqual(loaded.vocab["name_forms"], vocab["name_forms"])  # travels in the pack
            first = loaded.captions.index(lines[0]["caption"])
            with Image.open(out / lines[0]["file"]) as image:
                np.testing.assert_array_equal(loaded.image(first), np.asarray(image))

    def test_names_only_vocabulary(self):
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "emoji"
            eval_file = Path(tmp) / "eval.txt"
            eval_file.write_text("red heart, fluent modern style\n", encoding="utf-8")
            build.build(out, ROOTS, SOURCES, fixture_aliases(), ["twemoji"], limit=2, size=16,
                        workers=1, eval_file=eval_file, name_forms=False)
            vocab = json.loads((out / "vocab.json").read_text(encoding="utf-8"))
            self.assertNotIn("name_forms", vocab)
            self.assertNotIn("love", vocab["words"])
            self.assertIn("heart", vocab["words"])

    def test_refuses_foreign_out_folder(self):
        with tempfile.TemporaryDirectory() as tmp:
            (Path(tmp) / "precious.txt").write_text("x", encoding="utf-8")
            with self.assertRaises(SystemExit):
                build.prepare_out(Path(tmp))
            self.assertTrue((Path(tmp) / "precious.txt").exists())


if __name__ == "__main__":
    unittest.main()
