"""The working tree leaves room for the GPU session's carried dataset (training README).

A device call carries the tracked files plus the dataset pack in 64 MiB; the pack is built with
`dataset/pack.py --budget-mib 27`. A tree that outgrows 37 MiB breaks the next GPU session.
"""

import os
import subprocess
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
CARRY_MIB, DATASET_MIB = 64, 27


def tracked_bytes():
    out = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True)
    names = [n for n in out.stdout.decode("utf-8").split("\0") if n]
    return sum(os.path.getsize(os.path.join(ROOT, n)) for n in names
               if os.path.isfile(os.path.join(ROOT, n)))


class GpuCarryBudgetTest(unittest.TestCase):
    def test_tracked_files_leave_room_for_the_carried_dataset(self):
        try:
            size = tracked_bytes()
        except (OSError, subprocess.CalledProcessError):
            self.skipTest("not a git checkout")
        limit = (CARRY_MIB - DATASET_MIB) * 2 ** 20
        self.assertLessEqual(size, limit, f"tracked files are {size / 2 ** 20:.2f} MiB; a GPU call "
                             f"carries {CARRY_MIB} MiB with a {DATASET_MIB} MiB dataset pack: shrink "
                             "the tree or rebuild the pack with a smaller --budget-mib")
        self.assertGreater(size, 20 * 2 ** 20)  # the built-in pack alone is 23 MB


if __name__ == "__main__":
    unittest.main()
