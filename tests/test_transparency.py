"""Unit tests of rail.transparency: terms, reason codes, counterfactuals, proxies, cards."""

import itertools

import numpy as np
import pandas as pd
import pytest
from sklearn.ensemble import HistGradientBoostingClassifier

from rail import datasets, transparency
from rail.transparency import FEATURES

FEATURE_LIST = list(FEATURES)


@pytest.fixture(scope="module")
def accounts() -> pd.DataFrame:
    # A higher base rate than the committed data: enough laundering accounts to fit quickly.
    return datasets.generate("transaction_alerts", rows=40_000, seed=5, base_rate=0.02)


@pytest.fixture(scope="module")
def scorecard(accounts):
    return transparency.make_scorecard().fit(accounts[FEATURE_LIST], accounts["laundering"])


@pytest.fixture(scope="module")
def flagged(accounts, scorecard):
    """A few accounts at or above the scorecard's 99th-percentile threshold, and the threshold."""
    scores = scorecard.predict_proba(accounts[FEATURE_LIST])[:, 1]
    threshold = float(np.quantile(scores, 0.99))
    return accounts[scores >= threshold].head(5), threshold


def test_contributions_add_up_to_the_log_odds(accounts, scorecard):
    sample = accounts.head(50)
    terms = transparency.contributions(scorecard, sample)
    assert list(terms.columns) == FEATURE_LIST
    intercept = scorecard.named_steps["logistic"].intercept_[0]
    np.testing.assert_allclose(terms.sum(axis=1) + intercept,
                               scorecard.decision_function(sample[FEATURE_LIST]), atol=1e-9)


def test_contributions_are_zero_for_the_average_account(accounts, scorecard):
    inputs = accounts[FEATURE_LIST].astype(float)
    average = inputs.mean()
    # Volume enters on a log scale: the average account has the geometric mean volume.
    average["monthly_volume_eur"] = 10 ** np.log10(inputs["monthly_volume_eur"]).mean()
    terms = transparency.contributions(scorecard, average.to_frame().T)
    np.testing.assert_allclose(terms.to_numpy(), 0.0, atol=1e-9)


def test_contributions_need_the_models_features(scorecard):
    with pytest.raises(ValueError, match="lack the model's features"):
        transparency.contributions(scorecard, pd.DataFrame({"cash_share": [0.3]}))
    with pytest.raises(TypeError, match="make_scorecard"):
        transparency.contributions(HistGradientBoostingClassifier(), pd.DataFrame())


def test_reason_codes_are_the_largest_positive_terms(accounts, scorecard, flagged):
    for _, account in flagged[0].iterrows():
        codes = transparency.reason_codes(scorecard, account, k=3)
        terms = transparency.contributions(scorecard, account.to_frame().T).iloc[0]
        expected = terms[terms > 0].sort_values(ascending=False).head(3)
        assert list(codes["feature"]) == list(expected.index)
        np.testing.assert_allclose(codes["contribution"], expected.to_numpy())
        assert list(codes.columns) == ["feature", "value", "contribution", "reason"]
        for _, code in codes.iterrows():
            assert code["value"] == pytest.approx(float(account[code["feature"]]))
            assert code["reason"]


def test_reason_codes_state_values_in_words(scorecard):
    account = pd.Series({"account_age_years": 0.5, "monthly_volume_eur": 40_000,
                         "tx_per_month": 90, "counterparties": 40, "cash_share": 0.9,
                         "cross_border_share": 0.6, "near_threshold_cash": 4, "corridor": 0})
    reasons = " / ".join(transparency.reason_codes(scorecard, account, k=8)["reason"])
    assert "90% of the volume in cash" in reasons
    assert "4 cash deposits just under the reporting threshold" in reasons


def test_reason_codes_refuse_bad_arguments(accounts, scorecard):
    for k in (0, -1, 2.5, True):
        with pytest.raises(ValueError, match="k must be a whole number"):
            transparency.reason_codes(scorecard, accounts.iloc[0], k=k)
    with pytest.raises(TypeError, match="one row"):
        transparency.reason_codes(scorecard, accounts.head(2), k=1)


