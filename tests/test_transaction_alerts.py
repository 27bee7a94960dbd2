"""Property tests of the transaction_alerts generator: the injected effects and their sizes."""


import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

from rail import datasets
from rail.datasets.transactions import FEATURES, corridor_share_of_launderers, rule_alerts
from tests.datasheets import assert_group_table_matches

MILLION = 1_000_000
# Four standard errors: a figure this far from its stated size is a defect, not chance (the
# seeds are fixed, so the tests are deterministic).
Z = 4.0


@pytest.fixture(scope="module")
def million() -> pd.DataFrame:
    return datasets.generate("transaction_alerts", rows=MILLION, seed=7)


def _within(count: int, size: int, rate: float, what: str) -> None:
    z = (count - size * rate) / np.sqrt(size * rate * (1 - rate))
    assert abs(z) < Z, f"{what}: {count} of {size}, expected rate {rate:.5f} ({z:+.1f} SE)"


def _model_inputs(frame: pd.DataFrame) -> pd.DataFrame:
    inputs = frame[list(FEATURES)].astype(float)
    inputs["monthly_volume_eur"] = np.log10(inputs["monthly_volume_eur"])
    return inputs


def _corridor_weight(frame: pd.DataFrame) -> float:
    """The corridor's coefficient (log-odds) in a logistic model fitted on all features."""
    inputs = _model_inputs(frame)
    model = LogisticRegression(C=1e4, max_iter=5000).fit(
        (inputs - inputs.mean()) / inputs.std(), frame["laundering"])
    return float(model.coef_[0][list(FEATURES).index("corridor")] / inputs["corridor"].std())


def test_columns_types_and_ranges():
    small = datasets.generate("transaction_alerts", rows=5000, seed=3)
    assert list(small.columns) == [
        "account_id", "group", *FEATURES, "rule_alert", "laundering",
    ]
    assert small["account_id"].is_unique
    assert set(small["group"]) == {"A", "B"}
    for share in ("cash_share", "cross_border_share"):
        assert small[share].between(0, 1).all()
    assert (small["account_age_years"] > 0).all()
    assert (small["monthly_volume_eur"] > 0).all()
    assert (small["counterparties"] >= 1).all()
    for flag in ("corridor", "rule_alert", "laundering"):
        assert set(small[flag]) <= {0, 1}


def test_same_seed_same_table_other_seed_other_table():
    a, b, c = (datasets.generate("transaction_alerts", rows=3000, seed=s) for s in (4, 4, 5))
    pd.testing.assert_frame_equal(a, b)
    assert not a.equals(c)


def test_base_rate_is_the_parameter_and_the_same_in_both_groups(million):
    _within(int(million["laundering"].sum()), MILLION, 0.001, "laundering, all accounts")
    for group, accounts in million.groupby("group"):
        _within(int(accounts["laundering"].sum()), len(accounts), 0.001, f"group {group}")
    rare = datasets.generate("transaction_alerts", rows=200_000, seed=2, base_rate=0.01)
    _within(int(rare["laundering"].sum()), 200_000, 0.01, "base_rate=0.01")


def test_corridor_is_a_proxy_of_the_stated_strength(million):
    legitimate = million[million["laundering"] == 0]
    for group, share in (("A", 0.03), ("B", 0.6)):
        used = legitimate.loc[legitimate["group"] == group, "corridor"]
        _within(int(used.sum()), len(used), share, f"corridor use, legitimate group {group}")
    # How well the corridor alone predicts the group: AUC = 0.5 + (0.6 - 0.03) / 2 = 0.785
    # (launderers, one in a thousand, move it by less than 0.001).
    auc = roc_auc_score(million["group"] == "B", million["corridor"])
    assert auc == pytest.approx(0.785, abs=0.005)
    assert (million.loc[million["corridor"] == 1, "group"] == "B").mean() > 0.75


def test_corridor_odds_ratio_of_launderers_is_exp_proxy_reliance(million):
    launder = million["laundering"] == 1
    corridor = million["corridor"] == 1
    a, b = (launder & corridor).sum(), (launder & ~corridor).sum()
    c, d = (~launder & corridor).sum(), (~launder & ~corridor).sum()
    log_odds_ratio = np.log(a * d / (b * c))
    standard_error = np.sqrt(1 / a + 1 / b + 1 / c + 1 / d)
    assert abs(log_odds_ratio - 1.5) < Z * standard_error, (log_odds_ratio, standard_error)
    expected = corridor_share_of_launderers(share_b=0.15, corridor_share_a=0.03,
                                            corridor_share_b=0.6, proxy_reliance=1.5)
    _within(int(a), int(a + b), expected, "corridor use of launderers")


@pytest.mark.parametrize("reliance", [0.0, 1.5, 3.0])
def test_a_fitted_model_leans_on_the_corridor_by_proxy_reliance(reliance):
    # A higher base rate gives the fit enough laundering accounts; it moves only the intercept.
    # 2,000 laundering accounts: the coefficient's standard error is about 0.06.
    accounts = datasets.generate("transaction_alerts", rows=200_000, seed=11, base_rate=0.01,
                                 proxy_reliance=reliance)
    assert _corridor_weight(accounts) == pytest.approx(reliance, abs=0.3)


