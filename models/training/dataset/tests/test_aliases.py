import json
import tempfile
import unittest
from pathlib import Path

import aliases


def write_root(tmp, data, shortcodes, subgroups=()):
    root = Path(tmp)
    (root / "en" / "shortcodes").mkdir(parents=True)
    (root / "en" / "data.json").write_text(json.dumps(data), encoding="utf-8")
    (root / "en" / "messages.json").write_text(json.dumps(
        {"groups": [], "subgroups": [{"key": k, "order": o} for k, o in subgroups]}),
        encoding="utf-8")
    (root / "en" / "shortcodes" / "emojibase.json").write_text(json.dumps(shortcodes),
                                                               encoding="utf-8")
    return root


class NameFormsTest(unittest.TestCase):
    def test_forms_order_limits_and_fixed_size(self):
        data = [{"label": "cat face", "hexcode": "1F431", "subgroup": 34,
                 "tags": ["animal", "cat", "face", "kitten", "kitty", "pet", "Cat"]},
                {"label": "black small square", "hexcode": "25AA", "subgroup": 96,
                 "tags": ["geometric", "square"]},
                {"label": "party popper", "hexcode": "1F389", "subgroup": 60,
                 "tags": ["party", "tada"] + ["w%d" % i for i in range(20)]},
                {"label": "unused", "hexcode": "1F000", "tags": ["x"]}]
        codes = {"1F431": "cat_face", "25AA": ["black_small_square"], "1F389": ["party", "tada"]}
        with tempfile.TemporaryDirectory() as tmp:
            root = write_root(tmp, data, codes, [("geometric", 96), ("animal-mammal", 34)])
            forms, fixed = aliases.name_forms(
                root, ["cat face", "black small square", "party popper", "no such emoji"])
        self.assertEqual(forms["cat face"], ["animal", "cat", "face", "kitten", "kitty", "pet"])
        self.assertEqual(forms["black small square"], ["geometric", "square"])
        self.assertEqual(forms["party popper"][:3], ["party", "tada", "w0"])
        self.assertEqual(len(forms["party popper"]), aliases.MAX_FORMS)
        self.assertEqual(forms["no such emoji"], [])
        self.assertNotIn("unused", forms)
        self.assertEqual(fixed, ["black small square"])
        self.assertEqual(len(aliases.all_words(forms)), 6 + 2 + aliases.MAX_FORMS)


if __name__ == "__main__":
    unittest.main()
