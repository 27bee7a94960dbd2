"""Limits per submission, enforced by the operating system.

Several submissions are graded at once on one machine; none of them may take what the
others need. When the grader runs as root, each submission's kernel gets

* **a user of its own** (:func:`job_uid`), so the per-user process limit (``RLIMIT_NPROC``)
  counts its processes alone;
* **a control group of its own** (:class:`Cgroup`, cgroup v1 or v2, whichever the machine
  has), holding all its processes to a number of processes and an amount of memory, the
  memory of its files in ``/tmp`` and its working copy included;
* **scratch space of its own** (:func:`mount_scratch`): its working copy and its ``/tmp``
  live in one memory file system of a fixed size and number of files, mounted in a mount
  namespace private to that submission's grading process, so it disappears with it.

The grader reads the control group's counters and the scratch space's use after every
cell (:func:`observe`), so the notes it writes state what it saw, never what the trainee's
code printed.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import signal
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

# Users of grading kernels: JOB_UID_BASE + the pid of the submission's grading process,
# which no other live process has. The range lies above the ids Linux distributions and
# container runtimes hand out (systemd stops at 0x6FFFFFFF).
JOB_UID_BASE = 2_000_000_000
CGROUP_ROOT = Path("/sys/fs/cgroup")
LIMITS_FILE = "limits.json"


def job_uid(pid: int) -> int:
    """The user id of the kernel graded by the grading process ``pid``."""
    return JOB_UID_BASE + pid


# --------------------------------------------------------------------------- scratch space

CLONE_NEWNS = 0x00020000
MS_NOSUID, MS_NODEV, MS_REC, MS_PRIVATE = 0x2, 0x4, 0x4000, 0x40000


def _libc() -> ctypes.CDLL:
    return ctypes.CDLL(None, use_errno=True)


def _check(result: int, what: str) -> None:
    if result != 0:
        error = ctypes.get_errno()
        raise OSError(error, f"{what}: {os.strerror(error)}")


def private_mounts() -> None:
    """Give this process a mount namespace of its own, whose mounts nobody else sees and
    which ends with the last process in it (root only)."""
    libc = _libc()
    _check(libc.unshare(CLONE_NEWNS), "unshare(CLONE_NEWNS)")
    _check(libc.mount(b"none", b"/", None, MS_REC | MS_PRIVATE, None), "mount --make-rprivate /")


def mount_tmpfs(target: Path, *, size: int, files: int, uid: int = 0, mode: int = 0o700) -> None:
    """Mount a memory file system of ``size`` bytes and ``files`` files at ``target``."""
    options = f"size={size},nr_inodes={files},mode={mode:o},uid={uid},gid={uid}"
    _check(_libc().mount(b"tmpfs", os.fsencode(target), b"tmpfs", MS_NOSUID | MS_NODEV,
                         options.encode()), f"mount tmpfs on {target}")


def mount_scratch(scratch: Path, *, size: int, files: int, uid: int) -> tuple[Path, Path]:
    """Mount the submission's scratch space at ``scratch``; return its working copy and
    its ``/tmp``, both owned by ``uid``."""
    mount_tmpfs(scratch, size=size, files=files, uid=uid)
    home, tmp = scratch / "home", scratch / "tmp"
    for folder in (home, tmp):
        folder.mkdir()
        os.chown(folder, uid, uid)
    return home, tmp


@dataclass(frozen=True)
class ScratchUse:
    bytes_used: int
    files_used: int
    bytes_free: int
    files_free: int


def scratch_use(scratch: Path) -> ScratchUse | None:
    """How much of the scratch space is used (None when it is not mounted here)."""
    try:
        stats = os.statvfs(scratch)
    except OSError:
        return None
    return ScratchUse((stats.f_blocks - stats.f_bfree) * stats.f_frsize,
                      stats.f_files - stats.f_ffree, stats.f_bavail * stats.f_frsize,
                      stats.f_favail)


# --------------------------------------------------------------------------- control groups


@dataclass
class Cgroup:
    """One submission's control group: ``paths`` holds its folder in each hierarchy (v1:
    one per controller, ``pids`` and ``memory``; v2: one)."""

    version: int
    paths: dict[str, str]
    processes: int
    memory: int

    def join(self, pid: int = 0) -> None:
        """Move process ``pid`` (0: this one) into the group."""
        for path in dict.fromkeys(self.paths.values()):
            Path(path, "cgroup.procs").write_text(f"{pid or os.getpid()}\n")

    def counters(self) -> dict[str, int]:
        """What the limits refused so far: ``processes_refused`` (forks), ``memory_hits``
        (times usage reached the limit), ``oom_kills``, and ``memory_peak`` in bytes."""
        pids, memory = Path(self.paths["pids"]), Path(self.paths["memory"])
        found = {"processes_refused": _keyed(pids / "pids.events").get("max", 0)}
        if self.version == 1:
            found["memory_hits"] = _number(memory / "memory.failcnt")
            found["oom_kills"] = _keyed(memory / "memory.oom_control").get("oom_kill", 0)
            found["memory_peak"] = _number(memory / "memory.max_usage_in_bytes")
        else:
            events = _keyed(memory / "memory.events")
            found["memory_hits"] = events.get("max", 0)
            found["oom_kills"] = events.get("oom_kill", 0)
            found["memory_peak"] = _number(memory / "memory.peak")
        return found

    def kill_all(self) -> None:
        """Kill every process left in the group."""
        procs = Path(self.paths["pids"], "cgroup.procs")
        kill = Path(self.paths["pids"], "cgroup.kill")
        if self.version == 2 and kill.exists():
            kill.write_text("1\n")
            return
        for _ in range(50):
            pids = [int(p) for p in _read(procs).split()]
            if not pids:
                return
            for pid in pids:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            time.sleep(0.02)

    def remove(self) -> None:
        """Kill what is left and remove the group's folders."""
        self.kill_all()
        for path in dict.fromkeys(self.paths.values()):
            for _ in range(100):  # the last processes take a moment to leave
                try:
                    os.rmdir(path)
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    time.sleep(0.02)

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> Cgroup:
        return cls(**data)


