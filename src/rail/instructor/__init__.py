"""The instructor's side of the course: grading a cohort safely, and reports on it.

The whole cycle (release, collect, autograde, feedback, grades, report) is described in
``docs/instructors.md``; the command line is ``python -m rail.instructor``. Nothing is
imported here: importing nbgrader takes seconds, and the sandbox's launcher imports this
package before every grading kernel starts.

Modules, one concern each:

* :mod:`~rail.instructor.autograde` grades a cohort (:func:`grade_cohort`);
* :mod:`~rail.instructor.course`, :mod:`~rail.instructor.gradebook` read the course;
* :mod:`~rail.instructor.submission` inspects a submission before anything of it runs;
* :mod:`~rail.instructor.workspace`, :mod:`~rail.instructor.jobs`,
  :mod:`~rail.instructor.execute` grade one submission in a private copy;
* :mod:`~rail.instructor.sandbox` confines the trainee's kernel;
* :mod:`~rail.instructor.outcomes`, :mod:`~rail.instructor.report` say what happened.
"""

__all__ = ["autograde", "course", "execute", "gradebook", "jobs", "outcomes", "report",
           "sandbox", "submission", "workspace"]
