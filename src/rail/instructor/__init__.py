"""The instructor's side of the course: grading a cohort safely, and reports on it.

The whole cycle (release, collect, autograde, feedback, grades, report) is described in
``docs/instructors.md``; the command line is ``python -m rail.instructor``. Nothing is
imported here: importing nbgrader takes seconds, and the sandbox's launcher imports this
package before every grading kernel starts.

Modules, one concern each:

* :mod:`~rail.instructor.autograde` grades a cohort (:func:`grade_cohort`);
* :mod:`~rail.instructor.budget` records how long a module's solution takes to grade;
* :mod:`~rail.instructor.course`, :mod:`~rail.instructor.gradebook` read the course;
* :mod:`~rail.instructor.submission` inspects a submission before anything of it runs;
* :mod:`~rail.instructor.workspace`, :mod:`~rail.instructor.jobs`,
  :mod:`~rail.instructor.execute` grade one submission in a private copy;
* :mod:`~rail.instructor.sandbox` and :mod:`~rail.instructor.limits` confine the trainee's
  kernel and hold it to limits of its own;
* :mod:`~rail.instructor.scan` and :mod:`~rail.instructor.guard` (with
  ``_kernel_guard``, which runs inside the kernel) keep unearned points out;
* :mod:`~rail.instructor.outcomes`, :mod:`~rail.instructor.report` say what happened.
"""

__all__ = ["autograde", "budget", "course", "execute", "gradebook", "guard", "jobs",
           "limits", "outcomes", "report", "sandbox", "scan", "submission", "workspace"]
