"""Render an :class:`~rail.audit._report.AuditReport` as one self-contained HTML page.

No scripts, no external files: styles are inline and figures are PNGs in ``data:`` URLs, so the
file can be mailed to a board or printed. Every text from the data is escaped.
"""

from __future__ import annotations

import math
from html import escape
from typing import TYPE_CHECKING

import pandas as pd

from rail.audit._disparities import (
    BEYOND,
    COMPARED_RATES,
    INCONCLUSIVE,
    TOO_FEW,
    VERDICTS,
    WITHIN,
    reference_group,
)
from rail.audit._metrics import RATES

if TYPE_CHECKING:
    from rail.audit._report import AuditReport

STYLE = """
body { font-family: Georgia, 'Times New Roman', serif; max-width: 60rem; margin: 2rem auto;
       padding: 0 1rem; line-height: 1.45; color: #111; }
h1, h2, h3 { font-family: Helvetica, Arial, sans-serif; }
h2 { border-bottom: 2px solid #0072B2; padding-bottom: .2rem; margin-top: 2.2rem; }
table { border-collapse: collapse; margin: .8rem 0; font-size: .9rem; }
th, td { border: 1px solid #bbb; padding: .25rem .5rem; text-align: right; }
td { white-space: nowrap; }
td.text { white-space: normal; text-align: left; }
td.stack { white-space: pre-line; }
td.small { white-space: pre-line; }
th:first-child, td:first-child { text-align: left; }
thead th { background: #eef3f8; }
td.small { color: #777; font-style: italic; }
td.beyond { background: #fbe3d4; font-weight: bold; }
td.inconclusive { background: #fdf6d8; }
.lede { font-size: 1.05rem; }
.note { border-left: 4px solid #E69F00; padding-left: .6rem; }
img { max-width: 100%; }
div.wide { overflow-x: auto; }
dt { font-weight: bold; margin-top: .5rem; }
table.words th { text-align: left; }
"""

NOT_AVAILABLE = "n/a"
"""Shown where a figure cannot be computed or is withheld."""

REFERENCES = (
    "Chouldechova, A. (2017). Fair prediction with disparate impact: a study of bias in "
    "recidivism prediction instruments. Big Data, 5(2), 153-163.",
    "Hanley, J. A., and McNeil, B. J. (1982). The meaning and use of the area under a receiver "
    "operating characteristic (ROC) curve. Radiology, 143(1), 29-36.",
    "Katz, D., Baptista, J., Azen, S. P., and Pike, M. C. (1978). Obtaining confidence "
    "intervals for the risk ratio in cohort studies. Biometrics, 34(3), 469-474.",
    "Kleinberg, J., Mullainathan, S., and Raghavan, M. (2017). Inherent trade-offs in the fair "
    "determination of risk scores. ITCS 2017.",
    "Newcombe, R. G. (1998). Interval estimation for the difference between independent "
    "proportions: comparison of eleven methods. Statistics in Medicine, 17(8), 873-890.",
    "Suresh, H., and Guttag, J. (2021). A framework for understanding sources of harm "
    "throughout the machine learning life cycle. EAAMO '21.",
    "US Equal Employment Opportunity Commission et al. (1978). Uniform Guidelines on Employee "
    "Selection Procedures, 29 CFR 1607.4(D) (the four-fifths rule).",
    "Wilson, E. B. (1927). Probable inference, the law of succession, and statistical "
    "inference. Journal of the American Statistical Association, 22(158), 209-212.",
)


def _number(value: float, digits: int = 3, signed: bool = False) -> str:
    if value is None or math.isnan(value):
        return NOT_AVAILABLE
    sign = "+" if signed else ""
    if value != 0 and abs(value) < 10 ** -(digits - 1):
        return f"{value:{sign}.2g}"  # a rare outcome: two significant digits, not 0.000
    return f"{value:{sign}.{digits}f}"


def _interval(estimate: float, low: float, high: float, signed: bool = False,
              separator: str = " ") -> str:
    if math.isnan(estimate):
        return NOT_AVAILABLE
    return (f"{_number(estimate, signed=signed)}{separator}"
            f"[{_number(low, signed=signed)},\u00a0{_number(high, signed=signed)}]")


def _table(header: list[str], rows: list[list[tuple[str, str]]]) -> str:
    """An HTML table; each cell is (text, css class). Texts are escaped here."""
    head = "".join(f"<th>{escape(h)}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(f'<td class="{css}">{escape(text)}</td>' if css
                         else f"<td>{escape(text)}</td>" for text, css in row) + "</tr>"
        for row in rows)
    return (f'<div class="wide"><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody>'
            "</table></div>")


def _figure(report: AuditReport, title: str) -> str:
    image = report.figures.get(title)
    if image is None:
        return ""
    return (f'<figure><img alt="{escape(title)}" src="data:image/png;base64,{image}">'
            f"<figcaption>{escape(title)}. Dots: estimates; bars: 95 % intervals.</figcaption>"
            "</figure>")


