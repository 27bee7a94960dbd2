"""Locations in the repository that several test modules use."""

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
"""The bin/ folder of the environment running the tests (nbgrader, jupyter live there)."""

MODULE_IDS = sorted(p.name for p in (ROOT / "solutions").iterdir() if p.is_dir())
"""Every module that has a graded assignment."""


def repository_files() -> list[str]:
    """Tracked files plus new ones not ignored: what a commit of the working tree would hold."""
    listing = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=ROOT, capture_output=True, text=True, check=True,
    ).stdout
    return sorted({name for name in listing.split("\0") if name and (ROOT / name).is_file()})


def copy_repository(destination: Path) -> Path:
    """Copy the repository's files (as :func:`repository_files` lists them) to ``destination``."""
    for name in repository_files():
        (destination / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, destination / name)
    return destination