def _brute_force(model, account, threshold, candidates, reference, max_changes):
    """The cheapest change below the threshold, trying one candidate at a time."""
    best = None
    for size in range(1, max_changes + 1):
        for subset in itertools.combinations(candidates, size):
            for values in itertools.product(*(candidates[f] for f in subset)):
                changed = account[FEATURE_LIST].astype(float).copy()
                if any(changed[f] == v for f, v in zip(subset, values, strict=True)):
                    continue
                changed[list(subset)] = values
                score = model.predict_proba(changed.to_frame().T)[0, 1]
                cost = transparency.percentile_cost(reference, {
                    f: (float(account[f]), v) for f, v in zip(subset, values, strict=True)})
                if score < threshold and (best is None or cost < best[0] - 1e-12):
                    best = (cost, dict(zip(subset, values, strict=True)))
    return best


@pytest.mark.parametrize("max_changes", [1, 2])
def test_counterfactual_is_the_cheapest_change_that_avoids_the_alert(accounts, scorecard,
                                                                     flagged, max_changes):
    table, threshold = flagged
    allowed = ["cash_share", "cross_border_share", "near_threshold_cash"]
    candidates = transparency.candidate_values(accounts, allowed, points=6)
    account = table.iloc[0]
    found = transparency.counterfactual(scorecard, account, threshold=threshold,
                                        candidates=candidates, reference=accounts,
                                        max_changes=max_changes)
    expected = _brute_force(scorecard, account, threshold, candidates, accounts, max_changes)
    assert found is not None and expected is not None
    assert found.cost == pytest.approx(expected[0])
    assert set(found.changes) <= set(allowed)
    assert found.score_after < threshold <= found.score_before
    changed = account[FEATURE_LIST].astype(float).copy()
    for feature, (old, new) in found.changes.items():
        assert old == pytest.approx(float(account[feature]))
        changed[feature] = new
    assert scorecard.predict_proba(changed.to_frame().T)[0, 1] == pytest.approx(found.score_after)


def test_counterfactual_works_on_a_black_box(accounts, flagged):
    model = HistGradientBoostingClassifier(max_iter=30, random_state=0).fit(
        accounts[FEATURE_LIST], accounts["laundering"])
    scores = model.predict_proba(accounts[FEATURE_LIST])[:, 1]
    threshold = float(np.quantile(scores, 0.99))
    account = accounts[scores >= threshold].iloc[0]
    allowed = list(transparency.ACTIONABLE)
    found = transparency.counterfactual(
        model, account, threshold=threshold,
        candidates=transparency.candidate_values(accounts, allowed), reference=accounts)
    assert found is not None
    assert found.score_after < threshold
    assert 1 <= len(found.changes) <= 2 and set(found.changes) <= set(allowed)


def test_counterfactual_returns_none_when_nothing_in_reach_avoids_the_alert(scorecard, flagged):
    table, threshold = flagged
    account = table.iloc[0]
    # Only "change" the corridor to the value it has: nothing to try.
    same = {"corridor": [float(account["corridor"])]}
    assert transparency.counterfactual(scorecard, account, threshold=threshold,
                                       candidates=same, reference=table) is None
    # Making things worse never helps.
    worse = {"cash_share": [1.0]}
    if account["cash_share"] < 1.0:
        assert transparency.counterfactual(scorecard, account, threshold=threshold,
                                           candidates=worse, reference=table) is None


def test_counterfactual_refuses_bad_input(accounts, scorecard, flagged):
    table, threshold = flagged
    account = table.iloc[0]
    ok = {"candidates": {"cash_share": [0.0]}, "reference": accounts}
    with pytest.raises(ValueError, match="threshold must be between 0 and 1"):
        transparency.counterfactual(scorecard, account, threshold=1.5, **ok)
    with pytest.raises(ValueError, match="max_changes"):
        transparency.counterfactual(scorecard, account, threshold=threshold, max_changes=0, **ok)
    with pytest.raises(ValueError, match="not among the model's features"):
        transparency.counterfactual(scorecard, account, threshold=threshold,
                                    candidates={"group": ["A"]}, reference=accounts)
    with pytest.raises(ValueError, match="reference accounts lack the columns"):
        transparency.counterfactual(scorecard, account, threshold=threshold,
                                    candidates={"cash_share": [0.0]},
                                    reference=accounts.drop(columns="cash_share"))
    calm = accounts.iloc[int(np.argmin(scorecard.predict_proba(accounts[FEATURE_LIST])[:, 1]))]
    with pytest.raises(ValueError, match="not flagged"):
        transparency.counterfactual(scorecard, calm, threshold=threshold, **ok)
    with pytest.raises(ValueError, match="points must be at least 2"):
        transparency.candidate_values(accounts, ["cash_share"], points=1)


