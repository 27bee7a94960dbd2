"""Tests of rail.audit: the first-pass audit report of a table of decisions.

Figures are checked against fairlearn and scikit-learn on the raw rows, intervals against
published values, findings against effects injected into the data with a known size, and
each bad input against the message it must give.
"""

import re
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from fairlearn.metrics import MetricFrame, false_negative_rate, false_positive_rate
from sklearn.calibration import calibration_curve
from sklearn.metrics import precision_score, roc_auc_score

from rail import datasets
from rail.audit import MISSING_GROUP, AuditInputError, AuditSettings, audit_report
from rail.audit.__main__ import EXIT_BAD_INPUT, EXIT_OK, main
from rail.audit._disparities import (
    BEYOND,
    INCONCLUSIVE,
    TOO_FEW,
    WITHIN,
    katz_interval,
    newcombe_interval,
    verdict,
)
from rail.audit._html import SECTIONS
from rail.audit._metrics import hanley_mcneil_interval
from rail.fairness import wilson_interval
from tests.paths import ROOT

RISK = {"label": "rearrest_2y", "score": "risk_score", "threshold": 5}


def decisions_with_three_groups(seed: int = 7) -> pd.DataFrame:
    """Decisions for groups A (2,000), B (1,500) and C (400) with known error rates.

    Everyone has the outcome with probability 0.3. The system flags people without the
    outcome at 10 % in A and B but 40 % in C, and misses 20 % of those with it in every group.
    Then values go missing: 50 labels in group C, 10 scores in group A, 20 group values.
    """
    rng = np.random.default_rng(seed)
    group = np.repeat(["A", "B", "C"], [2000, 1500, 400])
    outcome = rng.random(len(group)) < 0.3
    false_alarm = np.where(group == "C", 0.4, 0.1)
    flagged = np.where(outcome, rng.random(len(group)) >= 0.2,
                       rng.random(len(group)) < false_alarm)
    frame = pd.DataFrame({"group": group, "outcome": outcome.astype(float),
                          "flagged": flagged.astype(float),
                          "sex": rng.choice(["F", "M"], len(group))})
    in_c = np.flatnonzero(group == "C")
    frame.loc[in_c[:50], "outcome"] = np.nan
    frame.loc[np.flatnonzero(group == "A")[:10], "flagged"] = np.nan
    frame.loc[np.flatnonzero(group == "B")[:20], "group"] = None
    return frame


@pytest.fixture(scope="module")
def risk():
    return datasets.load("risk_assessment")


@pytest.fixture(scope="module")
def risk_report(risk):
    return audit_report(risk, groups=["group", "sex"], name="risk_assessment", **RISK)


@pytest.fixture(scope="module")
def three_groups_report():
    return audit_report(decisions_with_three_groups(), label="outcome", score="flagged",
                        groups=["group", "sex"], name="three groups")


def rate_of(report, grouping, group, rate):
    rows = report.rates[(report.rates["grouping"] == grouping) & (report.rates["group"] == group)
                        & (report.rates["rate"] == rate)]
    assert len(rows) == 1
    return rows.iloc[0]


def disparity_of(report, grouping, group, rate):
    rows = report.disparities[(report.disparities["grouping"] == grouping)
                              & (report.disparities["group"] == group)
                              & (report.disparities["rate"] == rate)]
    assert len(rows) == 1
    return rows.iloc[0]


# --- the figures equal the field's libraries on the raw rows --------------------------------

def test_rates_by_group_equal_fairlearn_and_sklearn_on_the_raw_rows(risk, risk_report):
    flagged = (risk["risk_score"] >= 5).astype(int)
    frame = MetricFrame(metrics={"false positive rate": false_positive_rate,
                                 "false negative rate": false_negative_rate,
                                 "positive predictive value": precision_score},
                        y_true=risk["rearrest_2y"], y_pred=flagged,
                        sensitive_features=risk[["group", "sex"]])
    for (group, sex), expected in frame.by_group.iterrows():
        for rate, value in expected.items():
            got = rate_of(risk_report, "group \u00d7 sex", f"{group} \u00d7 {sex}", rate)
            assert got["estimate"] == pytest.approx(value, abs=1e-12)
    for group, expected in frame.overall.items():
        assert rate_of(risk_report, "group", "All", group)["estimate"] == pytest.approx(expected)


