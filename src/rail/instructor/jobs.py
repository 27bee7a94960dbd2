"""Running nbgrader on one private course, in a process of its own that can be stopped."""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import threading
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from multiprocessing.context import BaseContext
from multiprocessing.process import BaseProcess
from pathlib import Path

from rail.instructor.limits import (
    LIMITS_FILE,
    JobLimits,
    job_uid,
    mount_scratch,
    mount_tmpfs,
    private_mounts,
)
from rail.instructor.submission import Inspection

# The kernel's runtime folder holds its connection file and sockets, and nbgrader's
# temporary files (jupyter_client writes the connection file there).
RUNTIME_BYTES, RUNTIME_FILES = 64 * 1024**2, 1024


class GradingStopped(Exception):
    """Grading was stopped (Ctrl-C) before this submission's turn."""


@dataclass
class Job:
    """One submission to grade in its private course under ``work``.

    ``stop`` is shared by the jobs of one run: once set, no new grading starts.
    """

    student: str
    work: Path
    inspection: Inspection
    stop: threading.Event
    process: BaseProcess | None = None

    def kill(self) -> None:
        """Stop this job's nbgrader, kernel and sandbox at once, if they are running."""
        if self.process is not None and self.process.is_alive():
            for kill in (os.killpg, os.kill):  # its group; itself, if not yet a group leader
                with contextlib.suppress(ProcessLookupError):
                    kill(self.process.pid, signal.SIGKILL)


@dataclass(frozen=True)
class Isolation:
    """What a job's grading process sets up for its kernel before nbgrader starts.

    ``private``: mount the kernel's runtime folder and scratch space in a mount namespace
    of the process's own, and give the kernel a user of its own (needs root).
    """

    private: bool
    scratch_bytes: int
    scratch_files: int
    cgroup: dict | None = None


def isolate(work: Path, isolation: Isolation) -> JobLimits:
    """Set up the job's runtime folder and scratch space; return the limits the sandbox
    launcher and the executor read (also saved in ``work``)."""
    scratch = work / "scratch"
    if isolation.private:
        uid = job_uid(os.getpid())
        private_mounts()
        mount_tmpfs(work / "rt", size=RUNTIME_BYTES, files=RUNTIME_FILES, uid=uid)
        home, tmp = mount_scratch(scratch, size=isolation.scratch_bytes,
                                  files=isolation.scratch_files, uid=uid)
    else:
        uid = os.getuid()
        home, tmp = scratch / "home", scratch / "tmp"
        home.mkdir(exist_ok=True)
        tmp.mkdir(exist_ok=True)
    limits = JobLimits(uid=uid, scratch=str(scratch), home=str(home), tmp=str(tmp),
                       scratch_bytes=isolation.scratch_bytes,
                       scratch_files=isolation.scratch_files, cgroup=isolation.cgroup)
    limits.save(work / LIMITS_FILE)
    return limits


def nbgrader_env(work: Path, jupyter_dir: Path) -> dict[str, str]:
    """The environment of one private nbgrader run: its own temporary, runtime and config
    folders (so the kernel's connection file lands in the submission's own folder)."""
    env = dict(os.environ)
    env["TMPDIR"] = str(work / "rt")
    env["JUPYTER_RUNTIME_DIR"] = str(work / "rt")
    env["JUPYTER_CONFIG_DIR"] = str(work / "config")
    env["JUPYTER_PATH"] = os.pathsep.join(filter(None, [str(jupyter_dir),
                                                        env.get("JUPYTER_PATH")]))
    env["IPYTHONDIR"] = str(work / "ipython")
    env["MPLCONFIGDIR"] = str(work / "matplotlib")
    env.pop("JUPYTERHUB_USER", None)  # nbgrader would look for a hub's course list
    return env


# Importing nbgrader takes seconds, longer than running a short notebook: each submission's
# nbgrader is forked from a server that has imported it once, instead of started afresh.
PRELOADED = ["rail.instructor._preload"]


