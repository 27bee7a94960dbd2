"""RAIL: shared code for the Responsible AI in Law enforcement course.

The package holds what more than one notebook (or a notebook and a test) needs:

* :mod:`rail.datasets` - seeded generators of the course's synthetic datasets and a
  loader for the committed copies;
* :mod:`rail.plotting` - the colour-blind-safe house style for figures;
* :mod:`rail.grading` - small assertion helpers used by the assignments' tests.
"""

__version__ = "0.1.0"