def test_behaviour_does_not_depend_on_group(million):
    # Only the corridor carries the group: every behaviour feature has the same mean in both
    # groups (legitimate accounts; within four standard errors of the difference).
    legitimate = million[million["laundering"] == 0]
    for feature in FEATURES:
        if feature == "corridor":
            continue
        by_group = legitimate.groupby("group")[feature].agg(["mean", "var", "size"])
        a, b = by_group.loc["A"], by_group.loc["B"]
        se = np.sqrt(a["var"] / a["size"] + b["var"] / b["size"])
        assert abs(a["mean"] - b["mean"]) < Z * se, feature


def test_launderers_differ_in_behaviour(million):
    means = million.groupby("laundering")[list(FEATURES)].mean()
    for feature in ("monthly_volume_eur", "tx_per_month", "cash_share", "cross_border_share",
                    "near_threshold_cash", "corridor"):
        assert means.loc[1, feature] > means.loc[0, feature], feature
    assert means.loc[1, "account_age_years"] < means.loc[0, "account_age_years"]
    # Activity drives volume and transactions together: correlated features by design.
    assert np.corrcoef(np.log(million["monthly_volume_eur"]), million["tx_per_month"])[0, 1] > 0.4


def test_most_rule_alerts_are_false_because_laundering_is_rare(million):
    alerts = million[million["rule_alert"] == 1]
    false_share = 1 - alerts["laundering"].mean()
    assert 0.9 < false_share < 0.99
    rare = datasets.generate("transaction_alerts", rows=200_000, seed=13, base_rate=0.05)
    # The same rules on a population where laundering is 50 times commoner: far fewer false.
    assert 1 - rare.loc[rare["rule_alert"] == 1, "laundering"].mean() < false_share - 0.3


def test_rule_alerts_fall_on_group_b_through_the_corridor_rule(million):
    rules = rule_alerts(million)
    assert (rules.any(axis=1).astype(int) == million["rule_alert"]).all()
    legitimate = million["laundering"] == 0
    by_group = rules[legitimate].groupby(million.loc[legitimate, "group"]).mean()
    # Group B's legitimate accounts are alerted several times as often as group A's ...
    any_rule = rules[legitimate].any(axis=1).groupby(million.loc[legitimate, "group"]).mean()
    assert any_rule["B"] > 3 * any_rule["A"]
    # ... and only through the corridor rule: the other rules alert both groups alike.
    for rule in ("structuring", "high_cash"):
        a, b = by_group.loc["A", rule], by_group.loc["B", rule]
        se = np.sqrt(a * (1 - a) / (legitimate & (million["group"] == "A")).sum()
                     + b * (1 - b) / (legitimate & (million["group"] == "B")).sum())
        assert abs(a - b) < Z * se, rule


def test_no_proxy_when_both_groups_use_the_corridor_alike():
    even = datasets.generate("transaction_alerts", rows=200_000, seed=14,
                             corridor_share_a=0.1, corridor_share_b=0.1)
    auc = roc_auc_score(even["group"] == "B", even["corridor"])
    assert auc == pytest.approx(0.5, abs=0.01)


def test_rule_alerts_name_missing_columns():
    with pytest.raises(ValueError, match="rule_alerts needs the columns"):
        rule_alerts(pd.DataFrame({"cash_share": [0.5]}))


@pytest.mark.parametrize(
    ("effects", "message"),
    [
        ({"base_rate": 1.5}, "base_rate must be a probability between 0 and 1"),
        ({"base_rate": 0.0}, "base_rate must be strictly between 0 and 1"),
        ({"share_b": -0.1}, "share_b must be a probability between 0 and 1"),
        ({"corridor_share_a": 2}, "corridor_share_a must be a probability"),
        ({"corridor_share_b": float("nan")}, "corridor_share_b must be a probability"),
        ({"proxy_reliance": float("inf")}, "proxy_reliance must be a finite number"),
    ],
)
def test_bad_effects_raise_clear_errors(effects, message):
    with pytest.raises(datasets.DatasetError, match=message):
        datasets.generate("transaction_alerts", rows=10, seed=0, **effects)


def test_datasheet_figures_match_the_committed_data():
    accounts = datasets.load("transaction_alerts")
    computed = {}
    for group in ("A", "B"):
        g = accounts[accounts["group"] == group]
        alerted = g[g["rule_alert"] == 1]
        computed[group] = {
            "accounts": f"{len(g)}",
            "laundering accounts": f"{int(g['laundering'].sum())}",
            "corridor use": f"{g['corridor'].mean():.3f}",
            "rule alerts": f"{len(alerted)}",
            "alert rate": f"{g['rule_alert'].mean():.4f}",
            "alerts that are not laundering": f"{1 - alerted['laundering'].mean():.3f}",
        }
    assert_group_table_matches("transaction_alerts", computed)