def _ratio(row: pd.Series) -> str:
    return _interval(row["ratio"], row["ratio_low"], row["ratio_high"]).replace(".000", "")


def _describe_finding(row: pd.Series) -> str:
    return (f"{row['rate']} of {row['grouping']} = {row['group']}: {_number(row['estimate'])}, "
            f"against {_number(row['reference_estimate'])} for {row['reference']}; difference "
            f"{_interval(row['difference'], row['low'], row['high'], signed=True)}, ratio "
            f"{_ratio(row)} (95 % intervals).")


def _summary(report: AuditReport) -> str:
    s = report.settings
    counts = report.disparities["verdict"].value_counts()
    items = "".join(f"<li>{int(counts.get(v, 0))} {escape(v)}</li>" for v in VERDICTS)
    findings = "".join(f"<li>{escape(_describe_finding(row))}</li>"
                       for _, row in report.findings.iterrows())
    calibration = report.calibration_findings
    parts = [
        "<p>Each group's selection rate, false positive rate, false negative rate and "
        "positive predictive value were compared with the largest group's. Of "
        f"{len(report.disparities)} comparisons:</p><ul>{items}</ul>",
        f"<h3>Disparities beyond the tolerances ({len(report.findings)})</h3>",
        f"<p>A difference whose whole 95 % interval lies beyond ±{s.tolerance:g}, or a ratio "
        f"whose whole interval lies outside {1 / s.ratio_tolerance:.3g} to "
        f"{s.ratio_tolerance:g}:</p>",
        f"<ol>{findings}</ol>" if findings else "<p>None: no comparison's whole interval lies "
        "beyond the tolerances. This is not evidence of fairness where comparisons were "
        "inconclusive or groups too small.</p>",
        f"<p>Calibration: in {len(calibration)} score band(s), a group's observed outcome "
        "rate differs from the reference group's beyond the tolerances (see "
        '<a href="#calibration">Calibration</a>).</p>',
    ]
    return "".join(parts)


def _what(report: AuditReport) -> str:
    s, source = report.settings, report.source
    used = int(report.rates.query("grouping == @s.groups[0] and group == 'All'")["people"].iloc[0])
    rule = (f"the score column {s.score!r} is itself the decision (1 = flagged)"
            if s.threshold is None else f"a case is flagged when {s.score} >= {s.threshold:g}")
    rows = [
        [("Table", ""), (source.name, "")],
        [("SHA-256 of the file", ""), (source.sha256 or "(not a file)", "")],
        [("Rows read", ""), (f"{source.rows:,}", "")],
        [("Rows audited", ""), (f"{used:,}", "")],
        [("Outcome (label)", ""), (f"{s.label} (1 = the outcome happened)", "")],
        [("Decision", ""), (rule, "")],
        [("Group columns", ""), (", ".join(s.groups), "")],
    ]
    return _table(["Item", "Value"], [[row[0], (row[1][0], "text")] for row in rows])


def _settings(report: AuditReport) -> str:
    s = report.settings
    references = {grouping: reference_group(rates)
                  for grouping, rates in report.rates.groupby("grouping", sort=False)}
    rows = [
        [("Tolerance", ""), (f"±{s.tolerance:g} (a difference in a rate of "
                             f"{100 * s.tolerance:g} percentage points)", "")],
        [("Ratio tolerance", ""), (f"{1 / s.ratio_tolerance:.3g} to {s.ratio_tolerance:g} "
                                   "(a ratio of rates outside it is a finding; 0.8 is the "
                                   "four-fifths rule of the US Uniform Guidelines, 1978)", "")],
        [("Minimum group size", ""), (f"{s.min_group_size} people in the rate's denominator; "
                                      "below it a rate is shown in grey and not judged", "")],
        [("Intervals", ""), ("95 %: Wilson (1927) for rates; Newcombe (1998, method 10) for "
                             "differences of rates; Katz et al. (1978) for ratios of rates; "
                             "Hanley and McNeil (1982) for the AUC", "")],
        [("Reference groups", ""), ("; ".join(f"{k}: {v}" for k, v in references.items())
                                    + " (the largest group of each grouping)", "")],
        [("Calibration", ""), (f"score cut into {s.score_bands} bands of about equal size"
                               if report.score_banded else "each score value as recorded",
                               "")],
    ]
    return _table(["Setting", "Value"], [[row[0], (row[1][0], "text")] for row in rows])


def _notes(report: AuditReport) -> str:
    if not report.notes:
        return ("<p>No missing values in the columns used, and no group of one person.</p>")
    return "<ul>" + "".join(f'<li class="note">{escape(n)}</li>' for n in report.notes) + "</ul>"


