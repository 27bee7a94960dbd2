"""Property tests of the safeguarding samples and of the vendor's system audited on them.

Each injected effect is checked at its stated size on a million reports (four standard errors
at most, or a stated tolerance where the size is a property of the vendor's system); the
figures the datasheet prints are checked against the committed samples.
"""

import re

import numpy as np
import pandas as pd
import pytest

from rail import datasets
from rail.audit._metrics import INTERSECTION
from rail.datasets.safeguarding import INPUTS, OUTCOME
from rail.transparency import proxy_strength
from rail.vendors import safeguarding as vendor
from tests.paths import ROOT

MILLION = 1_000_000
Z = 4.0


@pytest.fixture(scope="module")
def million() -> pd.DataFrame:
    reports = datasets.generate("safeguarding_audit", rows=MILLION, seed=11)
    flagged = vendor.predict(reports) >= vendor.MODEL_CARD["threshold"]
    return reports.assign(flagged=flagged.astype(int))


@pytest.fixture(scope="module")
def deployment_million() -> pd.DataFrame:
    return datasets.generate("safeguarding_deployment", rows=MILLION, seed=12)


def _recall(frame: pd.DataFrame, columns: list[str]) -> pd.Series:
    harmed = frame[frame[OUTCOME] == 1]
    recall = harmed.groupby(columns)["flagged"].mean()
    recall.index = [INTERSECTION.join(k) if isinstance(k, tuple) else k for k in recall.index]
    return recall


def _smd(audit: pd.DataFrame, deployment: pd.DataFrame) -> pd.Series:
    return pd.Series({c: abs(deployment[c].mean() - audit[c].mean())
                      / np.sqrt((deployment[c].var() + audit[c].var()) / 2) for c in INPUTS})


def test_columns_types_and_ranges():
    audit = datasets.generate("safeguarding_audit", rows=5000, seed=3)
    assert list(audit.columns) == ["report_id", "ethnic_group", "sex", *INPUTS,
                                   "prior_incidents_true", OUTCOME]
    assert audit["report_id"].is_unique
    assert set(audit["ethnic_group"]) == {"majority", "minority"}
    assert set(audit["sex"]) == {"female", "male"}
    assert audit["age"].between(16, 95).all()
    assert audit["deprivation_decile"].between(1, 10).all()
    assert (audit["prior_reports_12m"] <= audit["prior_incidents_true"]).all()
    for flag in ("injury_recorded", "weapon_mentioned", "children_present", OUTCOME):
        assert set(audit[flag]) == {0, 1}
    deployment = datasets.generate("safeguarding_deployment", rows=5000, seed=3)
    assert list(deployment.columns) == ["report_id", "ethnic_group", "sex", *INPUTS]


def test_same_seed_same_table_other_seed_other_table():
    for name in ("safeguarding_audit", "safeguarding_deployment"):
        a = datasets.generate(name, rows=500, seed=4)
        pd.testing.assert_frame_equal(a, datasets.generate(name, rows=500, seed=4))
        assert not a.equals(datasets.generate(name, rows=500, seed=5))


def test_under_recording_has_the_stated_sizes(million):
    """Recorded share of earlier incidents: 0.9, times 0.5 for the minority, 0.6 for men."""
    totals = million.groupby(["ethnic_group", "sex"])[
        ["prior_reports_12m", "prior_incidents_true"]].sum()
    expected = {("majority", "female"): 0.9, ("majority", "male"): 0.54,
                ("minority", "female"): 0.45, ("minority", "male"): 0.27}
    for key, rate in expected.items():
        recorded, incidents = totals.loc[key]
        z = (recorded - incidents * rate) / np.sqrt(incidents * rate * (1 - rate))
        assert abs(z) < Z, f"{key}: recorded share {recorded / incidents:.4f}, expected {rate}"


def test_recall_gap_by_group_and_larger_at_the_intersection(million):
    """The vendor misses more harmed people of the minority group, most of minority men."""
    by_group = _recall(million, ["ethnic_group"])
    assert by_group["majority"] - by_group["minority"] == pytest.approx(0.19, abs=0.01)
    by_sex = _recall(million, ["sex"])
    assert by_sex["female"] - by_sex["male"] == pytest.approx(0.19, abs=0.01)
    at_intersection = _recall(million, ["ethnic_group", "sex"])
    gap = at_intersection.max() - at_intersection.min()
    assert gap == pytest.approx(0.35, abs=0.01)
    assert at_intersection.idxmin() == INTERSECTION.join(["minority", "male"])
    assert at_intersection.idxmax() == INTERSECTION.join(["majority", "female"])


def test_no_under_recording_no_recall_gap():
    reports = datasets.generate("safeguarding_audit", rows=MILLION, seed=13,
                                minority_under_recording=0.0, deprivation_gap=0.0)
    flagged = (vendor.predict(reports) >= vendor.MODEL_CARD["threshold"]).astype(int)
    by_group = _recall(reports.assign(flagged=flagged), ["ethnic_group"])
    assert abs(by_group["majority"] - by_group["minority"]) < 0.01


def test_deprivation_is_the_proxy_for_the_minority_group(million):
    strength = proxy_strength(million.sample(200_000, random_state=0), INPUTS,
                              group="ethnic_group", member="minority")
    assert strength.index[0] == "deprivation_decile"
    assert strength["deprivation_decile"] == pytest.approx(0.83, abs=0.01)
    assert strength.iloc[1] < 0.62
    none = datasets.generate("safeguarding_audit", rows=200_000, seed=14, deprivation_gap=0.0)
    assert proxy_strength(none, ["deprivation_decile"], group="ethnic_group",
                          member="minority").iloc[0] < 0.51


