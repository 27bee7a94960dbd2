"""Binder: build the environment as repo2docker would, from binder/ alone, and run a lesson.

repo2docker, when a ``binder/`` folder exists, ignores the root-level configuration, picks the
Python version from ``binder/runtime.txt``, runs ``pip install -r binder/requirements.txt`` in
the repository and then ``binder/postBuild``. This test does the same in a fresh virtual
environment and executes module 00's lesson there, with the package installed non-editable.
"""

import json
import os
import re
import sys
import venv
from pathlib import Path

import pytest

from tests.course import run_checked
from tests.paths import ROOT, copy_repository

pytestmark = pytest.mark.slow

LESSON = Path("modules/00-orientation/lesson.ipynb")


def test_runtime_pins_the_python_the_course_is_tested_on():
    runtime = (ROOT / "binder" / "runtime.txt").read_text().strip()
    assert runtime == f"python-{sys.version_info.major}.{sys.version_info.minor}"


def test_readme_badge_opens_the_course_index():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    badge = re.search(r"\(https://mybinder\.org/v2/gh/[^)\s]+\)", readme)
    assert badge, "README.md needs a Binder badge"
    urlpath = re.search(r"urlpath=lab(?:%2F|/)tree(?:%2F|/)([^)&\s]+)", badge.group(0))
    assert urlpath, f"the badge must open JupyterLab on a file: {badge.group(0)}"
    assert (ROOT / urlpath.group(1)).is_file()


def test_binder_environment_builds_and_runs_the_first_lesson(tmp_path):
    repo = copy_repository(tmp_path / "repo")
    env_dir = tmp_path / "env"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VIRTUAL_ENV", "PYTHON"))}
    env["PATH"] = f"{env_dir / 'bin'}{os.pathsep}{env['PATH']}"
    env.pop("RAIL_DATA_DIR", None)
    python = str(env_dir / "bin" / "python")

    run_checked([python, "-m", "pip", "install", "--quiet", "-r", "binder/requirements.txt"],
                repo, timeout=900, env=env)
    run_checked(["binder/postBuild"], repo, timeout=900, env=env)

    # The package is a regular install whose datasets travel inside it, not the clone's.
    where = run_checked([python, "-c", "import rail.datasets as d; print(d.data_dir())"],
                        tmp_path, env=env)
    assert Path(where.strip()).is_relative_to(env_dir), where

    # binder/start points the server at the self-study configuration: no exchange tabs.
    paths = json.loads(run_checked(["binder/start", python, "-m", "jupyter", "--paths", "--json"],
                                   repo, env=env))
    self_study = Path(paths["config"][0])
    assert self_study == env_dir / "etc" / "rail" / "self-study", paths["config"]
    page = json.loads((self_study / "labconfig" / "page_config.json").read_text())
    assert page["disabledExtensions"]["@jupyter/nbgrader:assignment-list"] is True

    run_checked([python, "-m", "jupyter", "nbconvert", "--to", "notebook", "--execute",
                 "--output-dir", str(tmp_path / "out"), str(LESSON)], repo, timeout=900, env=env)
    assert (tmp_path / "out" / LESSON.name).is_file()
