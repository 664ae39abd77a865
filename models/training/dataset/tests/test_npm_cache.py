import base64
import hashlib
import io
import json
import tarfile
import tempfile
import unittest
from pathlib import Path

import npm_cache


def tarball(path, members):
    with tarfile.open(path, "w:gz") as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))


class IntegrityTest(unittest.TestCase):
    def test_sri_string(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "x"
            path.write_bytes(b"abc")
            expected = "sha512-" + base64.b64encode(hashlib.sha512(b"abc").digest()).decode()
            self.assertEqual(npm_cache.integrity_of(path), expected)

    def test_tarball_name(self):
        self.assertEqual(npm_cache.tarball_name({"npm": "@twemoji/svg", "version": "15.0.0"}),
                         "twemoji-svg-15.0.0.tgz")

    def test_cached_tarball_checked_without_network(self):
        with tempfile.TemporaryDirectory() as tmp:
            package = {"id": "x", "npm": "x-pkg", "version": "1.0.0", "members": ["package/icons/"],
                       "licence": "MIT", "licence_file": "package/LICENSE"}
            path = Path(tmp) / "x-pkg-1.0.0.tgz"
            tarball(path, {"package/icons/a.svg": b"<svg/>", "package/other.txt": b"no"})
            package["integrity"] = npm_cache.integrity_of(path)
            root = npm_cache.fetch(package, tmp)
            self.assertEqual((root / "icons" / "a.svg").read_bytes(), b"<svg/>")
            self.assertFalse((root / "other.txt").exists(), "only listed members are extracted")
            self.assertEqual(npm_cache.fetch(package, tmp), root)  # second call reuses the tree


class SafeExtractTest(unittest.TestCase):
    def test_dotdot_refused(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "evil.tgz"
            tarball(path, {"package/../../evil.txt": b"x"})
            with self.assertRaises(ValueError):
                npm_cache.safe_extract(path, Path(tmp) / "out", ["package/"])
            self.assertFalse((Path(tmp).parent / "evil.txt").exists())


class SourcesTest(unittest.TestCase):
    def test_committed_sources(self):
        sources = npm_cache.load_sources(Path(npm_cache.__file__).resolve().parent / "sources.json")
        self.assertEqual(set(sources), {"twemoji", "fluent", "emojibase"})
        for package in sources.values():
            self.assertTrue(package["integrity"].startswith("sha512-"))
            self.assertRegex(package["version"], r"^\d+\.\d+\.\d+$")

    def test_missing_field_refused(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "s.json"
            path.write_text(json.dumps({"packages": [{"id": "a", "npm": "a"}]}), encoding="utf-8")
            with self.assertRaises(ValueError):
                npm_cache.load_sources(path)


if __name__ == "__main__":
    unittest.main()
