"""The first-pass audit: settings in, figures, findings and questions out."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from rail.audit._calibration import calibration_table, compare_calibration
from rail.audit._disparities import BEYOND, INCONCLUSIVE, compare_rates, reference_group
from rail.audit._figures import calibration_figure, can_colour, rates_figure
from rail.audit._inputs import AuditInputError, Source, check_decisions, read_table
from rail.audit._metrics import auc_by_group, grouping_name, rates_by_group
from rail.audit._questions import questions_for

DEFAULT_TOLERANCE = 0.05
"""Largest difference between groups' rates accepted without a finding (5 percentage points)."""

DEFAULT_RATIO_TOLERANCE = 1.25
"""Largest ratio between groups' rates accepted without a finding (and its inverse, 0.8)."""

DEFAULT_MIN_GROUP_SIZE = 30
"""A rate over fewer people than this is shown but not judged."""

DEFAULT_SCORE_BANDS = 10
"""Bands a fine-grained score is cut into for the calibration table."""


@dataclass(frozen=True)
class AuditSettings:
    """What is audited and how strictly; every setting is printed in the report.

    Attributes
    ----------
    label:
        Column of the observed outcome, 0/1 or False/True (1 = the outcome happened).
    score:
        Column of the system's output: a 0/1 decision, or a score with ``threshold``.
    groups:
        Group columns; each is audited alone, and all together at their intersection.
    threshold:
        A case is flagged when ``score >= threshold``; ``None`` if the score is the decision.
    tolerance:
        Largest difference in a rate between two groups (in rate units: 0.05 = 5 percentage
        points) that is acceptable; a difference whose whole 95 % interval lies beyond it is
        a finding.
    ratio_tolerance:
        Largest acceptable ratio between two groups' rates (and its inverse the smallest):
        1.25 accepts ratios from 0.8 to 1.25, as the "four-fifths rule" of the US Uniform
        Guidelines on Employee Selection Procedures (1978) does for selection rates. It
        catches disparities in rare outcomes that a difference hides.
    min_group_size:
        A rate that divides by fewer people than this is flagged and not judged.
    score_bands:
        Bands of about equal size for the calibration of a score with more than 20 values.
    """

    label: str
    score: str
    groups: tuple[str, ...]
    threshold: float | None = None
    tolerance: float = DEFAULT_TOLERANCE
    ratio_tolerance: float = DEFAULT_RATIO_TOLERANCE
    min_group_size: int = DEFAULT_MIN_GROUP_SIZE
    score_bands: int = DEFAULT_SCORE_BANDS

    def __post_init__(self) -> None:
        if isinstance(self.groups, str):
            object.__setattr__(self, "groups", (self.groups,))
        object.__setattr__(self, "groups", tuple(self.groups))
        if not 0 < self.tolerance < 1:
            raise AuditInputError(
                f"the tolerance must be between 0 and 1 (a difference in rates, 0.05 = 5 "
                f"percentage points), got {self.tolerance!r}")
        if not self.ratio_tolerance > 1:
            raise AuditInputError(
                f"the ratio tolerance must be above 1 (1.25 accepts ratios from 0.8 to 1.25), "
                f"got {self.ratio_tolerance!r}")
        for name, least in (("min_group_size", 2), ("score_bands", 2)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < least:
                raise AuditInputError(f"{name} must be a whole number >= {least}, got {value!r}")


@dataclass
class AuditReport:
    """The result of :func:`audit_report`: every table behind the HTML report.

    Attributes
    ----------
    settings, source:
        What was audited, and how.
    notes:
        How missing values, tiny groups and other oddities of the data were treated.
    rates:
        Every rate for every group of every grouping, with 95 % intervals
        (see :data:`rail.audit._metrics.RATE_COLUMNS`).
    disparities:
        Every group against its grouping's reference group, with a verdict.
    base_rates:
        The same comparison for the base rate (context: not a property of the system).
    auc:
        Area under the ROC curve by group (empty when the score is itself the decision).
    calibration, calibration_disparities:
        Per group column: the calibration table, and the comparisons band by band.
    score_banded:
        Whether the score was cut into bands for calibration.
    questions:
        (question, why) pairs for the human part of the audit.
    figures:
        Title -> PNG image as base64 text.
    """

    settings: AuditSettings
    source: Source
    notes: list[str]
    rates: pd.DataFrame
    disparities: pd.DataFrame
    base_rates: pd.DataFrame
    auc: pd.DataFrame
    calibration: dict[str, pd.DataFrame]
    calibration_disparities: dict[str, pd.DataFrame]
    score_banded: bool
    questions: list[tuple[str, str]]
    figures: dict[str, str] = field(default_factory=dict)

    @property
    def findings(self) -> pd.DataFrame:
        """The disparities whose whole interval lies beyond the tolerance."""
        return self.disparities[self.disparities["verdict"] == BEYOND].reset_index(drop=True)

    @property
    def calibration_findings(self) -> pd.DataFrame:
        """Score bands where a group's observed rate differs beyond the tolerance."""
        parts = [table.assign(grouping=column)
                 for column, table in self.calibration_disparities.items()]
        every = pd.concat(parts, ignore_index=True)
        return every[every["verdict"] == BEYOND].reset_index(drop=True)

    def to_html(self) -> str:
        """The report as one self-contained HTML page (styles and figures inside)."""
        from rail.audit._html import render

        return render(self)

    def write(self, path: str | os.PathLike[str]) -> Path:
        """Write :meth:`to_html` to ``path`` (UTF-8) and return the path."""
        return write_html(self.to_html(), path)


def write_html(html: str, path: str | os.PathLike[str]) -> Path:
    """Write a report's ``html`` to ``path`` (UTF-8, creating its folder); return the path.

    Raises
    ------
    AuditInputError
        If the file cannot be written; the message names the path and the reason.
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(html, encoding="utf-8")
    except OSError as err:
        raise AuditInputError(f"cannot write {str(path)!r}: {err.strerror or err}") from None
    return path


def _groupings(groups: tuple[str, ...]) -> list[list[str]]:
    single = [[column] for column in groups]
    return [*single, list(groups)] if len(groups) > 1 else single


def audit_report(data: pd.DataFrame | str | os.PathLike[str], *, label: str, score: str,
                 groups: list[str] | tuple[str, ...] | str, threshold: float | None = None,
                 tolerance: float = DEFAULT_TOLERANCE,
                 ratio_tolerance: float = DEFAULT_RATIO_TOLERANCE,
                 min_group_size: int = DEFAULT_MIN_GROUP_SIZE,
                 score_bands: int = DEFAULT_SCORE_BANDS, name: str | None = None,
                 out: str | os.PathLike[str] | None = None) -> AuditReport:
    """Run a first-pass fairness and performance audit of a table of decisions.

    Parameters
    ----------
    data:
        The decisions, one row per person or case: a DataFrame, or the path of a CSV or
        Parquet file.
    label, score, groups, threshold, tolerance, ratio_tolerance, min_group_size, score_bands:
        See :class:`AuditSettings`.
    name:
        What to call a DataFrame in the report (a file is called by its file name).
    out:
        If given, the HTML report is written there.

    Returns
    -------
    AuditReport
        The tables, findings and questions; ``.to_html()`` renders them.

    Raises
    ------
    AuditInputError
        With a message saying what to fix, if the table or a setting cannot give honest
        figures (see :func:`rail.audit._inputs.check_decisions`).

    Examples
    --------
    >>> from rail import datasets
    >>> from rail.audit import audit_report
    >>> report = audit_report(datasets.load("risk_assessment"), label="rearrest_2y",
    ...                       score="risk_score", threshold=5, groups=["group", "sex"])
    >>> report.findings.loc[0, ["grouping", "rate", "group", "reference"]].tolist()
    ['group', 'selection rate', 'B', 'A']
    """
    settings = AuditSettings(label=label, score=score, groups=groups, threshold=threshold,
                             tolerance=tolerance, ratio_tolerance=ratio_tolerance,
                             min_group_size=min_group_size,
                             score_bands=score_bands)
    if isinstance(data, pd.DataFrame):
        frame = data
        source = Source(name=name or "a table passed from Python", sha256="", rows=len(data))
    else:
        frame, source = read_table(data)
    decisions = check_decisions(frame, label=label, score=score, groups=list(settings.groups),
                                threshold=threshold)
    table = decisions.table
    notes = list(decisions.notes)

    rates, disparities, base_rates, figures = [], [], [], {}
    for columns in _groupings(settings.groups):
        grouping = grouping_name(columns)
        of_grouping = rates_by_group(table, columns, min_group_size=min_group_size)
        rates.append(of_grouping)
        disparities.append(compare_rates(of_grouping, tolerance=tolerance,
                                         ratio_tolerance=ratio_tolerance))
        base_rates.append(compare_rates(of_grouping, tolerance=tolerance,
                                        ratio_tolerance=ratio_tolerance,
                                        rate_names=("base rate",)))
        people = of_grouping.drop_duplicates("group").set_index("group")["people"]
        if len(people) < 3:  # "All" and one group
            notes.append(f"{grouping}: everyone is in one group, so there is nothing to "
                         "compare; check that this is the right column.")
        alone = [g for g, n in people.items() if n == 1]
        if alone:
            notes.append(
                f"{grouping}: {len(alone)} group(s) of one person ({', '.join(alone)}): their "
                "figures are withheld, as a rate of one person describes (and could identify) "
                "that person. Merge such groups with related ones, or audit them by hand.")
        if can_colour(len(people) - 1):
            figures[f"Rates by {grouping}"] = rates_figure(of_grouping, grouping)
        else:
            notes.append(f"{grouping}: {len(people) - 1} groups are too many to tell apart in "
                         "a figure; see the table.")

    auc = pd.DataFrame()
    if not decisions.score_is_decision:
        auc = pd.concat([auc_by_group(table, column, min_group_size=min_group_size,
                                      overall=i == 0)
                         for i, column in enumerate(settings.groups)], ignore_index=True)

    all_rates = pd.concat(rates, ignore_index=True)
    calibration, calibration_disparities, banded = {}, {}, False
    for column in settings.groups:
        table_of, banded = calibration_table(table, column, bands=score_bands,
                                             min_group_size=min_group_size)
        calibration[column] = table_of
        of_column = all_rates[all_rates["grouping"] == column]
        calibration_disparities[column] = compare_calibration(
            table_of, reference_group(of_column), tolerance=tolerance,
            ratio_tolerance=ratio_tolerance)
        groups_in_order = [g for g in of_column["group"].unique() if g != "All"]
        if can_colour(len(groups_in_order)):
            figures[f"Calibration by {column}"] = calibration_figure(
                table_of, column, groups=groups_in_order, label_name=label, score_name=score,
                banded=banded)

    all_disparities = pd.concat(disparities, ignore_index=True)
    all_base_rates = pd.concat(base_rates, ignore_index=True)
    small = all_rates[(all_rates["people"] < min_group_size) & (all_rates["group"] != "All")]
    small_groups = [f"{g} ({n} people)" for g, n in
                    small.drop_duplicates(["grouping", "group"])[["group", "people"]]
                    .itertuples(index=False)]
    questions = questions_for(
        small_groups=small_groups,
        inconclusive=int((all_disparities["verdict"] == INCONCLUSIVE).sum()),
        base_rates_differ=bool((all_base_rates["verdict"] == BEYOND).any()),
        notes=bool(decisions.notes))
    report = AuditReport(settings=settings, source=source, notes=notes, rates=all_rates,
                         disparities=all_disparities, base_rates=all_base_rates, auc=auc,
                         calibration=calibration,
                         calibration_disparities=calibration_disparities,
                         score_banded=banded, questions=questions, figures=figures)
    if out is not None:
        report.write(out)
    return report
