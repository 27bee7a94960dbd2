"""Run a trainee's notebook kernel in a sandbox while it is graded.

A submission is code written by someone else, and the grader runs it. Inside the sandbox the
kernel sees only what it needs to run: the operating system's programs and libraries, the
Python environment, the course package and its public datasets (all read-only), its own
working copy and ``/tmp`` (read-write), and the socket files it talks to the grader through.
It does not see the course folder (solutions, other trainees' submissions, the gradebook),
nbgrader's exchange or configuration files wherever they live (they are covered over), nor
the notebook it runs; it has no network (only a loopback interface in a network namespace of
its own; the grader talks to it through Unix sockets, Jupyter's ``ipc`` transport). When the
grader is root, the kernel runs as a user of its own, in its submission's control group, with
its working copy and ``/tmp`` in the submission's scratch space (see
:mod:`rail.instructor.limits`); it is held to a memory limit per process in any case.

The sandbox is bubblewrap (``bwrap``, Debian package ``bubblewrap``). Jupyter starts kernels
from a *kernel spec*; :func:`write_kernel_spec` writes one whose command is this module::

    python -m rail.instructor.sandbox --policy POLICY.json -- \
        python -m ipykernel_launcher -f CONN.json

which joins the submission's control group, applies the limits per process, hands the
working copy and the connection file to the sandbox user, and replaces itself with
``bwrap``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import sys
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from rail.instructor.limits import LIMITS_FILE, JobLimits

KERNEL_NAME = "rail-sandbox"
DEDICATED_MARK = ".rail-sandbox"
NOBODY = 65534
GIB = 1024**3

# What every program needs from the base system; each is bound read-only if it exists.
SYSTEM_PATHS = ("/usr", "/bin", "/sbin", "/lib", "/lib64", "/lib32", "/etc")

# Threads beyond one only contend when several submissions are graded at once.
SANDBOX_ENV = {
    "LANG": "C.UTF-8",
    "PATH": "/usr/local/bin:/usr/bin:/bin",
    "OPENBLAS_NUM_THREADS": "1",
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "PYTHONDONTWRITEBYTECODE": "1",
    # Caches and profiles go to the sandbox's private /tmp, not into the graded folder.
    "MPLCONFIGDIR": "/tmp/matplotlib",
    "IPYTHONDIR": "/tmp/ipython",
    "XDG_CACHE_HOME": "/tmp/cache",
    # The memory limit counts address space, so keep allocators from reserving much more
    # than they use: fewer malloc arenas, and Arrow (pandas' string columns) on the system
    # allocator instead of mimalloc, which reserves 1 GiB up front.
    "MALLOC_ARENA_MAX": "2",
    "ARROW_DEFAULT_MEMORY_POOL": "system",
    "NBGRADER_EXECUTION": "autograde",
}


class SandboxError(RuntimeError):
    """The sandbox cannot be set up as asked (missing bwrap, a secret left visible, ...)."""


@dataclass(frozen=True)
class SandboxPolicy:
    """What a sandboxed kernel may see and use.

    Parameters
    ----------
    readonly:
        Folders bound read-only (besides :data:`SYSTEM_PATHS`).
    memory_limit:
        Address-space limit of the kernel, in bytes. An allocation beyond it raises
        ``MemoryError`` in the trainee's cell; the rest of the notebook still runs.
    max_file_size:
        Largest file the kernel may write, in bytes.
    max_processes:
        Processes and threads the sandbox user may have at once. With a user per
        submission (the grader is root) that is the submission's own limit.
    run_as:
        User id the kernel runs as when the grader is root and the submission has no user
        of its own (default ``nobody``).
    hidden:
        Paths inside the system folders (``/usr``, ``/etc``, ...) to cover over: nbgrader's
        exchange and configuration files, which are visible otherwise.
    env:
        The kernel's whole environment: nothing of the grader's (database passwords, tokens)
        is passed on.
    """

    readonly: tuple[str, ...]
    memory_limit: int = 2 * GIB
    max_file_size: int = 256 * 1024**2
    max_processes: int = 256
    run_as: int = NOBODY
    hidden: tuple[str, ...] = ()
    env: dict[str, str] = field(default_factory=lambda: dict(SANDBOX_ENV))

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(asdict(self), indent=1))

    @classmethod
    def load(cls, path: Path) -> SandboxPolicy:
        data = json.loads(path.read_text())
        data["readonly"] = tuple(data["readonly"])
        data["hidden"] = tuple(data.get("hidden", ()))
        return cls(**data)


def bwrap_path() -> str:
    """The bubblewrap executable, or a :class:`SandboxError` saying how to install it."""
    found = shutil.which("bwrap")
    if found is None:
        raise SandboxError(
            "bubblewrap (bwrap) is not installed; install the Debian package 'bubblewrap' "
            "or grade without the sandbox (--no-sandbox, trusted submissions only)"
        )
    return found


def python_paths() -> list[str]:
    """Folders this Python needs to import the course's packages: prefixes and ``sys.path``."""
    candidates = [sys.prefix, sys.base_prefix, os.path.dirname(os.path.realpath(sys.executable))]
    candidates += [entry for entry in sys.path if entry]
    return _unique(os.path.realpath(p) for p in candidates if os.path.isdir(p))