def _read(path: Path) -> str:
    try:
        return path.read_text()
    except OSError:
        return ""


def _number(path: Path) -> int:
    text = _read(path).strip()
    return int(text) if text.isdigit() else 0


def _keyed(path: Path) -> dict[str, int]:
    found = {}
    for line in _read(path).splitlines():
        key, _, value = line.partition(" ")
        if value.strip().isdigit():
            found[key] = int(value)
    return found


@dataclass
class CgroupParent:
    """Where a grading run creates its submissions' control groups.

    Found by :func:`find_cgroup_parent` from the machine's mounts; ``reason`` says why
    there is none when ``paths`` is empty.
    """

    version: int = 0
    paths: dict[str, str] = field(default_factory=dict)
    reason: str = ""

    def child(self, name: str, *, processes: int, memory: int) -> Cgroup:
        """Create the group ``name`` with its limits."""
        paths = {controller: str(Path(path, name)) for controller, path in self.paths.items()}
        for path in dict.fromkeys(paths.values()):
            os.mkdir(path)
        group = Cgroup(self.version, paths, processes, memory)
        Path(paths["pids"], "pids.max").write_text(f"{processes}\n")
        memory_dir = Path(paths["memory"])
        if self.version == 1:
            (memory_dir / "memory.limit_in_bytes").write_text(f"{memory}\n")
            swap = memory_dir / "memory.memsw.limit_in_bytes"
            if swap.exists():
                swap.write_text(f"{memory}\n")
        else:
            (memory_dir / "memory.max").write_text(f"{memory}\n")
            swap = memory_dir / "memory.swap.max"
            if swap.exists():
                swap.write_text("0\n")
        return group

    def remove(self) -> None:
        for path in dict.fromkeys(self.paths.values()):
            with contextlib.suppress(OSError):
                os.rmdir(path)