def test_every_rate_has_the_wilson_interval_of_its_counts(risk_report):
    rates = risk_report.rates.dropna(subset=["estimate"])
    low, high = wilson_interval(rates["numerator"], rates["denominator"])
    np.testing.assert_allclose(rates["low"], low)
    np.testing.assert_allclose(rates["high"], high)
    assert (rates["low"] <= rates["estimate"]).all()
    assert (rates["estimate"] <= rates["high"]).all()


def test_auc_by_group_equals_sklearn_with_hanley_mcneil_interval(risk, risk_report):
    row = risk_report.auc[(risk_report.auc["grouping"] == "group")
                          & (risk_report.auc["group"] == "B")].iloc[0]
    people = risk[risk["group"] == "B"]
    assert row["auc"] == pytest.approx(roc_auc_score(people["rearrest_2y"], people["risk_score"]))
    assert row["low"] < row["auc"] < row["high"]


def test_hanley_mcneil_at_one_half_is_the_mann_whitney_null_variance():
    # Under no discrimination (AUC 0.5) the variance is (n1 + n2 + 1) / (12 n1 n2).
    low, high = hanley_mcneil_interval(0.5, 50, 50)
    half = 1.959963984540054 * np.sqrt(101 / (12 * 50 * 50))
    assert (low, high) == pytest.approx((0.5 - half, 0.5 + half))


def test_newcombe_interval_matches_the_published_example():
    # Newcombe (1998), Table II, example (a): 56/70 - 48/80, method 10: 0.0524 to 0.3339.
    low, high = newcombe_interval(56, 70, 48, 80)
    assert (float(low), float(high)) == pytest.approx((0.0524, 0.3339), abs=1e-4)


def test_katz_interval_of_a_ratio_and_its_continuity_correction():
    ratio, low, high = katz_interval(20, 100, 10, 100)
    half = 1.959963984540054 * np.sqrt(1 / 20 - 1 / 100 + 1 / 10 - 1 / 100)
    assert (ratio, low, high) == pytest.approx((2.0, 2 * np.exp(-half), 2 * np.exp(half)))
    ratio, low, high = katz_interval(0, 100, 10, 100)
    assert np.isfinite([ratio, low, high]).all() and low < ratio < high < 1


def test_calibration_table_equals_sklearn_calibration_curve_for_a_probability():
    rng = np.random.default_rng(3)
    probability = rng.random(5000)
    frame = pd.DataFrame({"p": probability, "y": (rng.random(5000) < probability).astype(int),
                          "g": "everyone"})
    report = audit_report(frame, label="y", score="p", threshold=0.5, groups=["g"])
    table = report.calibration["g"].xs("everyone")
    observed, predicted = calibration_curve(frame["y"], frame["p"], n_bins=10,
                                            strategy="quantile")
    assert report.score_banded
    np.testing.assert_allclose(table["observed_rate"], observed)
    np.testing.assert_allclose(table["mean_score"], predicted)


# --- findings: disparities against the tolerance, with their intervals ------------------------

@pytest.mark.parametrize(("low", "high", "expected"), [
    (0.06, 0.10, BEYOND), (-0.10, -0.06, BEYOND), (-0.05, 0.05, WITHIN), (-0.01, 0.02, WITHIN),
    (0.03, 0.08, INCONCLUSIVE), (-0.20, 0.20, INCONCLUSIVE),
])
def test_a_difference_is_judged_by_its_whole_interval(low, high, expected):
    assert verdict(low, high, 0.05) == expected


