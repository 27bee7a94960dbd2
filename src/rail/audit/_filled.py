"""A filled audit report: the auditors' key figures and written judgements, then the first pass.

:func:`audit_report` measures; a board also needs what the auditors concluded from the
figures: which claims failed, what the law requires, how the system would be overseen and
monitored, and whether to buy it. :func:`fill_report` puts those in front of the first-pass
report, in the same self-contained HTML page. Texts are escaped; a judgement not written yet
is shown as missing, never silently dropped.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from html import escape
from numbers import Real
from pathlib import Path

import pandas as pd

from rail.audit._html import REFERENCES, SECTIONS, STYLE, _interval, _number, _table
from rail.audit._inputs import AuditInputError
from rail.audit._report import AuditReport, write_html

NOT_WRITTEN = "Not written: this part of the audit is missing."
"""Shown in place of a judgement that is empty or ``None``."""

FigureValue = float | tuple[float, float, float] | str
"""A key figure: a number, an (estimate, low, high) interval, or a text such as a name."""


def _check_figure(name: str, value: object) -> FigureValue:
    def number(x: object) -> float:
        if isinstance(x, bool) or not isinstance(x, Real) or not math.isfinite(float(x)):
            raise AuditInputError(f"key figure {name!r}: expected a finite number, got {x!r}")
        return float(x)

    if isinstance(value, str):
        if not value.strip():
            raise AuditInputError(f"key figure {name!r} is an empty text")
        return value
    if isinstance(value, tuple):
        if len(value) != 3:
            raise AuditInputError(f"key figure {name!r}: an interval is (estimate, low, high), "
                                  f"got {len(value)} values")
        estimate, low, high = (number(x) for x in value)
        if not low <= estimate <= high:
            raise AuditInputError(f"key figure {name!r}: the estimate {estimate:g} is not "
                                  f"between the interval's ends {low:g} and {high:g}")
        return estimate, low, high
    return number(value)


def _format(value: FigureValue) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, tuple):
        return _interval(*value).replace("\u00a0", " ")
    return _number(value)


def _text_html(text: str | None) -> str:
    """Paragraphs (split at blank lines) and bullet lists (lines starting with - or *)."""
    if text is None or not str(text).strip():
        return f'<p class="note">{escape(NOT_WRITTEN)}</p>'
    parts = []
    for block in str(text).strip().split("\n\n"):
        lines = [line.strip() for line in block.strip().splitlines() if line.strip()]
        if lines and all(line[:2] in ("- ", "* ") for line in lines):
            parts.append("<ul>" + "".join(f"<li>{escape(line[2:])}</li>" for line in lines)
                         + "</ul>")
        elif lines:
            parts.append(f"<p>{escape(' '.join(lines))}</p>")
    return "".join(parts)


def _frame_html(frame: pd.DataFrame) -> str:
    def cell(value: object) -> str:
        if isinstance(value, bool):
            return "yes" if value else "no"
        if isinstance(value, Real):
            return _number(float(value))
        return str(value)

    rows = [[(cell(v), "text" if isinstance(v, str) else "") for v in row]
            for row in frame.itertuples(index=False, name=None)]
    table = _table([str(c) for c in frame.columns], rows)
    if all(isinstance(v, str) for v in frame.to_numpy().ravel()):
        table = table.replace("<table>", '<table class="words">', 1)  # left-aligned headings
    return table


@dataclass
class FilledReport:
    """An audit report a board can read: key figures, judgements, then the first pass.

    Attributes
    ----------
    title:
        The report's title.
    first_pass:
        The :class:`AuditReport` of the decisions audited.
    figures:
        Name -> value of the auditors' key figures, in order.
    judgements:
        Heading -> the auditors' written text (``None`` if not written yet), in order.
    tables:
        Heading -> a table (e.g. the vendor's claims against the evidence), in order.
    """

    title: str
    first_pass: AuditReport
    figures: dict[str, FigureValue]
    judgements: dict[str, str | None]
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)

    @property
    def missing(self) -> list[str]:
        """The headings of the judgements not written yet."""
        return [h for h, text in self.judgements.items() if text is None or not str(text).strip()]

    def to_html(self) -> str:
        """The whole report as one self-contained HTML page (a string)."""
        own = [("key-figures", "Key figures", _table(
            ["Figure", "Value"], [[(name, "text"), (_format(value), "")]
                                  for name, value in self.figures.items()]))]
        own += [(f"table-{i}", heading, _frame_html(table))
                for i, (heading, table) in enumerate(self.tables.items(), start=1)]
        own += [(f"judgement-{i}", heading, _text_html(text))
                for i, (heading, text) in enumerate(self.judgements.items(), start=1)]
        first = [(anchor, f"First pass: {heading}", make(self.first_pass))
                 for anchor, heading, make in SECTIONS]
        sections = own + first
        contents = "".join(f'<li><a href="#{anchor}">{escape(heading)}</a></li>'
                           for anchor, heading, _ in sections)
        body = "".join(f'<section id="{anchor}"><h2>{escape(heading)}</h2>{html}</section>'
                       for anchor, heading, html in sections)
        missing = ("" if not self.missing else '<p class="note">Incomplete: '
                   + escape("; ".join(self.missing)) + " not written yet.</p>")
        references = "".join(f"<li>{escape(r)}</li>" for r in REFERENCES)
        return (
            f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>'
            f"{escape(self.title)}</title><style>{STYLE}</style></head><body>"
            f"<h1>{escape(self.title)}</h1>"
            '<p class="lede">The auditors\' key figures and judgements, followed by the '
            "first-pass audit of the decisions made with <code>rail.audit</code> (RAIL "
            f"course). Evidence for the people who decide, not a decision.</p>{missing}"
            f"<nav><ol>{contents}</ol></nav>{body}"
            f'<section id="references"><h2>References (first pass)</h2><ul>{references}</ul>'
            "</section></body></html>\n")

    def write(self, path: str | os.PathLike[str]) -> Path:
        """Write :meth:`to_html` to ``path`` (UTF-8) and return the path."""
        return write_html(self.to_html(), path)


def fill_report(first_pass: AuditReport, *, title: str, figures: Mapping[str, object],
                judgements: Mapping[str, str | None],
                tables: Mapping[str, pd.DataFrame] | None = None) -> FilledReport:
    """Put the auditors' key figures and written judgements in front of a first-pass audit.

    Parameters
    ----------
    first_pass:
        What :func:`audit_report` returned for the decisions audited.
    title:
        The report's title, e.g. "Audit of Beacon for the procurement board".
    figures:
        Name -> a finite number, an (estimate, low, high) interval, or a text (e.g. the name
        of a feature). Numbers are shown with three decimals.
    judgements:
        Heading -> written text (paragraphs separated by blank lines; lines starting with
        "- " make a list), or ``None`` if not written yet (shown as missing).
    tables:
        Heading -> a table to show after the key figures.

    Raises
    ------
    AuditInputError
        If a figure is not a finite number, a valid interval or a non-empty text, or a
        judgement is neither text nor ``None``.

    Examples
    --------
    >>> from rail import datasets
    >>> from rail.audit import audit_report, fill_report
    >>> first = audit_report(datasets.load("risk_assessment"), label="rearrest_2y",
    ...                      score="risk_score", threshold=5, groups=["group"])
    >>> filled = fill_report(first, title="Audit", figures={"accuracy": 0.71},
    ...                      judgements={"Recommendation": None})
    >>> filled.missing
    ['Recommendation']
    """
    if not isinstance(first_pass, AuditReport):
        raise AuditInputError(f"first_pass must be what audit_report returned, got "
                              f"{type(first_pass).__name__}")
    checked = {str(name): _check_figure(str(name), value) for name, value in figures.items()}
    for heading, text in judgements.items():
        if text is not None and not isinstance(text, str):
            raise AuditInputError(f"judgement {heading!r}: expected text or None, got "
                                  f"{type(text).__name__}")
    return FilledReport(title=title, first_pass=first_pass, figures=checked,
                        judgements=dict(judgements), tables=dict(tables or {}))