def _rates(report: AuditReport) -> str:
    parts = ["<dl>" + "".join(f"<dt>{escape(r.name)}</dt><dd>{escape(r.meaning)}</dd>"
                              for r in RATES) + "</dl>",
             "<p>Each cell: estimate [95 % interval]. Grey italics: fewer people in the "
             "denominator than the minimum group size (not to be read as a finding); n/a: not "
             "computable or withheld.</p>"]
    for grouping, of_grouping in report.rates.groupby("grouping", sort=False):
        parts.append(f"<h3>By {escape(grouping)}</h3>")
        rows = []
        for group, cells in of_grouping.groupby("group", sort=False):
            cells = cells.set_index("rate")
            row = [(group, ""), (f"{int(cells['people'].iloc[0]):,}", "")]
            for rate in RATES:
                cell = cells.loc[rate.name]
                row.append((_interval(cell["estimate"], cell["low"], cell["high"],
                                      separator="\n"), "small" if cell["small"] else "stack"))
            rows.append(row)
        parts.append(_table([grouping, "people", *[r.name for r in RATES]], rows))
        parts.append(_figure(report, f"Rates by {grouping}"))
    if not report.auc.empty:
        parts.append("<h3>Ranking: area under the ROC curve (AUC)</h3><p>The chance that a "
                     "random person with the outcome scores higher than a random person "
                     "without it (0.5: no better than chance).</p>")
        rows = [[(f"{r.grouping} = {r.group}" if r.group != "All" else "All", ""),
                 (f"{r.positives:,}", ""), (f"{r.negatives:,}", ""),
                 (_interval(r.auc, r.low, r.high), "small" if r.small else "")]
                for r in report.auc.itertuples()]
        parts.append(_table(["group", "with outcome", "without", "AUC [95 %]"], rows))
    return "".join(parts)


def _verdict_class(verdict: str) -> str:
    return {BEYOND: "beyond", INCONCLUSIVE: "inconclusive", TOO_FEW: "small", WITHIN: ""}[verdict]


def _disparities(report: AuditReport) -> str:
    order = {v: i for i, v in enumerate(VERDICTS)}
    s = report.settings
    parts = [f"<p>Difference = group's rate minus the reference group's; ratio = group's rate "
             f"divided by the reference group's. Each is judged by its whole 95 % interval "
             f"against its tolerance (±{s.tolerance:g}; {1 / s.ratio_tolerance:.3g} to "
             f"{s.ratio_tolerance:g}): <b>{BEYOND}</b> (either whole interval beyond), "
             f"<b>{INCONCLUSIVE}</b> (an interval reaches both sides), <b>{WITHIN}</b> (both "
             f"within), or <b>{TOO_FEW}</b> (not judged). The ratio matters for rare outcomes: "
             "0.03 against 0.004 is a small difference but seven times as often. Equal "
             "selection rates is demographic parity; equal false positive and false negative "
             "rates, equalised odds; equal positive predictive values, predictive parity.</p>"]
    for grouping, table in report.disparities.groupby("grouping", sort=False):
        table = table.sort_values(["verdict", "rate"], key=lambda c: c.map(order) if
                                  c.name == "verdict" else c.map(COMPARED_RATES.index))
        rows = [[(r.rate, ""), (f"{r.group} vs {r.reference}", ""),
                 (_number(r.estimate), ""), (_number(r.reference_estimate), ""),
                 (_interval(r.difference, r.low, r.high, signed=True), ""),
                 (_ratio(pd.Series(r._asdict())), ""),
                 (r.verdict, _verdict_class(r.verdict))] for r in table.itertuples()]
        parts.append(f"<h3>By {escape(grouping)}</h3>")
        parts.append(_table(["rate", "groups", "rate of group", "rate of reference",
                             "difference [95 %]", "ratio [95 %]", "verdict"], rows))
    base = report.base_rates
    if not base.empty:
        rows = [[(f"{r.grouping}: {r.group} vs {r.reference}", ""), (_number(r.estimate), ""),
                 (_number(r.reference_estimate), ""),
                 (_interval(r.difference, r.low, r.high, signed=True), ""),
                 (_ratio(pd.Series(r._asdict())), ""),
                 (r.verdict, _verdict_class(r.verdict))] for r in base.itertuples()]
        parts.append("<h3>Context: base rates</h3><p>How common the outcome is in each group. "
                     "Not a property of the system, but where base rates differ, equal error "
                     "rates and equal predictive values cannot all hold together unless the "
                     "prediction is perfect (Chouldechova, 2017).</p>")
        parts.append(_table(["groups", "base rate", "of reference", "difference [95 %]",
                             "ratio [95 %]", "verdict"], rows))
    return "".join(parts)


