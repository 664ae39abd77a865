import unittest

import emoji_names as names
from tests.support import fixture_aliases, fixture_index


class ParseCodepointsTest(unittest.TestCase):
    def test_spellings(self):
        self.assertEqual(names.parse_codepoints("1f44d-1f3fd"), (0x1F44D, 0x1F3FD))
        self.assertEqual(names.parse_codepoints("1F44D_1F3FD"), (0x1F44D, 0x1F3FD))
        self.assertEqual(names.parse_codepoints("U+0023 FE0F 20E3"), (0x23, 0xFE0F, 0x20E3))

    def test_rejects_bad_parts(self):
        for text in ("", "thumbs-up", "110000", "d800", "1f44d-xyz"):
            with self.assertRaises(ValueError, msg=text):
                names.parse_codepoints(text)


class NormaliseTest(unittest.TestCase):
    def test_variation_selectors_ignored(self):
        twemoji_file = names.parse_codepoints("23-20e3")
        emojibase = names.parse_codepoints("0023-FE0F-20E3")
        self.assertEqual(names.key_string(twemoji_file), "0023-20e3")
        self.assertEqual(names.key_string(emojibase), "0023-20e3")
        self.assertEqual(names.normalise((0x2764, 0xFE0E)), (0x2764,))

    def test_zwj_kept(self):
        rainbow = names.parse_codepoints("1F3F3-FE0F-200D-1F308")
        self.assertEqual(names.key_string(rainbow), "1f3f3-200d-1f308")
        family = names.key_string(names.parse_codepoints("1f468-200d-1f469-200d-1f467"))
        self.assertNotEqual(family, names.key_string((0x1F468,)))

    def test_tones_in(self):
        seq = names.parse_codepoints("1F9D1-1F3FB-200D-1F91D-200D-1F9D1-1F3FC")
        self.assertEqual(names.tones_in(seq), [1, 2])


class NameTest(unittest.TestCase):
    def test_canonical_name(self):
        self.assertEqual(names.canonical_name("flag: Côte d’Ivoire"), "flag cote d'ivoire")
        self.assertEqual(names.canonical_name("family: man, woman, girl"), "family man woman girl")
        self.assertEqual(names.canonical_name("A button (blood type)"), "a button blood type")
        self.assertEqual(names.canonical_name("keycap: #"), "keycap #")
        self.assertEqual(names.canonical_name("Japanese “here” button"), "japanese here button")

    def test_canonical_name_refuses_non_ascii_leftovers(self):
        with self.assertRaises(ValueError):
            names.canonical_name("snow ☃ man")

    def test_slug(self):
        self.assertEqual(names.slug("flag: Côte d’Ivoire"), "flag-cote-divoire")
        self.assertEqual(names.slug("1st place medal"), "1st-place-medal")
        self.assertEqual(names.slug("A button (blood type)"), "a-button-blood-type")

    def test_caption(self):
        self.assertEqual(names.caption("thumbs up", "", "twemoji"), "thumbs up, twemoji style")
        self.assertEqual(names.caption("thumbs up", names.skin_tone_words(4), "fluent-flat"),
                         "thumbs up, medium-dark skin tone, fluent flat style")
        self.assertEqual(names.caption("red heart", "", "fluent-modern"), "red heart, fluent modern style")
        with self.assertRaises(ValueError):
            names.caption("red heart", "", "apple")
        with self.assertRaises(ValueError):
            names.caption("man, woman", "", "twemoji")
        with self.assertRaises(ValueError):
            names.skin_tone_words(6)


class EmojiIndexTest(unittest.TestCase):
    def setUp(self):
        self.index = fixture_index()
        self.aliases = fixture_aliases()

    def code(self, text):
        return self.index.lookup_codepoints(names.parse_codepoints(text))

    def test_lookup_by_codepoints(self):
        self.assertEqual(self.code("1f600").name, "grinning face")
        self.assertEqual(self.code("2764-fe0f").name, "red heart")
        self.assertEqual(self.code("2764").name, "red heart")
        self.assertEqual(self.code("23-20e3").name, "keycap #")
        self.assertEqual(self.code("1f3f3-fe0f-200d-1f308").name, "rainbow flag")
        self.assertEqual(self.code("1f468-200d-1f469-200d-1f467").name, "family man woman girl")
        self.assertEqual(self.code("1f468").name, "man")
        self.assertIsNone(self.code("1f1e6"))

    def test_categories_and_components(self):
        self.assertEqual(self.code("1f44d").category, "people-body")
        self.assertEqual(self.code("1f1e8-1f1ee").category, "flags")
        self.assertIsNone(self.code("1f3fb"), "component group must be left out")

    def test_skin_tones(self):
        dark = self.code("1f44d-1f3fe")
        self.assertEqual((dark.name, dark.tone, dark.skin_tone), ("thumbs up", 4, "medium-dark skin tone"))
        same = self.code("1f9d1-1f3fb-200d-1f91d-200d-1f9d1-1f3fb")
        self.assertEqual((same.name, same.tone), ("people holding hands", 1))
        self.assertIsNone(self.code("1f9d1-1f3fb-200d-1f91d-200d-1f9d1-1f3fc"))
        self.assertIn("1f9d1-1f3fb-200d-1f91d-200d-1f9d1-1f3fc", self.index.mixed_tone)

    def test_fluent_names(self):
        look = lambda stem: self.index.lookup_fluent(stem, self.aliases)  # noqa: E731
        self.assertEqual(look("grinning-face").key, "1f600")
        self.assertEqual(look("thumbs-up-default").key, "1f44d")
        self.assertEqual(look("thumbs-up-medium-dark").key, "1f44d-1f3fe")
        self.assertEqual(look("thumbs-up-light").key, "1f44d-1f3fb")
        self.assertIsNone(look("thumbs-up-medium"), "no medium variant in the fixture")
        self.assertEqual(look("vertical-traffic-light").key, "1f6a6")
        self.assertEqual(look("flag-cote-divoire").key, "1f1e8-1f1ee")
        self.assertEqual(look("keycap-hashtag").key, "0023-20e3")
        self.assertIsNone(look("keycap"), "slug shared by two emoji must not match")
        self.assertIsNone(look("unknown-thing"))

    def test_same_name_in_every_style(self):
        twemoji = self.code("1f44d-1f3fe")
        fluent = self.index.lookup_fluent("thumbs-up-medium-dark", self.aliases)
        self.assertEqual(twemoji, fluent)


if __name__ == "__main__":
    unittest.main()