def nbgrader_processes() -> BaseContext:
    """The multiprocessing context that starts each submission's nbgrader."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(PRELOADED)
    return context


def run_autograde(job: Job, assignment: str, jupyter_dir: Path, processes: BaseContext, *,
                  isolation: Isolation, timeout: float) -> tuple[int | None, str]:
    """Run ``nbgrader autograde`` on the private course, for at most ``timeout`` seconds;
    return (exit code, or None when it was stopped at the limit; its log)."""
    log_path = job.work / "autograde.log"
    argv = ["autograde", assignment, f"--student={job.student}", "--force"]
    if job.stop.is_set():
        raise GradingStopped(job.student)
    job.process = processes.Process(
        target=_nbgrader_main, name=f"autograde {job.student}",
        args=(argv, str(job.work), nbgrader_env(job.work, jupyter_dir), str(log_path),
              isolation))
    job.process.start()
    if job.stop.is_set():  # Ctrl-C came while it started: kill() may have found nothing yet
        job.kill()
    job.process.join(timeout=timeout)
    code = job.process.exitcode
    if code is None:  # still running at the time limit
        job.kill()
        job.process.join()
    try:
        return code, log_path.read_text(errors="replace")
    except FileNotFoundError:  # the process failed before it could open its log
        return code, ""


def _nbgrader_main(argv: list[str], cwd: str, env: dict[str, str], log_path: str,
                   isolation: Isolation) -> None:
    """``nbgrader ARGV`` in this (forked) process: in ``cwd`` with ``env``, all output to
    ``log_path``, in a session of its own so that killing its group ends its kernel too,
    with the job's runtime folder and scratch space set up first."""
    from nbgrader.apps.nbgraderapp import NbGraderApp

    os.setsid()
    log = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
    os.dup2(log, 1)
    os.dup2(log, 2)
    isolate(Path(cwd), isolation)
    os.environ.clear()
    os.environ.update(env)
    os.chdir(cwd)
    NbGraderApp.launch_instance(argv=argv)


def failure_reason(code: int | None, log: str, *, timeout: float,
                   counters: dict[str, int] | None = None, memory: int | None = None) -> str:
    """Why nbgrader could not grade a submission, in words an instructor can act on.

    ``counters`` are the submission's control-group counters (:meth:`Cgroup.counters`),
    ``memory`` its memory limit in bytes.
    """
    counters = counters or {}
    if code is None:
        return f"grading did not finish within {timeout:g} s and was stopped"
    if "DeadKernelError" in log or "Kernel died" in log:
        if counters.get("oom_kills") and memory:
            return (f"the kernel was stopped when the submission reached its memory limit "
                    f"({memory / 1024**3:.3g} GiB, /tmp and working copy included); grade it "
                    "by hand or ask for a new submission")
        return ("the kernel died while running the notebook (the code crashed or ended "
                "the Python process); grade it by hand or ask for a new submission")
    if "UnresponsiveKernelError" in log or "became unresponsive" in log:
        return "the kernel stopped responding and could not be interrupted"
    errors = [line for line in log.splitlines() if "[AutogradeApp | ERROR]" in line]
    return "nbgrader failed: " + (errors[0].split("]", 1)[-1].strip() if errors else
                                  f"exit code {code}")


@contextlib.contextmanager
def stopping_on_interrupt(pool: ThreadPoolExecutor, jobs: Sequence[Job],
                           stop: threading.Event) -> Iterator[None]:
    """On Ctrl-C, start nothing new and kill what runs, so that the grader stops at once.

    What was merged into the gradebook before stays; the submissions not yet graded are
    graded by the next run, which skips those graded already.
    """
    try:
        yield
    except KeyboardInterrupt:
        stop.set()
        pool.shutdown(wait=False, cancel_futures=True)
        for job in jobs:
            job.kill()
        raise