def find_cgroup_parent(name: str, *, root: Path = CGROUP_ROOT, proc_self: Path = Path("/proc/self"),
                       mounts: str | None = None) -> CgroupParent:
    """Create the folder under which this grading run makes one control group per
    submission, with the ``pids`` and ``memory`` controllers; cgroup v2 if the machine
    has it with both, else v1.

    ``root``, ``proc_self`` and ``mounts`` (the text of ``/proc/self/mounts``) exist for
    tests, which describe a machine in a temporary folder.
    """
    if os.geteuid() != 0 and root == CGROUP_ROOT:
        return CgroupParent(reason="the grader does not run as root")
    mounts = mounts if mounts is not None else _read(Path("/proc/self/mounts"))
    own = _own_cgroups(_read(proc_self / "cgroup"))
    v2_mount = v1_mounts = None
    v1_mounts = {}
    for line in mounts.splitlines():
        parts = line.split()
        if len(parts) < 4:
            continue
        mountpoint, fstype, options = parts[1], parts[2], parts[3].split(",")
        if fstype == "cgroup2" and v2_mount is None:
            v2_mount = mountpoint
        elif fstype == "cgroup":
            for controller in ("pids", "memory"):
                if controller in options:
                    v1_mounts[controller] = mountpoint
    if v2_mount is not None:
        found = _v2_parent(Path(v2_mount), own.get("", "/"), name)
        if found.paths:
            return found
    if {"pids", "memory"} <= set(v1_mounts):
        paths = {}
        try:
            for controller in ("pids", "memory"):
                base = Path(v1_mounts[controller], own.get(controller, "/").lstrip("/"))
                path = base / name
                path.mkdir()
                paths[controller] = str(path)
        except OSError as error:
            CgroupParent(1, paths).remove()
            return CgroupParent(reason=f"cannot create a control group ({error})")
        return CgroupParent(1, paths)
    return CgroupParent(reason="the machine has no cgroup with the pids and memory controllers")


def _own_cgroups(text: str) -> dict[str, str]:
    """This process's group in each hierarchy, from ``/proc/self/cgroup`` (v2: key "")."""
    found = {}
    for line in text.splitlines():
        _, controllers, path = line.split(":", 2)
        for controller in controllers.split(",") if controllers else [""]:
            found[controller] = path
    return found


def _v2_parent(mount: Path, own: str, name: str) -> CgroupParent:
    """A v2 group for the run's submissions. v2 lets a group hand controllers down only
    when it holds no processes itself, so the run's group is a sibling of the grader's
    (or a child of the root group, which is exempt)."""
    own_dir = mount / own.lstrip("/")
    parent = own_dir if own in ("", "/") else own_dir.parent
    controllers = _read(parent / "cgroup.controllers").split()
    if not {"pids", "memory"} <= set(controllers):
        return CgroupParent(reason="cgroup v2 without the pids and memory controllers")
    group = parent / name
    try:
        subtree = parent / "cgroup.subtree_control"
        if not {"pids", "memory"} <= set(_read(subtree).split()):
            subtree.write_text("+pids +memory\n")
        group.mkdir()
        (group / "cgroup.subtree_control").write_text("+pids +memory\n")
    except OSError as error:
        with contextlib.suppress(OSError):
            group.rmdir()
        return CgroupParent(reason=f"cannot set up cgroup v2 under {parent} ({error})")
    return CgroupParent(2, {"pids": str(group), "memory": str(group)})


# --------------------------------------------------------------------------- one job


@dataclass
class JobLimits:
    """What the grader tells a submission's sandbox launcher and executor (written as
    JSON into the job's folder, where the sandbox cannot see it)."""

    uid: int
    scratch: str = ""
    home: str = ""
    tmp: str = ""
    scratch_bytes: int = 0
    scratch_files: int = 0
    cgroup: dict | None = None

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(asdict(self), indent=1))

    @classmethod
    def load(cls, path: Path) -> JobLimits:
        return cls(**json.loads(path.read_text()))

    def group(self) -> Cgroup | None:
        return Cgroup.from_json(self.cgroup) if self.cgroup else None
