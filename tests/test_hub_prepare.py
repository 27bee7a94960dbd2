"""The demo hub's course copy: new course files reach existing accounts, their work stays."""

import os
from pathlib import Path

from rail.hub.prepare import copy_course


def _course(root: Path) -> Path:
    (root / "modules" / "00-intro" / "__pycache__").mkdir(parents=True)
    (root / "modules" / "00-intro" / "lesson.ipynb").write_text("lesson 00")
    (root / "modules" / "00-intro" / "__pycache__" / "x.pyc").write_text("cache")
    (root / "index.ipynb").write_text("index")
    return root


def test_a_first_copy_brings_the_course_without_caches(tmp_path):
    repo, home = _course(tmp_path / "repo"), tmp_path / "home"
    copy_course(repo, ("index.ipynb", "modules"), home, uid=os.getuid(), gid=os.getgid())
    assert (home / "index.ipynb").read_text() == "index"
    assert (home / "modules" / "00-intro" / "lesson.ipynb").read_text() == "lesson 00"
    assert not (home / "modules" / "00-intro" / "__pycache__").exists()


def test_a_later_copy_adds_new_modules_and_keeps_the_users_work(tmp_path):
    repo, home = _course(tmp_path / "repo"), tmp_path / "home"
    copy_course(repo, ("index.ipynb", "modules"), home, uid=os.getuid(), gid=os.getgid())
    (home / "modules" / "00-intro" / "lesson.ipynb").write_text("the trainee's run")
    (repo / "modules" / "00-intro" / "lesson.ipynb").write_text("lesson 00, revised")
    (repo / "modules" / "01-next").mkdir()
    (repo / "modules" / "01-next" / "lesson.ipynb").write_text("lesson 01")

    copy_course(repo, ("index.ipynb", "modules"), home, uid=os.getuid(), gid=os.getgid())

    assert (home / "modules" / "00-intro" / "lesson.ipynb").read_text() == "the trainee's run"
    assert (home / "modules" / "01-next" / "lesson.ipynb").read_text() == "lesson 01"
