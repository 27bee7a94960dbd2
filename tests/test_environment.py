"""The environment installs on the lowest Python 3.11 that hub servers run.

Debian 12's own ``python3.11`` is 3.11.2, the oldest 3.11 a course server is likely to have
(the official ``python:3.11`` image and Binder take the newest 3.11). Some packages dropped
3.11.0-3.11.4 in later releases (soupsieve 3.0.2 and later need 3.11.5), so a pin that installs
here on pyenv's 3.11.7 can still stop ``make setup`` on a hub. This test runs the README's own
set-up, ``make setup``, with the oldest Python 3.11 on the machine, then exports a lesson to
HTML as the formgrader does when an instructor opens a submission.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.course import run_checked
from tests.paths import copy_repository

pytestmark = pytest.mark.slow

# Where the oldest Python 3.11 of a hub server lives; scripts/system-packages.sh installs
# Debian's venv module for it.
CANDIDATES = [Path("/usr/bin/python3.11"), Path(sys.executable)]
LESSON = Path("modules/02-fairness-metrics/lesson.ipynb")


def _version(python: Path) -> tuple[int, ...]:
    out = subprocess.run([str(python), "-c", "import sys; print(*sys.version_info[:3])"],
                         capture_output=True, text=True, check=True, timeout=60).stdout
    return tuple(int(part) for part in out.split())


def oldest_python_311() -> tuple[Path, tuple[int, ...]]:
    """The oldest Python 3.11 interpreter among the usual places on this machine."""
    found = [(path, _version(path)) for path in CANDIDATES if path.is_file()]
    found = [(path, version) for path, version in found if version[:2] == (3, 11)]
    return min(found, key=lambda item: item[1])


def test_make_setup_installs_on_the_oldest_python_311(tmp_path):
    python, version = oldest_python_311()
    if version > (3, 11, 2):
        pytest.skip(f"no Python older than {'.'.join(map(str, version))} here: "
                    "install Debian 12's python3.11 and python3.11-venv to run this test")
    repo = copy_repository(tmp_path / "repo")
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("VIRTUAL_ENV", "PYTHON", "MAKE"))}
    env.pop("RAIL_DATA_DIR", None)
    venv_dir = tmp_path / "venv"

    run_checked(["make", "setup", f"PYTHON={python}", f"VENV={venv_dir}"], repo,
                timeout=1200, env=env)
    bin_dir = venv_dir / "bin"
    built = run_checked([str(bin_dir / "python"), "-c", "import sys; print(sys.version)"],
                        repo, env=env)
    assert built.startswith(".".join(map(str, version))), built
    run_checked([str(bin_dir / "python"), "-m", "pip", "check"], repo, env=env)

    # nbconvert's HTML export is what formgrader runs to show a submission; soupsieve, which
    # it uses, is the package that broke on 3.11.2.
    run_checked([str(bin_dir / "jupyter"), "nbconvert", "--to", "html", "--output-dir",
                 str(tmp_path / "html"), str(LESSON)], repo, timeout=300, env=env)
    html = (tmp_path / "html" / "lesson.html").read_text(encoding="utf-8")
    assert "Fairness" in html or "fairness" in html
    loaded = run_checked([str(bin_dir / "python"), "-c",
                          "from rail.datasets import load; print(len(load('risk_assessment')))"],
                         repo, env=env)
    assert int(loaded.strip().splitlines()[-1]) > 0