def test_percentile_rank_and_cost():
    reference = pd.DataFrame({"x": [0.0, 0.0, 0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0]})
    np.testing.assert_allclose(transparency.percentile_rank(reference["x"], [-1, 0, 2, 7, 9]),
                               [0.0, 0.15, 0.45, 0.95, 1.0])
    assert transparency.percentile_cost(reference, {"x": (2.0, 7.0)}) == pytest.approx(0.5)
    assert transparency.percentile_cost(reference, {"x": (7.0, 2.0)}) == pytest.approx(0.5)
    assert transparency.percentile_cost(reference, {}) == 0.0


def test_candidate_values_stay_within_the_data(accounts):
    values = transparency.candidate_values(accounts, ["cash_share", "tx_per_month"], points=11)
    assert values["cash_share"].min() == accounts["cash_share"].min()
    assert values["cash_share"].max() == accounts["cash_share"].max()
    assert np.all(np.diff(values["tx_per_month"]) > 0)


def test_proxy_strength_finds_the_corridor(accounts):
    strength = transparency.proxy_strength(accounts, FEATURE_LIST, group="group", member="B")
    assert strength.index[0] == "corridor"
    assert strength["corridor"] == pytest.approx(0.785, abs=0.02)
    assert (strength.drop("corridor") < 0.53).all()
    # Folded: a feature pointing the other way is as strong a proxy.
    flipped = accounts.assign(no_corridor=1 - accounts["corridor"])
    again = transparency.proxy_strength(flipped, ["no_corridor"], group="group", member="B")
    assert again["no_corridor"] == pytest.approx(strength["corridor"])


def test_proxy_strength_refuses_a_useless_group(accounts):
    with pytest.raises(ValueError, match="no column"):
        transparency.proxy_strength(accounts, ["corridor"], group="nationality", member="B")
    with pytest.raises(ValueError, match="must hold for some rows"):
        transparency.proxy_strength(accounts, ["corridor"], group="group", member="C")


def _sections(**overrides):
    sections = {name: f"text of {name}" for name in transparency.MODEL_CARD_SECTIONS}
    sections.update(overrides)
    return sections


def test_model_card_has_every_section_in_order():
    table = pd.DataFrame({"AUC": [0.912345]}, index=pd.Index(["scorecard"], name="model"))
    card = transparency.model_card("Alert scorecard", _sections(
        Metrics=table, Factors=["group A", "group B"]))
    assert card.startswith("# Model card: Alert scorecard")
    positions = [card.index(f"## {name}\n") for name in transparency.MODEL_CARD_SECTIONS]
    assert positions == sorted(positions)
    assert "| model | AUC |" in card and "| scorecard | 0.912 |" in card
    assert "- group A\n- group B" in card


def test_markdown_table_keeps_whole_numbers_and_blanks_missing_values():
    table = pd.DataFrame({"alerts": [174, 298], "precision": [0.0977, np.nan]},
                         index=pd.Index(["scorecard", "rules"], name="system"))
    assert transparency.markdown_table(table, digits=2).splitlines() == [
        "| system | alerts | precision |", "|---|---|---|",
        "| scorecard | 174 | 0.10 |", "| rules | 298 |  |"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"remove": "Caveats and recommendations"}, "missing \\['Caveats and recommendations'\\]"),
        ({"add": "Marketing"}, "unknown \\['Marketing'\\]"),
        ({"set": ("Intended use", "  ")}, "'Intended use' is empty"),
        ({"set": ("Factors", [])}, "'Factors' is empty"),
        ({"set": ("Metrics", pd.DataFrame())}, "'Metrics' is an empty table"),
    ],
)
def test_model_card_refuses_missing_or_empty_sections(change, message):
    sections = _sections()
    if "remove" in change:
        del sections[change["remove"]]
    if "add" in change:
        sections[change["add"]] = "text"
    if "set" in change:
        name, value = change["set"]
        sections[name] = value
    with pytest.raises(ValueError, match=message):
        transparency.model_card("x", sections)