def test_risk_assessment_group_b_gets_more_false_positives_beyond_tolerance(risk_report):
    # The generator's differential enforcement: group B is re-arrested more, scored higher.
    row = disparity_of(risk_report, "group", "B", "false positive rate")
    assert row["reference"] == "A"
    assert row["verdict"] == BEYOND
    assert row["low"] > 0.05
    # The score is calibrated within groups by construction: predictive values agree.
    assert disparity_of(risk_report, "group", "B", "positive predictive value")["verdict"] in {
        WITHIN, INCONCLUSIVE}
    assert risk_report.findings["verdict"].eq(BEYOND).all()


def test_a_wider_tolerance_turns_findings_into_none(risk):
    report = audit_report(risk, groups=["group"], tolerance=0.5, ratio_tolerance=3.0, **RISK)
    assert report.findings.empty
    assert set(report.disparities["verdict"]) <= {WITHIN, INCONCLUSIVE}


def test_a_third_group_is_compared_with_the_largest(three_groups_report):
    row = disparity_of(three_groups_report, "group", "C", "false positive rate")
    assert row["reference"] == "A"
    assert row["verdict"] == BEYOND
    assert 0.2 < row["difference"] < 0.4
    b = disparity_of(three_groups_report, "group", "B", "false positive rate")
    assert b["verdict"] in {WITHIN, INCONCLUSIVE}
    assert "group \u00d7 sex" in set(three_groups_report.rates["grouping"])


def test_a_rare_outcome_disparity_is_caught_by_its_ratio():
    # 3 % against 0.4 %: a difference under the 5-point tolerance, but 7.5 times as often.
    frame = pd.DataFrame({"g": ["A"] * 20000 + ["B"] * 5000, "y": 0,
                          "d": [1] * 80 + [0] * 19920 + [1] * 150 + [0] * 4850})
    report = audit_report(frame, label="y", score="d", groups=["g"])
    row = disparity_of(report, "g", "B", "selection rate")
    assert row["high"] < 0.05
    assert row["ratio"] == pytest.approx(7.5)
    assert row["verdict"] == BEYOND


def test_calibration_gap_between_groups_is_a_finding():
    rng = np.random.default_rng(5)
    score = rng.integers(1, 6, 8000)
    group = rng.choice(["A", "B"], 8000)
    truth = score / 10 + np.where(group == "B", 0.2, 0.0)
    frame = pd.DataFrame({"g": group, "s": score, "y": (rng.random(8000) < truth).astype(int)})
    report = audit_report(frame, label="y", score="s", threshold=3, groups=["g"])
    assert not report.score_banded
    assert len(report.calibration_findings) == 5
    calibrated = frame.assign(y=(rng.random(8000) < score / 10).astype(int))
    assert audit_report(calibrated, label="y", score="s", threshold=3,
                        groups=["g"]).calibration_findings.empty


# --- small groups are flagged, not over-read -----------------------------------------------

def test_small_groups_are_shown_but_not_judged():
    frame = decisions_with_three_groups().dropna()
    frame = pd.concat([frame, pd.DataFrame({"group": ["D"] * 12, "outcome": [0.0, 1.0] * 6,
                                            "flagged": [1.0] * 12, "sex": "F"})])
    report = audit_report(frame, label="outcome", score="flagged", groups=["group"],
                          min_group_size=30)
    row = rate_of(report, "group", "D", "false positive rate")
    assert row["small"] and row["estimate"] == 1.0
    assert disparity_of(report, "group", "D", "false positive rate")["verdict"] == TOO_FEW
    html = report.to_html()
    assert "D: 12 people" in html
    assert "How will the groups too small to judge be protected?" in html


def test_a_group_of_one_person_has_its_figures_withheld():
    frame = decisions_with_three_groups().dropna()
    frame.loc[frame.index[0], "group"] = "E"
    report = audit_report(frame, label="outcome", score="flagged", groups=["group"])
    assert rate_of(report, "group", "E", "selection rate")[["estimate", "low"]].isna().all()
    assert any("group(s) of one person (E)" in note for note in report.notes)
    assert disparity_of(report, "group", "E", "selection rate")["verdict"] == TOO_FEW


# --- missing values: how they are treated, said in the report --------------------------------

