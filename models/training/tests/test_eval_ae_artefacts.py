"""eval/ae_artefacts.py on the tiny test pack and the synthetic eval data set."""

import contextlib
import io
import json
import os
import shutil
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from eval import ae_artefacts  # noqa: E402
from tests import test_eval_support as fx  # noqa: E402

PACKS = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))), "src", "test", "resources", "packs")


class AeArtefactsTest(unittest.TestCase):
    def test_report_on_a_pack_autoencoder(self):
        tmp = tempfile.mkdtemp()
        try:
            data = os.path.join(tmp, "data")
            fx.make_dataset(data)
            out = os.path.join(tmp, "ae.json")
            with contextlib.redirect_stdout(io.StringIO()) as text:
                rc = ae_artefacts.main(["--autoencoder", os.path.join(PACKS, "tiny-sd"),
                                        "--data", data, "--images", "3", "--out", out])
            self.assertEqual(rc, 0)
            with open(out) as f:
                report = json.load(f)
            self.assertEqual(len(report["indices"]), 3)
            self.assertEqual(report["indices"], sorted(set(report["indices"])))
            self.assertEqual((report["clean"]["n"], report["reconstructed"]["n"]), (3, 3))
            self.assertIn("speckle: reconstructions", text.getvalue())
            with contextlib.redirect_stderr(io.StringIO()) as err:
                self.assertEqual(ae_artefacts.main(["--autoencoder", os.path.join(tmp, "none"),
                                                    "--data", data]), 1)
            self.assertIn("none", err.getvalue())
        finally:
            shutil.rmtree(tmp)


if __name__ == "__main__":
    unittest.main()