def test_age_is_by_far_the_most_shifted_input(million, deployment_million):
    smd = _smd(million, deployment_million).sort_values(ascending=False)
    assert smd.index[0] == "age"
    assert smd["age"] == pytest.approx(14 / 13, abs=0.03)
    assert smd.iloc[1] < 0.2
    # 14 years older before ages are clipped at 16, which lifts the audit area's young more.
    mean_age = deployment_million["age"].mean() - million["age"].mean()
    assert mean_age == pytest.approx(13.7, abs=0.1)


def test_weapon_share_moves_the_shift():
    audit = datasets.generate("safeguarding_audit", rows=200_000, seed=15)
    deployment = datasets.generate("safeguarding_deployment", rows=200_000, seed=16,
                                   age_shift=0.0, weapon_share=0.3)
    smd = _smd(audit, deployment).sort_values(ascending=False)
    assert smd.index[0] == "weapon_mentioned"
    assert deployment["weapon_mentioned"].mean() == pytest.approx(0.3, abs=0.005)


def _claim_values(reports: pd.DataFrame) -> dict[str, float]:
    flagged = reports["flagged"] == 1
    harmed = reports[OUTCOME] == 1
    recall = _recall(reports, ["ethnic_group"])
    return {"recall": flagged[harmed].mean(), "precision": harmed[flagged].mean(),
            "flag_rate": flagged.mean(), "equal_recall": recall.max() - recall.min()}


@pytest.mark.parametrize("seed", [2026, 1, 2, 3, 4, 5])
def test_exactly_one_claim_fails_on_an_audit_sample(seed):
    reports = datasets.generate("safeguarding_audit", seed=seed)
    reports["flagged"] = (vendor.predict(reports) >= vendor.MODEL_CARD["threshold"]).astype(int)
    values = _claim_values(reports)
    claims = vendor.MODEL_CARD["claims"]
    holds = {key: values[key] >= claim["bound"] if claim["comparison"] == ">="
             else values[key] <= claim["bound"] for key, claim in claims.items()}
    assert [key for key, ok in holds.items() if not ok] == ["equal_recall"], values


def test_predict_scores_and_refuses_bad_input():
    reports = datasets.generate("safeguarding_audit", rows=300, seed=1)
    scores = vendor.predict(reports)
    assert scores.index.equals(reports.index) and scores.between(0, 1).all()
    assert scores.equals(vendor.predict(reports[list(INPUTS)]))
    with pytest.raises(ValueError, match=r"needs the input column.*age"):
        vendor.predict(reports.drop(columns=["age"]))
    with pytest.raises(ValueError, match="'age' has 1 missing"):
        vendor.predict(reports.assign(age=[np.nan] + [30.0] * 299))
    with pytest.raises(ValueError, match="must be numeric"):
        vendor.predict(reports.assign(sex_code="f", injury_recorded="yes"))
    with pytest.raises(TypeError, match="DataFrame"):
        vendor.predict(reports.to_numpy())


def test_model_card_renders_every_claim():
    card = vendor.card_markdown()
    for claim in vendor.MODEL_CARD["claims"].values():
        assert claim["text"] in card
    assert set(vendor.MODEL_CARD["inputs"]) == set(INPUTS)


@pytest.mark.parametrize(("effect", "message"), [
    ({"minority_under_recording": 1.5}, "minority_under_recording must be a probability"),
    ({"deprivation_gap": float("nan")}, "deprivation_gap must be a finite number"),
    ({"male_share": -0.1}, "male_share must be a probability"),
])
def test_bad_effects_are_clear_errors(effect, message):
    with pytest.raises(datasets.DatasetError, match=message):
        datasets.generate("safeguarding_audit", rows=10, seed=0, **effect)


def test_bad_deployment_shift_is_a_clear_error():
    with pytest.raises(datasets.DatasetError, match="age_shift must be a finite number"):
        datasets.generate("safeguarding_deployment", rows=10, seed=0, age_shift=float("inf"))


def _datasheet_rows(name: str) -> dict[str, list[str]]:
    sheet = (ROOT / "datasets" / f"{name}.md").read_text(encoding="utf-8")
    return {m.group(1): m.group(2).split(" | ")
            for m in re.finditer(r"^\| (.+?) \| (\d.*?) \|$", sheet, re.MULTILINE)}


def test_datasheet_figures_match_the_committed_samples():
    audit = datasets.load("safeguarding_audit")
    audit["flagged"] = (vendor.predict(audit) >= vendor.MODEL_CARD["threshold"]).astype(int)
    rows = _datasheet_rows("safeguarding_audit")
    recall = _recall(audit, ["ethnic_group", "sex"])
    for group, value in recall.items():
        assert rows[f"recall, {group}"] == [f"{value:.3f}", f"{1 - value:.3f}"], group
    values = _claim_values(audit)
    for key in ("recall", "precision", "flag_rate"):
        assert rows[f"{key}, all reports"] == [f"{values[key]:.3f}", "-"], key
    deployment = datasets.load("safeguarding_deployment")
    smd = _smd(audit, deployment)
    deployment_rows = _datasheet_rows("safeguarding_deployment")
    for column in INPUTS:
        assert deployment_rows[f"`{column}`"] == [
            f"{audit[column].mean():.2f}", f"{deployment[column].mean():.2f}",
            f"{smd[column]:.2f}"], column
