"""Build hook: ship the top-level ``layers/``, ``styles/`` and ``data/`` folders inside the wheel.

They live at the top of the repository (DESIGN.md §2) so that planners and reviewers find them,
and are copied to ``fireriskmap/_data/`` when the package is built, so a non-editable
``pip install .`` carries them. ``fireriskmap.paths`` looks in both places.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
SHIPPED = ("layers", "styles", "data")


class BuildPyWithData(build_py):
    def run(self):
        super().run()
        target = Path(self.build_lib) / "fireriskmap" / "_data"
        for name in SHIPPED:
            src = ROOT / name
            if src.is_dir():
                shutil.copytree(src, target / name, dirs_exist_ok=True,
                                ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))


setup(cmdclass={"build_py": BuildPyWithData})