def _calibration(report: AuditReport) -> str:
    parts = ["<p>Among people in the same score band, is the outcome as common in every "
             "group? If so, the lines lie on each other within their intervals (calibration "
             "within groups, Kleinberg, Mullainathan and Raghavan, 2017). Each cell: observed "
             "rate [95 % interval] (people). Shown for each group column, not at "
             "intersections, where a band holds few people.</p>"]
    for column, table in report.calibration.items():
        parts.append(f"<h3>By {escape(column)}</h3>")
        parts.append(_figure(report, f"Calibration by {column}"))
        groups = list(table.index.get_level_values(0).unique())
        bands = sorted(table.index.get_level_values(1).unique())
        rows = []
        for band in bands:
            row = [(f"{band:g}", "")]
            for group in groups:
                if (group, band) in table.index:
                    cell = table.loc[(group, band)]
                    row.append((f"{_interval(cell['observed_rate'], cell['low'], cell['high'])}"
                                f" ({int(cell['people']):,})", "small" if cell["small"] else ""))
                else:
                    row.append((NOT_AVAILABLE, ""))
            rows.append(row)
        parts.append(_table(["score band", *groups], rows))
        compared = report.calibration_disparities[column]
        flagged = compared[compared["verdict"] == BEYOND]
        if not flagged.empty:
            parts.append("<p>Bands where a group's observed rate differs from the reference "
                         "group's beyond the tolerances:</p>")
            parts.append(_table(
                ["score band", "groups", "difference [95 %]", "ratio [95 %]"],
                [[(f"{r.band:g}", ""), (f"{r.group} vs {r.reference}", ""),
                  (_interval(r.difference, r.low, r.high, signed=True), "beyond"),
                  (_ratio(pd.Series(r._asdict())), "beyond")]
                 for r in flagged.itertuples()]))
    return "".join(parts)


def _small(report: AuditReport) -> str:
    minimum = report.settings.min_group_size
    small = (report.rates[(report.rates["people"] < minimum) & (report.rates["group"] != "All")]
             .drop_duplicates(["grouping", "group"]))
    thin = report.rates[report.rates["small"] & (report.rates["people"] >= minimum)
                        & (report.rates["group"] != "All")]
    parts = []
    if small.empty:
        parts.append(f"<p>Every group has at least {minimum} people.</p>")
    else:
        parts.append(f"<p>Groups with fewer than {minimum} people: their rates are shown but "
                     "not judged. Absence of a finding for them means nothing.</p><ul>")
        parts += [f"<li>{escape(r.grouping)} = {escape(r.group)}: {r.people} people</li>"
                  for r in small.itertuples()]
        parts.append("</ul>")
    if not thin.empty:
        parts.append("<p>Rates that divide by fewer than the minimum although the group is "
                     "larger (e.g. few people with the outcome):</p><ul>")
        parts += [f"<li>{escape(r.grouping)} = {escape(r.group)}: {escape(r.rate)} over "
                  f"{int(r.denominator)} people</li>" for r in thin.itertuples()]
        parts.append("</ul>")
    return "".join(parts)


def _questions(report: AuditReport) -> str:
    return "<ol>" + "".join(f"<li><b>{escape(q)}</b> {escape(why)}</li>"
                            for q, why in report.questions) + "</ol>"


SECTIONS = (
    ("summary", "Summary of findings", _summary),
    ("data", "What was audited", _what),
    ("settings", "Settings", _settings),
    ("notes", "Data notes: missing values and tiny groups", _notes),
    ("rates", "Performance and error rates by group", _rates),
    ("disparities", "Disparities between groups", _disparities),
    ("calibration", "Calibration by group", _calibration),
    ("small-groups", "Small groups", _small),
    ("questions", "Questions the numbers cannot answer", _questions),
)
"""(anchor, heading, renderer) of each section, in order."""


def render(report: AuditReport) -> str:
    """The whole report as an HTML document (a string)."""
    title = f"First-pass audit of {report.source.name}"
    contents = "".join(f'<li><a href="#{anchor}">{escape(heading)}</a></li>'
                       for anchor, heading, _ in SECTIONS)
    body = "".join(f'<section id="{anchor}"><h2>{escape(heading)}</h2>{make(report)}</section>'
                   for anchor, heading, make in SECTIONS)
    references = "".join(f"<li>{escape(r)}</li>" for r in REFERENCES)
    return (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{escape(title)}'
        f"</title><style>{STYLE}</style></head><body><h1>{escape(title)}</h1>"
        '<p class="lede">A first pass over a table of past decisions, made with '
        "<code>rail.audit</code> (RAIL course). It measures how the decisions performed for "
        "each group, with intervals, and lists the questions the figures cannot answer. It is "
        "evidence for the people who decide whether and how a system is used, not a "
        f"decision.</p><nav><ol>{contents}</ol></nav>{body}"
        f'<section id="references"><h2>References</h2><ul>{references}</ul></section>'
        "</body></html>\n")
