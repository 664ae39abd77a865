import unittest

import catalogue
from tests.support import FIXTURES, fixture_aliases, fixture_index


class ScanStyleTest(unittest.TestCase):
    def setUp(self):
        self.index = fixture_index()
        self.aliases = fixture_aliases()

    def test_twemoji_folder(self):
        scan = catalogue.scan_style("twemoji", FIXTURES / "packages" / "twemoji", self.index, self.aliases)
        keys = [r.emoji.key for r in scan.records]
        # Sorted by emojibase order: grinning (1), heart (2), thumbs up (3), its dark tone (5), ...
        self.assertEqual(keys[:4], ["1f600", "2764", "1f44d", "1f44d-1f3fe"])
        self.assertIn("0023-20e3", keys)
        self.assertIn("1f3f3-200d-1f308", keys)
        self.assertEqual(scan.unmapped, ["1f1e6"])
        self.assertEqual(scan.mixed_tone, ["1f9d1-1f3fb-200d-1f91d-200d-1f9d1-1f3fc"])
        record = scan.records[3]
        self.assertEqual(record.file, "images/twemoji/1f44d-1f3fe.png")
        self.assertEqual(record.as_json(), {
            "file": "images/twemoji/1f44d-1f3fe.png",
            "caption": "thumbs up, medium-dark skin tone, twemoji style",
            "name": "thumbs up", "style": "twemoji", "skin_tone": "medium-dark skin tone",
            "category": "people-body", "codepoints": "1f44d-1f3fe"})

    def test_fluent_folder_shares_names(self):
        flat = catalogue.scan_style("fluent-flat", FIXTURES / "packages" / "fluent" / "icons" / "flat", self.index, self.aliases)
        twemoji = catalogue.scan_style("twemoji", FIXTURES / "packages" / "twemoji", self.index, self.aliases)
        self.assertEqual(sorted(flat.unmapped), ["keycap", "unknown-thing"])
        flat_captions = {r.emoji.key: r.caption for r in flat.records}
        self.assertEqual(flat_captions["1f44d-1f3fe"], "thumbs up, medium-dark skin tone, fluent flat style")
        self.assertEqual(flat_captions["0023-20e3"], "keycap #, fluent flat style")
        names_both = {r.emoji.key: r.emoji.name for r in twemoji.records}
        for record in flat.records:
            if record.emoji.key in names_both:
                self.assertEqual(record.emoji.name, names_both[record.emoji.key])

    def test_unknown_style_and_bad_alias(self):
        with self.assertRaises(ValueError):
            catalogue.scan_style("openmoji", FIXTURES / "packages" / "twemoji", self.index, self.aliases)
        with self.assertRaises(ValueError):
            catalogue.check_aliases(self.index, {"ghost": "1F47B"})
        catalogue.check_aliases(self.index, self.aliases)


if __name__ == "__main__":
    unittest.main()