def test_missing_labels_and_scores_are_left_out_and_counted_by_group(three_groups_report):
    assert rate_of(three_groups_report, "group", "All", "accuracy")["people"] == 3900 - 60
    note = next(n for n in three_groups_report.notes if "no label or no score" in n)
    assert "60 of 3900 row(s)" in note
    assert "50 without a label, 10 without a score" in note
    assert "group: A 10, C 50" in note


def test_a_true_false_label_with_gaps_read_from_csv_is_accepted(tmp_path):
    frame = decisions_with_three_groups()
    frame["outcome"] = frame["outcome"].map({1.0: True, 0.0: False})
    frame.to_csv(tmp_path / "d.csv", index=False)
    assert pd.read_csv(tmp_path / "d.csv")["outcome"].dtype == object
    from_csv = audit_report(tmp_path / "d.csv", **GOOD)
    from_frame = audit_report(decisions_with_three_groups(), **GOOD)
    pd.testing.assert_frame_equal(from_csv.rates, from_frame.rates)


def test_missing_group_values_become_their_own_group(three_groups_report):
    row = rate_of(three_groups_report, "group", MISSING_GROUP, "selection rate")
    assert row["people"] == 20
    assert any(f"in a group of their own called {MISSING_GROUP!r}" in n
               for n in three_groups_report.notes)
    assert "Why are some values missing?" in three_groups_report.to_html()


# --- bad input: a clear message, never a wrong number --------------------------------------

GOOD = {"label": "outcome", "score": "flagged", "groups": ["group"]}


@pytest.mark.parametrize(("change", "message"), [
    ({"label": "reoffended"}, r"no column\(s\) \['reoffended'\] in the table; its columns are: "
                              r"group, outcome, flagged, sex"),
    ({"groups": ["group", "district"]}, r"no column\(s\) \['district'\]"),
    ({"groups": []}, r"name at least one group column"),
    ({"groups": ["outcome"]}, r"column\(s\) \['outcome'\] named more than once"),
    ({"label": "sex"}, r"the label column 'sex' must hold 0/1 or False/True .* found 'F', 'M'"),
    ({"label": "count"}, r"the label column 'count' must hold 0/1 .* found 0, 1, 2, 3"),
    ({"score": "sex"}, r"the score column 'sex' must be numeric"),
    ({"score": "count"}, r"is not a 0/1 decision \(it runs from 0 to 3\): give the threshold"),
    ({"label": "empty"}, r"no row has both a label \('empty'\) and a score"),
    ({"tolerance": 5}, r"the tolerance must be between 0 and 1"),
    ({"ratio_tolerance": 0.8}, r"the ratio tolerance must be above 1"),
    ({"min_group_size": 1}, r"min_group_size must be a whole number >= 2, got 1"),
    ({"threshold": float("nan"), "score": "count"}, r"the threshold must be a finite number"),
])
def test_bad_input_raises_a_clear_message(change, message):
    frame = decisions_with_three_groups().dropna().assign(
        count=lambda f: np.arange(len(f)) % 4, empty=np.nan)
    with pytest.raises(AuditInputError, match=message):
        audit_report(frame, **{**GOOD, **change})


@pytest.mark.parametrize("name", ["label", "score", "decision", "weight", "band"])
def test_a_group_column_with_a_working_column_name_is_refused_not_misread(name):
    # Before: a group called "score" was silently replaced by the scores (one group per
    # value), and "band", "label", "decision" or "weight" crashed inside pandas.
    frame = decisions_with_three_groups().dropna().rename(columns={"group": name})
    with pytest.raises(AuditInputError, match=rf"group column\(s\) \['{name}'\] have a name "
                       rf"the audit uses .* rename them first"):
        audit_report(frame, label="outcome", score="flagged", groups=[name])
    renamed = frame.rename(columns={name: f"{name}_group"})
    report = audit_report(renamed, label="outcome", score="flagged", groups=[f"{name}_group"])
    assert set(report.rates["group"]) == {"All", "A", "B", "C"}


