"""Work each submission's grading process would otherwise repeat, done once.

The grader forks each submission's nbgrader from a server that imported this module (see
:data:`rail.instructor.jobs.PRELOADED`); what it builds here is inherited, not rebuilt:
nbgrader and the executor imported, nbformat's schema validators compiled (fastjsonschema
compiles them to Python at first use, about half a second), and SQLAlchemy's mappers of
the gradebook configured.
"""

import nbformat
import nbgrader.api
import nbgrader.apps
import nbgrader.converters
import nbgrader.preprocessors  # noqa: F401
import sqlalchemy.orm
from nbformat import validator

import rail.instructor.execute  # noqa: F401

for minor in range(nbformat.v4.nbformat_minor + 1):
    for relaxed in (False, True):
        validator.get_validator(4, minor, relax_add_props=relaxed)
sqlalchemy.orm.configure_mappers()
