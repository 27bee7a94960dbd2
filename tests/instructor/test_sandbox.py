"""The sandbox's set-up, without starting a kernel."""

from __future__ import annotations

from pathlib import Path

import pytest

from rail.instructor.autograde import hidden_secrets
from rail.instructor.sandbox import (
    SandboxError,
    SandboxPolicy,
    _require_dedicated,
    bwrap_command,
    exposing,
    mark_dedicated,
    safe_readonly_paths,
)


def test_secrets_are_never_bound_into_the_sandbox(tmp_path):
    secret = tmp_path / "course" / "solutions"
    secret.mkdir(parents=True)
    assert exposing([str(tmp_path / "course")], [secret])
    assert not exposing([str(tmp_path / "course" / "src")], [secret])
    assert str(tmp_path / "course") not in safe_readonly_paths([secret],
                                                               extra=[str(tmp_path / "course")])


def test_the_launcher_refuses_a_folder_the_grader_did_not_prepare(tmp_path):
    with pytest.raises(SandboxError, match="not inside a folder prepared by the grader"):
        _require_dedicated(tmp_path, "runtime folder")
    mark_dedicated(tmp_path / "work")
    (tmp_path / "work" / "rt").mkdir()
    assert _require_dedicated(tmp_path / "work" / "rt", "runtime folder") == tmp_path / "work"


def test_secrets_inside_bound_folders_are_covered_after_the_binds(tmp_path):
    """nbgrader's default exchange lives in /usr, which the sandbox binds whole."""
    venv = tmp_path / "venv"
    config = venv / "etc" / "jupyter" / "nbgrader_config.py"
    config.parent.mkdir(parents=True)
    config.write_text("c.CourseDirectory.db_url = 'postgresql://grader:secret@db/rail'\n")
    elsewhere = tmp_path / "course" / "gradebook.db"
    hidden = hidden_secrets([Path("/usr/share"), config, elsewhere], [str(venv)])
    assert hidden == ("/usr/share", str(config))

    policy = SandboxPolicy(readonly=(str(venv),), hidden=hidden)
    args = bwrap_command(policy, tmp_path / "home", tmp_path / "rt", ["true"], as_root=True,
                         uid=2_000_000_123, tmp=str(tmp_path / "tmp"))
    last_bind = max(i for i, a in enumerate(args) if a in ("--ro-bind", "--bind")
                    and args[i + 2] != str(config))
    assert args.index("--tmpfs") > args.index("/usr") and "/usr/share" in args
    assert args[args.index(str(config)) - 2:args.index(str(config)) + 1] == [
        "--ro-bind", "/dev/null", str(config)]
    assert args.index(str(config)) > last_bind
    assert ["--bind", str(tmp_path / "tmp"), "/tmp"] == args[args.index("/tmp") - 2:
                                                          args.index("/tmp") + 1]
    assert "--reuid=2000000123" in args
