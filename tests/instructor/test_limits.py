"""Limits per submission: control groups (v1 and v2, on a machine described in a temporary
folder) and the scratch space (a real memory file system, in a child process's own mount
namespace)."""

from __future__ import annotations

import ast
import errno
import os
import signal
from pathlib import Path

import pytest

from rail.instructor.limits import (
    JOB_UID_BASE,
    Cgroup,
    JobLimits,
    find_cgroup_parent,
    job_uid,
    mount_scratch,
    private_mounts,
    scratch_use,
)

V1_MOUNTS = """\
cgroup /fake/pids cgroup rw,nosuid,nodev,noexec,relatime,pids 0 0
cgroup /fake/memory cgroup rw,nosuid,nodev,noexec,relatime,memory 0 0
"""
V1_OWN = "8:pids:/\n4:memory:/session/42\n0::/\n"
V2_MOUNTS = "cgroup2 /fake/unified cgroup2 rw,nosuid,nodev,noexec,relatime 0 0\n"
V2_OWN = "0::/user.slice/session-3.scope\n"


def machine(tmp_path: Path, mounts: str, own: str) -> tuple[Path, Path, str]:
    """A fake /sys/fs/cgroup under ``tmp_path``; returns (root, proc_self, mounts text)."""
    proc = tmp_path / "proc"
    proc.mkdir()
    (proc / "cgroup").write_text(own)
    return tmp_path, proc, mounts.replace("/fake", str(tmp_path))


def test_cgroup_v1_one_folder_per_controller_with_the_limits(tmp_path):
    root, proc, mounts = machine(tmp_path, V1_MOUNTS, V1_OWN)
    (root / "pids").mkdir()
    (root / "memory" / "session" / "42").mkdir(parents=True)
    parent = find_cgroup_parent("rail-grader-1", root=root, proc_self=proc, mounts=mounts)
    assert parent.version == 1
    assert parent.paths == {"pids": str(root / "pids" / "rail-grader-1"),
                            "memory": str(root / "memory/session/42/rail-grader-1")}
    group = parent.child("w0", processes=256, memory=3 * 2**30)
    assert (root / "pids/rail-grader-1/w0/pids.max").read_text() == "256\n"
    assert (root / "memory/session/42/rail-grader-1/w0/memory.limit_in_bytes").read_text() \
        == f"{3 * 2**30}\n"

    group.join(12345)
    assert (root / "pids/rail-grader-1/w0/cgroup.procs").read_text() == "12345\n"
    (root / "pids/rail-grader-1/w0/pids.events").write_text("max 17\n")
    memory = root / "memory/session/42/rail-grader-1/w0"
    (memory / "memory.failcnt").write_text("3\n")
    (memory / "memory.oom_control").write_text("oom_kill_disable 0\nunder_oom 0\noom_kill 1\n")
    (memory / "memory.max_usage_in_bytes").write_text("2000\n")
    assert group.counters() == {"processes_refused": 17, "memory_hits": 3, "oom_kills": 1,
                                "memory_peak": 2000}
    assert Cgroup.from_json(group.to_json()) == group


def test_cgroup_v2_a_sibling_of_the_graders_group_with_both_controllers(tmp_path):
    root, proc, mounts = machine(tmp_path, V2_MOUNTS, V2_OWN)
    slice_ = root / "unified" / "user.slice"
    (slice_ / "session-3.scope").mkdir(parents=True)
    (slice_ / "cgroup.controllers").write_text("cpu memory pids\n")
    (slice_ / "cgroup.subtree_control").write_text("memory pids\n")
    parent = find_cgroup_parent("rail-grader-1", root=root, proc_self=proc, mounts=mounts)
    assert (parent.version, parent.paths["pids"]) == (2, str(slice_ / "rail-grader-1"))
    assert (slice_ / "rail-grader-1" / "cgroup.subtree_control").read_text() == \
        "+pids +memory\n"
    group = parent.child("w3", processes=64, memory=2**30)
    assert (slice_ / "rail-grader-1/w3/memory.max").read_text() == f"{2**30}\n"
    (slice_ / "rail-grader-1/w3/memory.events").write_text("low 0\nhigh 0\nmax 5\noom 1\n"
                                                           "oom_kill 1\n")
    (slice_ / "rail-grader-1/w3/pids.events").write_text("max 0\n")
    (slice_ / "rail-grader-1/w3/memory.peak").write_text("4096\n")
    assert group.counters() == {"processes_refused": 0, "memory_hits": 5, "oom_kills": 1,
                                "memory_peak": 4096}


