"""A job stops at once on Ctrl-C, even when Ctrl-C comes while its grading process starts."""

import multiprocessing
import threading
import time

from rail.instructor.jobs import Isolation, Job, run_autograde


class _StartsDuringCtrlC:
    """Stands in for a process context: its process sleeps, and Ctrl-C lands during start()."""

    def __init__(self, job: Job) -> None:
        self.job = job

    def Process(self, **kwargs):  # the name multiprocessing contexts use
        job = self.job

        class Sleeper(multiprocessing.get_context("fork").Process):
            def start(self) -> None:
                super().start()
                job.stop.set()  # the run's Ctrl-C handler sets stop, then kills every job

        return Sleeper(target=time.sleep, args=(600,))


def test_ctrl_c_during_the_start_of_a_job_still_stops_it(tmp_path):
    job = Job(student="late", work=tmp_path, inspection=None, stop=threading.Event())
    started = time.monotonic()
    code, _ = run_autograde(job, "00-orientation", tmp_path, _StartsDuringCtrlC(job),
                            isolation=Isolation(private=False, scratch_bytes=0,
                                                scratch_files=0), timeout=20)
    assert code is not None and code < 0, "the job ran on to its time limit after Ctrl-C"
    assert time.monotonic() - started < 10
