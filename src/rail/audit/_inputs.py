"""Reading and checking the table of decisions an audit runs on.

Every problem that would make a figure wrong stops the audit with an :class:`AuditInputError`
that names the column and says what to do; problems the audit can work around (missing values,
tiny groups) are handled in a stated way and recorded as notes for the report.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

MISSING_GROUP = "(missing)"
"""The group that people with no recorded value of a group column are put in."""

READABLE_SUFFIXES = (".csv", ".csv.gz", ".parquet", ".pq")
"""File names the audit can read."""

BINARY_VALUES = {0, 1}

OVERALL_GROUP = "All"
"""The name of the row for everyone together; no group may be called this."""

RESERVED_NAMES = ("label", "score", "decision", "weight", "band")
"""Names the audit gives its own working columns; a group column cannot have one of them."""


class AuditInputError(ValueError):
    """The table or the settings of an audit cannot give honest figures; the message says why."""


@dataclass(frozen=True)
class Source:
    """What was audited: a description a board can check the report against.

    Attributes
    ----------
    name:
        The file name, or the name given to a table passed from Python.
    sha256:
        SHA-256 digest of the file's bytes (empty for a table passed from Python), so that a
        reader can confirm the report describes the file they hold.
    rows:
        Rows in the table as read.
    """

    name: str
    sha256: str
    rows: int


@dataclass(frozen=True)
class Decisions:
    """The checked table: one row per decision, with the columns the audit reads.

    Attributes
    ----------
    table:
        The group columns (as text, missing values as :data:`MISSING_GROUP`), ``label`` (0/1),
        ``score`` (float) and ``decision`` (0/1).
    score_is_decision:
        True when the score column itself is the 0/1 decision (no threshold applied).
    notes:
        How missing values and other oddities were treated, in words for the report.
    """

    table: pd.DataFrame
    score_is_decision: bool
    notes: list[str] = field(default_factory=list)


def read_table(path: str | os.PathLike[str]) -> tuple[pd.DataFrame, Source]:
    """Read a CSV or Parquet table of decisions and describe it.

    Raises
    ------
    AuditInputError
        If the file does not exist, its format cannot be told from its name, or it cannot
        be parsed.
    """
    path = Path(path)
    name = path.name.lower()
    if not name.endswith(READABLE_SUFFIXES):
        raise AuditInputError(
            f"cannot tell the format of {str(path)!r}: the audit reads "
            f"{', '.join(READABLE_SUFFIXES)} files"
        )
    if not path.is_file():
        raise AuditInputError(f"no file {str(path)!r}: check the path of the table of decisions")
    try:
        parquet = name.endswith((".parquet", ".pq"))
        frame = pd.read_parquet(path) if parquet else pd.read_csv(path)
    except (ValueError, OSError, ImportError) as err:
        raise AuditInputError(f"cannot read {str(path)!r}: {err}") from None
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return frame, Source(name=path.name, sha256=digest.hexdigest(), rows=len(frame))


def _few(values: pd.Series, limit: int = 5) -> str:
    """The first ``limit`` distinct values, sorted where they can be, for a message."""
    distinct = values.drop_duplicates().tolist()
    with contextlib.suppress(TypeError):  # values of mixed types stay in table order
        distinct = sorted(distinct)
    more = " ..." if len(distinct) > limit else ""
    return ", ".join(repr(v) for v in distinct[:limit]) + more


def _label_values(column: pd.Series, name: str) -> pd.Series:
    """The label as 0/1 integers; refuse anything that is not two-valued 0/1 or False/True."""
    if pd.api.types.is_bool_dtype(column) or (
            column.dtype == object and column.map(type).isin([bool, np.bool_]).all()):
        return column.astype(int)  # (a CSV column of True/False with gaps is read as objects)
    if pd.api.types.is_numeric_dtype(column):
        found = set(np.unique(column.to_numpy(dtype=float)).tolist())
        if found <= BINARY_VALUES:
            return column.astype(int)
    raise AuditInputError(
        f"the label column {name!r} must hold 0/1 or False/True (1 = the outcome happened); "
        f"found {_few(column)}; recode it first, e.g. "
        f"frame[{name!r}] = (frame[{name!r}] > 0).astype(int) for counts, or "
        f"(frame[{name!r}] == 'yes').astype(int) for text"
    )


def _missing_by_group(dropped: pd.DataFrame, groups: list[str]) -> str:
    parts = []
    for column in groups:
        counts = dropped[column].value_counts().sort_index()
        parts.append(f"{column}: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    return "; ".join(parts)


def check_decisions(frame: pd.DataFrame, *, label: str, score: str, groups: list[str],
                    threshold: float | None) -> Decisions:
    """Check ``frame`` and return the columns the audit needs, with notes on what was done.

    Treatment of missing values (stated in the report):

    * a missing label or score: the row is left out of every figure, and the report counts
      the rows left out by group (if one group loses more rows, the audit sample is skewed);
    * a missing group value: the person is kept, in a group of their own called
      ``(missing)``, because leaving them out would hide them.

    Raises
    ------
    AuditInputError
        If a column is missing or named twice, a group column has one of the
        :data:`RESERVED_NAMES`, the table is empty, the label is not 0/1, the
        score is not numeric, the score is not 0/1 and no threshold is given, or no row is
        left once rows with a missing label or score are left out.
    """
    if not groups:
        raise AuditInputError("name at least one group column (--group COL)")
    wanted = [label, score, *groups]
    repeated = sorted({c for c in wanted if wanted.count(c) > 1})
    if repeated:
        raise AuditInputError(
            f"column(s) {repeated} named more than once: the label, the score and each group "
            "column must be different columns"
        )
    clashing = [c for c in groups if c in RESERVED_NAMES]
    if clashing:
        raise AuditInputError(
            f"group column(s) {clashing} have a name the audit uses for its own working columns "
            f"({', '.join(RESERVED_NAMES)}); rename them first, e.g. "
            f"frame.rename(columns={{{clashing[0]!r}: {clashing[0] + '_group'!r}}})"
        )
    absent = [c for c in wanted if c not in frame.columns]
    if absent:
        available = ", ".join(map(str, frame.columns[:30]))
        raise AuditInputError(f"no column(s) {absent} in the table; its columns are: {available}")
    if frame.empty:
        raise AuditInputError("the table has no rows")
    numeric = pd.api.types.is_numeric_dtype(frame[score])
    if not (numeric or pd.api.types.is_bool_dtype(frame[score])):
        raise AuditInputError(
            f"the score column {score!r} must be numeric (a 0/1 decision or a score to "
            f"threshold); found {_few(frame[score].dropna())}"
        )

    notes: list[str] = []
    table = pd.DataFrame(index=frame.index)
    for column in groups:
        values = frame[column]
        missing = int(values.isna().sum())
        if missing:
            notes.append(
                f"{missing} row(s) have no value of the group column {column!r}: they are kept, "
                f"in a group of their own called {MISSING_GROUP!r}."
            )
        table[column] = values.astype("string").fillna(MISSING_GROUP).astype(str)
        if (table[column] == OVERALL_GROUP).any():
            raise AuditInputError(
                f"the group column {column!r} has a group called {OVERALL_GROUP!r}, the name the "
                "report gives everyone together; recode it first, e.g. "
                f"frame[{column!r}] = frame[{column!r}].replace({{'All': 'All (group)'}})"
            )

    unusable = frame[label].isna() | frame[score].isna()
    if unusable.any():
        dropped = table[unusable]
        notes.append(
            f"{int(unusable.sum())} of {len(frame)} row(s) have no label or no score "
            f"({int(frame[label].isna().sum())} without a label, "
            f"{int(frame[score].isna().sum())} without a score): they are left out of every "
            f"figure. Left out, by group: {_missing_by_group(dropped, groups)}. If one group "
            "loses more rows than another, ask why before reading the figures."
        )
    if unusable.all():
        raise AuditInputError(
            f"no row has both a label ({label!r}) and a score ({score!r}): nothing to audit"
        )
    table = table[~unusable].copy()
    table["label"] = _label_values(frame.loc[~unusable, label], label)
    scores = frame.loc[~unusable, score].astype(float)
    table["score"] = scores
    score_is_decision = set(np.unique(scores.to_numpy()).tolist()) <= BINARY_VALUES
    if threshold is None:
        if not score_is_decision:
            raise AuditInputError(
                f"the score column {score!r} is not a 0/1 decision (it runs from "
                f"{scores.min():g} to {scores.max():g}): give the threshold at which the "
                "system flags a case (--threshold T: flagged when score >= T)"
            )
        table["decision"] = scores.astype(int)
    else:
        if not np.isfinite(threshold):
            raise AuditInputError(f"the threshold must be a finite number, got {threshold!r}")
        table["decision"] = (scores >= threshold).astype(int)
        score_is_decision = False
    for outcome, word in ((0, "negative"), (1, "positive")):
        if not (table["label"] == outcome).any():
            notes.append(
                f"no row has label {outcome} ({word}): the rates that divide by {word} cases "
                "cannot be computed and are left blank."
            )
    return Decisions(table=table, score_is_decision=score_is_decision, notes=notes)
