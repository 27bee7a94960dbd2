"""A first-pass audit of any table of decisions: ``python -m rail.audit report``.

After the course, a unit can run the same first-pass audit on its own system's decisions:
performance and error rates by group and at intersections, with intervals; calibration by
group; the disparities beyond a stated tolerance; small groups flagged rather than over-read;
and the questions the numbers cannot answer, for the human part of the audit. See
``docs/audit.md``.

>>> from rail import datasets
>>> from rail.audit import audit_report
>>> report = audit_report(datasets.load("risk_assessment"), label="rearrest_2y",
...                       score="risk_score", threshold=5, groups=["group", "sex"])
>>> html = report.to_html()
"""

from rail.audit._filled import FilledReport, fill_report
from rail.audit._inputs import MISSING_GROUP, AuditInputError, Source, read_table
from rail.audit._report import (
    DEFAULT_MIN_GROUP_SIZE,
    DEFAULT_RATIO_TOLERANCE,
    DEFAULT_SCORE_BANDS,
    DEFAULT_TOLERANCE,
    AuditReport,
    AuditSettings,
    audit_report,
)

__all__ = [
    "DEFAULT_MIN_GROUP_SIZE",
    "DEFAULT_RATIO_TOLERANCE",
    "DEFAULT_SCORE_BANDS",
    "DEFAULT_TOLERANCE",
    "MISSING_GROUP",
    "AuditInputError",
    "AuditReport",
    "AuditSettings",
    "FilledReport",
    "Source",
    "audit_report",
    "fill_report",
    "read_table",
]
