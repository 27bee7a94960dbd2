"""rail.audit.fill_report: the auditors' figures and judgements in front of the first pass."""

import re

import pandas as pd
import pytest

from rail import datasets
from rail.audit import AuditInputError, audit_report, fill_report
from rail.audit._filled import NOT_WRITTEN


@pytest.fixture(scope="module")
def first_pass():
    return audit_report(datasets.load("risk_assessment"), label="rearrest_2y",
                        score="risk_score", threshold=5, groups=["group", "sex"])


def _row(html: str, name: str) -> str:
    found = re.search(rf'<tr><td class="text">{re.escape(name)}</td><td>(.*?)</td></tr>', html)
    assert found, f"no key figure {name!r}"
    return found.group(1)


def test_figures_judgements_tables_and_the_first_pass_in_order(first_pass):
    claims = pd.DataFrame({"claim": ["recall"], "measured": [0.51234], "holds": [True]})
    filled = fill_report(
        first_pass, title="Audit of <Beacon>",
        figures={"recall": (0.5, 0.45, 0.55), "gap": 0.123456, "proxy": "deprivation_decile"},
        judgements={"Risk classification": "High-risk.\n\n- Annex III\n- Article 26",
                    "Recommendation": "Do not deploy <yet>."},
        tables={"Claims": claims})
    html = filled.to_html()
    assert "<h1>Audit of &lt;Beacon&gt;</h1>" in html
    assert _row(html, "recall") == "0.500 [0.450, 0.550]"
    assert _row(html, "gap") == "0.123"
    assert _row(html, "proxy") == "deprivation_decile"
    assert "<td>0.512</td><td>yes</td>" in html
    assert "<p>High-risk.</p><ul><li>Annex III</li><li>Article 26</li></ul>" in html
    assert "Do not deploy &lt;yet&gt;." in html
    headings = re.findall(r"<h2>(.*?)</h2>", html)
    assert headings[:4] == ["Key figures", "Claims", "Risk classification", "Recommendation"]
    assert "First pass: Disparities between groups" in headings
    assert first_pass.to_html().count("<table>") + 2 == html.count("<table>")
    assert filled.missing == [] and "Incomplete" not in html


def test_a_judgement_not_written_is_shown_as_missing(first_pass, tmp_path):
    filled = fill_report(first_pass, title="Audit", figures={"a": 1.0},
                         judgements={"Oversight plan": None, "Monitoring plan": "  "})
    assert filled.missing == ["Oversight plan", "Monitoring plan"]
    html = filled.write(tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert html.count(NOT_WRITTEN) == 2
    assert "Incomplete: Oversight plan; Monitoring plan not written yet." in html


@pytest.mark.parametrize(("figures", "judgements", "message"), [
    ({"x": float("nan")}, {}, "key figure 'x': expected a finite number"),
    ({"x": True}, {}, "expected a finite number, got True"),
    ({"x": (0.5, 0.6, 0.7)}, {}, "not between the interval's ends"),
    ({"x": (0.5, 0.6)}, {}, r"\(estimate, low, high\), got 2 values"),
    ({"x": " "}, {}, "empty text"),
    ({"x": [1, 2]}, {}, "expected a finite number"),
    ({}, {"Plan": 3}, "judgement 'Plan': expected text or None, got int"),
])
def test_bad_figures_and_judgements_are_clear_errors(first_pass, figures, judgements, message):
    with pytest.raises(AuditInputError, match=message):
        fill_report(first_pass, title="Audit", figures=figures, judgements=judgements)


def test_first_pass_must_be_an_audit_report():
    with pytest.raises(AuditInputError, match="what audit_report returned"):
        fill_report("report.html", title="Audit", figures={}, judgements={})


def test_unwritable_path_is_a_clear_error(first_pass, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    filled = fill_report(first_pass, title="Audit", figures={}, judgements={})
    with pytest.raises(AuditInputError, match="cannot write"):
        filled.write(blocker / "report.html")


def test_a_table_of_words_has_left_aligned_headings_and_a_table_of_numbers_does_not(first_pass):
    words = pd.DataFrame({"claim": ["AUC 0.75"], "verdict": ["holds"]})
    numbers = pd.DataFrame({"group": ["A"], "rate": [0.25]})
    html = fill_report(first_pass, title="T", figures={}, judgements={},
                       tables={"Claims": words, "Rates": numbers}).to_html()
    claims = html[html.index("<h2>Claims</h2>"):html.index("<h2>Rates</h2>")]
    rates = html[html.index("<h2>Rates</h2>"):]
    assert '<table class="words">' in claims
    assert '<table class="words">' not in rates.split("</table>")[0]