def test_a_group_called_all_is_refused_not_merged_with_everyone():
    frame = decisions_with_three_groups().dropna().replace({"group": {"C": "All"}})
    with pytest.raises(AuditInputError, match=r"has a group called 'All', the name the report"):
        audit_report(frame, label="outcome", score="flagged", groups=["group"])


def test_an_empty_table_is_refused():
    with pytest.raises(AuditInputError, match="the table has no rows"):
        audit_report(pd.DataFrame({"outcome": [], "flagged": [], "group": []}), **GOOD)


@pytest.mark.parametrize(("name", "message"), [
    ("decisions.xlsx", r"cannot tell the format of .*decisions.xlsx.*\.csv, \.csv\.gz"),
    ("absent.csv", r"no file .*absent.csv.*: check the path"),
])
def test_unreadable_files_are_refused(tmp_path, name, message):
    with pytest.raises(AuditInputError, match=message):
        audit_report(tmp_path / name, **GOOD)


def test_a_column_with_one_group_is_said_to_compare_nothing():
    frame = decisions_with_three_groups().dropna().assign(force="North")
    report = audit_report(frame, label="outcome", score="flagged", groups=["force"])
    assert report.disparities.empty
    assert any("everyone is in one group" in note for note in report.notes)


def test_settings_accept_one_group_as_text():
    assert AuditSettings(label="y", score="s", groups="g").groups == ("g",)


# --- the report: sections, settings, findings with intervals; deterministic ---------------

def test_html_has_every_section_the_settings_and_each_finding_with_its_interval(risk_report):
    html = risk_report.to_html()
    for anchor, heading, _ in SECTIONS:
        assert f'<section id="{anchor}"><h2>{heading}</h2>' in html.replace("&#x27;", "'")
    assert "±0.05 (a difference in a rate of 5 percentage points)" in html
    assert "0.8 to 1.25" in html
    assert "30 people in the rate&#x27;s denominator" in html
    assert "Wilson (1927)" in html and "Newcombe (1998, method 10)" in html
    assert "a case is flagged when risk_score &gt;= 5" in html
    row = disparity_of(risk_report, "group", "B", "false positive rate")
    interval = f"[{row['low']:+.3f},\u00a0{row['high']:+.3f}]"  # a no-break space: one line
    assert f"difference {row['difference']:+.3f} {interval}" in html
    assert html.count('src="data:image/png;base64,') == len(risk_report.figures) == 5


def test_html_is_self_contained_and_escapes_the_data():
    frame = decisions_with_three_groups().dropna().replace({"group": {"C": "<b>C</b>"}})
    html = audit_report(frame, groups=["group"], label="outcome", score="flagged").to_html()
    assert "<script" not in html and "http://" not in html and "<link" not in html
    assert "&lt;b&gt;C&lt;/b&gt;" in html and "<b>C</b>" not in html
    for src in re.findall(r'src="([^"]+)"', html):
        assert src.startswith("data:image/png;base64,")


def test_same_table_same_report_byte_for_byte(risk, risk_report, tmp_path):
    again = audit_report(risk, groups=["group", "sex"], name="risk_assessment", **RISK)
    assert again.to_html() == risk_report.to_html()


def test_csv_and_parquet_of_one_table_give_the_same_figures(tmp_path):
    frame = decisions_with_three_groups()
    frame.to_csv(tmp_path / "d.csv", index=False)
    frame.to_parquet(tmp_path / "d.parquet", index=False)
    from_csv = audit_report(tmp_path / "d.csv", **GOOD)
    from_parquet = audit_report(tmp_path / "d.parquet", **GOOD)
    pd.testing.assert_frame_equal(from_csv.rates, from_parquet.rates)
    assert len(from_csv.source.sha256) == 64 and from_csv.source.name == "d.csv"


# --- each course dataset ------------------------------------------------------------------

def test_anpr_alerts_mobile_cameras_give_fewer_true_alerts():
    # Every alert acted on (threshold 0); mobile cameras' alerts are false more often.
    report = audit_report(datasets.load("anpr_alerts"), label="true_match",
                          score="read_confidence", threshold=0.0, groups=["camera", "district"])
    row = disparity_of(report, "camera", "mobile", "positive predictive value")
    assert row["reference"] == "fixed"
    assert row["difference"] < 0 and row["verdict"] != WITHIN
    assert rate_of(report, "camera", "All", "selection rate")["estimate"] == 1.0