def exposing(paths: Iterable[str], secrets: Iterable[Path]) -> dict[str, str]:
    """The paths among ``paths`` that would expose a secret: a path mapped to the secret.

    A path exposes a secret when it is the secret or a folder that contains it.
    """
    resolved = [Path(os.path.realpath(s)) for s in secrets]
    found = {}
    for path in paths:
        real = Path(os.path.realpath(path))
        for secret in resolved:
            if secret.is_relative_to(real):
                found[path] = str(secret)
    return found


def safe_readonly_paths(secrets: Iterable[Path], extra: Iterable[str] = ()) -> tuple[str, ...]:
    """Python's folders and ``extra``, without any folder that would expose a secret.

    ``sys.path`` holds the current folder when Python runs with ``-m``; when that is the
    course folder it is dropped here, while the environment and the package stay visible.
    """
    secrets = list(secrets)
    wanted = python_paths() + [os.path.realpath(p) for p in extra if os.path.isdir(p)]
    unsafe = exposing(wanted, secrets)
    return tuple(p for p in _unique(wanted) if p not in unsafe)


def bwrap_command(policy: SandboxPolicy, workdir: Path, runtime_dir: Path,
                  command: Sequence[str], *, as_root: bool, uid: int | None = None,
                  tmp: str | None = None) -> list[str]:
    """The ``bwrap`` command line that runs ``command`` in ``workdir`` under ``policy``.

    When the grader is root (``as_root``), bwrap sets the sandbox up with root's rights (so
    it can bind a Python installed under ``/root``) and, inside it, ``setpriv`` drops to
    ``uid`` (default ``policy.run_as``) before the kernel starts. Otherwise bwrap runs
    unprivileged, in a user namespace, as the grader's own user. ``tmp`` is the folder
    bound as ``/tmp`` (default: a memory file system of its own).
    """
    if as_root:
        unshare = ["--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts",
                   "--unshare-cgroup-try"]
        user = str(policy.run_as if uid is None else uid)
        command = ["setpriv", f"--reuid={user}", f"--regid={user}", "--clear-groups",
                   "--bounding-set=-all", "--", *command]
    else:
        unshare = ["--unshare-all"]
    args = [bwrap_path(), "--die-with-parent", "--new-session", *unshare, "--clearenv"]
    for name, value in {**policy.env, "HOME": str(workdir)}.items():
        args += ["--setenv", name, value]
    for path in SYSTEM_PATHS:
        args += ["--ro-bind-try", path, path]
    args += ["--proc", "/proc", "--dev", "/dev"]
    if tmp:
        args += ["--bind", tmp, "/tmp"]
    else:
        args += ["--perms", "1777", "--tmpfs", "/tmp"]
    readonly = _outermost(policy.readonly)
    writable = _outermost([str(runtime_dir), str(workdir)])
    # bwrap makes the folders leading to a bind point private to root (0700), which would
    # shut the sandbox user out of, say, /root/.pyenv: make them plain readable folders.
    for folder in _leading_folders([*readonly, *writable]):
        args += ["--perms", "0755", "--dir", folder]
    for path in readonly:
        args += ["--ro-bind", path, path]
    for path in writable:
        args += ["--bind", path, path]
    for path in policy.hidden:  # after every bind, so that they cover what lies there
        args += (["--tmpfs", path] if os.path.isdir(path) else ["--ro-bind", "/dev/null", path])
    args += ["--chdir", str(workdir), "--", *command]
    return args


def _outermost(paths: Iterable[str]) -> list[str]:
    """``paths`` without those inside another of them (already visible through it)."""
    unique = _unique(os.path.normpath(p) for p in paths)
    return [p for p in unique
            if not any(other != p and Path(p).is_relative_to(other) for other in unique)]


def _leading_folders(paths: Iterable[str]) -> list[str]:
    """The folders leading to ``paths`` that bwrap would otherwise create itself, parents
    first; not the root, ``/tmp`` or the system folders, which exist already."""
    found = []
    for path in paths:
        parents = [str(p) for p in reversed(Path(path).parents)]
        found += [p for p in parents
                  if p not in ("/", "/tmp")
                  and not any(Path(p).is_relative_to(s) for s in SYSTEM_PATHS)]
    return _unique(found)


