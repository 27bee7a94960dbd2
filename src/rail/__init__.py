"""RAIL: shared code for the Responsible AI in Law enforcement course.

The package holds what more than one notebook (or a notebook and a test) needs.

For trainees' notebooks:

* :mod:`rail.datasets` - seeded generators of the course's synthetic datasets and a
  loader for the committed copies;
* :mod:`rail.plotting` - the colour-blind-safe house style for figures;
* :mod:`rail.fairness`, :mod:`rail.feedback` - the lessons' shared analyses;
* :mod:`rail.grading` - the assertion helpers the assignments' tests call (a published
  interface: released notebooks import it by name).

For instructors:

* :mod:`rail.instructor` - grading a cohort in a sandbox, in parallel, and reports on it.

For units after the course:

* :mod:`rail.audit` - a first-pass audit report of any table of decisions
  (``python -m rail.audit report``, see ``docs/audit.md``).
"""

__version__ = "0.1.0"