def test_patrol_city_refuses_a_count_label_and_audits_a_recoded_one():
    cells = datasets.load("patrol_city")
    with pytest.raises(AuditInputError, match="recode it first"):
        audit_report(cells, label="true_offences", score="recorded", threshold=1,
                     groups=["majority_group"])
    cells = cells.assign(offence=(cells["true_offences"] > 0).astype(int))
    report = audit_report(cells, label="offence", score="recorded", threshold=1,
                          groups=["majority_group"])
    # Heavier patrolling in B-majority neighbourhoods records more of their offences.
    row = disparity_of(report, "majority_group", "B", "false negative rate")
    assert row["verdict"] == BEYOND and row["difference"] < 0


def test_risk_assessment_audits_group_sex_and_their_intersection(risk_report):
    assert set(risk_report.rates["grouping"]) == {"group", "sex", "group \u00d7 sex"}
    assert not risk_report.auc.empty


def test_transaction_alerts_group_b_is_flagged_seven_times_as_often():
    report = audit_report(datasets.csv_path("transaction_alerts"), label="laundering",
                          score="rule_alert", groups=["group", "corridor"])
    row = disparity_of(report, "group", "B", "false positive rate")
    assert row["verdict"] == BEYOND and row["ratio_low"] > 5
    # Few laundering accounts in group B: the false negative rate is not judged finely.
    assert rate_of(report, "group \u00d7 corridor", "B \u00d7 1", "false negative rate")["small"]
    assert report.auc.empty  # the score is the decision itself


# --- command line -------------------------------------------------------------------------

def test_burglary_cases_vendor_misses_more_of_group_bs_solved_cases():
    from rail.vendors import solvability

    cases = datasets.load("burglary_cases")
    audit = cases[cases["sample"] == "audit"].assign(score=lambda f: solvability.predict(f))
    report = audit_report(audit, label="solved", score="score", threshold=0.5,
                          groups=["victim_group", "victim_age_band"])
    row = disparity_of(report, "victim_group", "B", "false negative rate")
    assert row["verdict"] == "beyond tolerance" and row["low"] > 0.05
    assert (report.base_rates.query("grouping == 'victim_group'")["verdict"]
            == "within tolerance").all()
    # The deployment sample has no outcomes: every row is left out, and the audit says so.
    with pytest.raises(AuditInputError, match="no row has both a label"):
        audit_report(cases[cases["sample"] == "deployment"].assign(score=0.5), label="solved",
                     score="score", threshold=0.5, groups=["victim_group"])


def test_cli_writes_the_report_and_exits_0(tmp_path, capsys):
    out = tmp_path / "report.html"
    code = main(["report", str(datasets.csv_path("risk_assessment")), "--label", "rearrest_2y",
                 "--score", "risk_score", "--threshold", "5", "--group", "group", "--group",
                 "sex", "--out", str(out)])
    assert code == EXIT_OK
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert "beyond the tolerances" in capsys.readouterr().out


def test_cli_bad_input_exits_2_with_the_message_and_no_report(tmp_path, capsys):
    out = tmp_path / "report.html"
    code = main(["report", str(datasets.csv_path("risk_assessment")), "--label", "age",
                 "--score", "risk_score", "--threshold", "5", "--group", "group",
                 "--out", str(out)])
    assert code == EXIT_BAD_INPUT
    assert "error: the label column 'age' must hold 0/1" in capsys.readouterr().err
    assert not out.exists()


def test_cli_as_a_module_exits_2_on_a_missing_option(tmp_path):
    result = subprocess.run([sys.executable, "-m", "rail.audit", "report", "x.csv", "--label",
                             "y", "--out", str(tmp_path / "r.html")],
                            capture_output=True, text=True, cwd=ROOT, check=False)
    assert result.returncode == 2
    assert "--score" in result.stderr and "--group" in result.stderr