def write_kernel_spec(jupyter_dir: Path, policy_file: Path) -> Path:
    """Write the sandboxed kernel spec under ``jupyter_dir/kernels``; put ``jupyter_dir`` on
    ``JUPYTER_PATH`` and ask for kernel :data:`KERNEL_NAME` to use it."""
    spec_dir = jupyter_dir / "kernels" / KERNEL_NAME
    spec_dir.mkdir(parents=True, exist_ok=True)
    spec = {
        "argv": [sys.executable, "-m", "rail.instructor.sandbox", "--policy", str(policy_file),
                 "--", sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (RAIL grading sandbox)",
        "language": "python",
        # bwrap starts the kernel in a session of its own, out of reach of a signal sent to
        # the launcher's process group: interrupt it with a message instead.
        "interrupt_mode": "message",
    }
    (spec_dir / "kernel.json").write_text(json.dumps(spec, indent=1))
    return spec_dir


def mark_dedicated(folder: Path) -> Path:
    """Mark ``folder`` as made by the grader for one submission, so that what lies inside it
    may be handed to the sandbox user.

    The launcher hands over only folders inside a marked folder: never a shared folder such
    as ``/tmp``, where a bare ``KernelManager`` writes its connection file.
    """
    folder.mkdir(parents=True, exist_ok=True)
    (folder / DEDICATED_MARK).write_text("made by the RAIL grader for one submission\n")
    return folder


def _require_dedicated(folder: Path, role: str) -> Path:
    """The folder prepared by the grader that holds ``folder``, or a :class:`SandboxError`."""
    real = Path(os.path.realpath(folder))
    for place in (real, *real.parents):
        if (place / DEDICATED_MARK).is_file():
            return place
    raise SandboxError(
        f"the {role} {folder} is not inside a folder prepared by the grader "
        f"(no {DEDICATED_MARK}); refusing to hand it to the sandbox user"
    )


def _hand_over(workdir: Path, connection_file: Path, uid: int) -> None:
    """Give the sandbox user its working copy and its connection file (grader is root).

    The caller has checked that both lie in folders carrying :data:`DEDICATED_MARK`; the
    runtime folder itself is handed over (the kernel creates its sockets there) but not
    what else it holds.
    """
    os.chown(connection_file.parent, uid, uid)
    os.chown(connection_file, uid, uid)
    for folder, dirs, files in os.walk(workdir):
        os.chown(folder, uid, uid)
        for name in dirs + files:
            os.chown(os.path.join(folder, name), uid, uid, follow_symlinks=False)


def _connection_file(command: Sequence[str]) -> Path:
    try:
        return Path(command[list(command).index("-f") + 1])
    except (ValueError, IndexError):
        raise SandboxError("the kernel command has no '-f CONNECTION_FILE'") from None


def launch(policy: SandboxPolicy, command: Sequence[str]) -> None:
    """Replace this process with ``command`` sandboxed in the current folder (never returns).

    The current folder and the connection file's folder must both have been prepared with
    :func:`mark_dedicated`.
    """
    workdir = Path.cwd()
    connection_file = _connection_file(command)
    runtime_dir = connection_file.parent
    job = _require_dedicated(workdir, "working copy")
    _require_dedicated(runtime_dir, "runtime folder")
    as_root = os.geteuid() == 0
    limits = JobLimits.load(job / LIMITS_FILE) if (job / LIMITS_FILE).is_file() else None
    uid = limits.uid if limits is not None and as_root else policy.run_as
    group = limits.group() if limits is not None else None
    if group is not None:
        group.join()
    resource.setrlimit(resource.RLIMIT_AS, (policy.memory_limit, policy.memory_limit))
    resource.setrlimit(resource.RLIMIT_FSIZE, (policy.max_file_size, policy.max_file_size))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    # Counted per user: stops a fork bomb, leaves room for several kernels' threads.
    resource.setrlimit(resource.RLIMIT_NPROC, (policy.max_processes, policy.max_processes))
    args = bwrap_command(policy, workdir, runtime_dir, command, as_root=as_root, uid=uid,
                         tmp=limits.tmp if limits is not None else None)
    if as_root:
        _hand_over(workdir, connection_file, uid)
    os.execv(args[0], args)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m rail.instructor.sandbox", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--policy", type=Path, required=True, help="policy JSON file")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="-- command to sandbox")
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("give the command to run after --")
    try:
        launch(SandboxPolicy.load(args.policy), command)
    except (SandboxError, OSError) as error:
        print(f"rail.instructor.sandbox: {error}", file=sys.stderr)
        return 2
    return 0  # pragma: no cover - launch() replaces the process


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


if __name__ == "__main__":
    sys.exit(main())