def test_cgroup_v2_without_the_controllers_says_so(tmp_path):
    root, proc, mounts = machine(tmp_path, V2_MOUNTS, V2_OWN)
    (root / "unified" / "user.slice").mkdir(parents=True)
    (root / "unified" / "user.slice" / "cgroup.controllers").write_text("cpu\n")
    parent = find_cgroup_parent("x", root=root, proc_self=proc, mounts=mounts)
    assert parent.paths == {}
    assert "no cgroup with the pids and memory controllers" in parent.reason


@pytest.mark.skipif(os.geteuid() != 0, reason="creating control groups needs root")
def test_this_machine_gives_a_group_that_limits_processes(tmp_path):
    parent = find_cgroup_parent(f"rail-test-{os.getpid()}")
    assert parent.paths, parent.reason
    group = parent.child("w0", processes=8, memory=2**30)
    try:
        pid = os.fork()
        if pid == 0:  # the child joins the group and forks until refused
            group.join()
            made = 0
            try:
                while made < 50:
                    if os.fork() == 0:
                        try:
                            signal.pause()
                        finally:
                            os._exit(0)
                    made += 1
            except OSError:
                pass
            os._exit(made)
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) < 8
        assert group.counters()["processes_refused"] > 0
    finally:
        group.remove()
        parent.remove()
    assert not Path(group.paths["pids"]).exists()


@pytest.mark.skipif(os.geteuid() != 0, reason="mounting needs root")
def test_scratch_space_holds_its_size_and_files_and_vanishes_with_its_process(tmp_path):
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        results = []
        try:
            private_mounts()
            home, tmp = mount_scratch(scratch, size=2 * 2**20, files=20, uid=job_uid(4242))
            results.append(home.stat().st_uid == job_uid(4242))
            try:
                (tmp / "big").write_bytes(b"x" * 3 * 2**20)
            except OSError as error:
                results.append(error.errno)
            use = scratch_use(scratch)
            results.append(use.bytes_free < 2**20)
            try:
                for n in range(50):
                    (home / f"f{n}").touch()
            except OSError as error:
                results.append(error.errno)
            results.append(scratch_use(scratch).files_free == 0)
        finally:
            os.write(write, repr(results).encode())
            os._exit(0)
    os.close(write)
    os.waitpid(pid, 0)
    results = ast.literal_eval(os.read(read, 1000).decode())
    assert results == [True, errno.ENOSPC, True, errno.ENOSPC, True]
    assert list(scratch.iterdir()) == []  # nothing outside the child's namespace


def test_job_users_lie_above_every_distribution_range():
    assert job_uid(1) == JOB_UID_BASE + 1 > 0x6FFFFFFF
    assert job_uid(4_194_304) < 2**32 - 1


def test_job_limits_round_trip(tmp_path):
    limits = JobLimits(uid=5, scratch="/s", home="/s/home", tmp="/s/tmp", scratch_bytes=10,
                       scratch_files=2, cgroup={"version": 1, "paths": {}, "processes": 3,
                                                "memory": 4})
    limits.save(tmp_path / "limits.json")
    assert JobLimits.load(tmp_path / "limits.json") == limits
    assert limits.group() == Cgroup(1, {}, 3, 4)
