"""Generator of ``transaction_alerts``: bank accounts screened for money laundering (module 04).

A fictional bank's transaction-monitoring system looks at twelve months of each account's
activity, summarised in a few behaviour features, and raises alerts that a financial
intelligence unit's investigators review. Two systems are simulated:

* a **rule-based** alert set (:func:`rule_alerts`), the kind of fixed thresholds banks have
  long used, one of which looks at remittances to a "high-risk" corridor;
* the data for a **learned model**: every account carries the generator's ground truth
  ``laundering``, which a model can be trained and evaluated on. (In real life nobody knows
  the truth: models are trained on past reports, with the biases module 01 describes. Here the
  truth is known so that the lesson can show what an explanation gets right and wrong.)

How an account is drawn (class-conditional, so every effect has an exact size):

1. ``laundering`` with probability ``base_rate`` (rare: most alerts are therefore false).
2. ``group`` (A/B, a nationality group kept for auditing only) with probability ``share_b``,
   **independently of laundering**: both groups launder at the same rate.
3. ``corridor`` (the account sends money along the remittance corridor to the country of
   origin of many group-B residents). Legitimate accounts use it with probability
   ``corridor_share_a`` or ``corridor_share_b`` by group: family remittances, so the corridor
   is a **proxy** for group B. Laundering accounts use it, whatever their group, with the
   probability that makes the odds ratio of the corridor, laundering vs legitimate, equal to
   ``exp(proxy_reliance)``. Because the corridor is drawn independently of the behaviour
   features given the class, ``proxy_reliance`` is exactly the weight, in log-odds, that the
   best possible model puts on the corridor: the model leans on the proxy by this amount.
4. Behaviour features, from distributions that differ by class (see :data:`PROFILES`; half
   the laundering accounts follow a cash typology, half a transfer typology, so the signal is
   not additive and a flexible model has something to find): an
   activity level drives both ``monthly_volume_eur`` and ``tx_per_month`` (and the number of
   counterparties), so those features are correlated; ``account_age_years``, ``cash_share``,
   ``cross_border_share`` and ``near_threshold_cash`` (cash deposits just under the bank's
   reporting threshold, a sign of structuring) are drawn independently given the class.
5. ``rule_alert``: whether any rule of :func:`rule_alerts` fires.

Everything is synthetic: no real person, bank, country or corridor is described; "A" and "B"
are neutral labels.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from rail.datasets._checks import finite, probability

DEFAULT_BASE_RATE = 0.001
DEFAULT_SHARE_B = 0.15
DEFAULT_CORRIDOR_SHARE_A = 0.03
DEFAULT_CORRIDOR_SHARE_B = 0.6
DEFAULT_PROXY_RELIANCE = 1.5

FEATURES: tuple[str, ...] = (
    "account_age_years", "monthly_volume_eur", "tx_per_month", "counterparties",
    "cash_share", "cross_border_share", "near_threshold_cash", "corridor",
)
"""The columns a monitoring model may use (``group`` and ``laundering`` are not among them)."""

PROFILES: dict[str, dict[str, float]] = {
    # The class-conditional distributions: legitimate accounts, and the two laundering
    # typologies (cash placement with structuring; layering through many transfers abroad).
    "legitimate": {
        "activity_shift": 0.0,      # mean of the standard-normal activity level
        "age_shape": 2.0, "age_scale": 4.0,          # gamma, mean 8 years
        "cash_a": 1.5, "cash_b": 6.0,                # beta, mean 0.20
        "border_a": 1.0, "border_b": 9.0,            # beta, mean 0.10
        "near_threshold_mean": 0.05,                 # Poisson
    },
    "cash": {
        "activity_shift": 0.3,
        "age_shape": 2.0, "age_scale": 1.5,          # mean 3 years
        "cash_a": 4.0, "cash_b": 3.0,                # mean 0.57
        "border_a": 1.0, "border_b": 9.0,            # as legitimate accounts
        "near_threshold_mean": 1.2,
    },
    "transfer": {
        "activity_shift": 1.0,
        "age_shape": 2.0, "age_scale": 1.5,
        "cash_a": 1.5, "cash_b": 6.0,                # as legitimate accounts
        "border_a": 3.0, "border_b": 5.0,            # mean 0.375
        "near_threshold_mean": 0.05,
    },
}
"""Parameters of each class's feature distributions (teaching choices, not estimates)."""

CASH_TYPOLOGY_SHARE = 0.5
"""Share of laundering accounts of the cash typology; the others are of the transfer typology."""

# Activity drives volume (log-normal around EUR 2,500 a month), transactions and counterparties.
_VOLUME_MEDIAN_EUR = 2500.0
_VOLUME_ACTIVITY = 0.9
_VOLUME_NOISE = 0.5
_TX_MEDIAN = 25.0
_TX_ACTIVITY = 0.6
_COUNTERPARTIES_MEDIAN = 8.0
_COUNTERPARTIES_ACTIVITY = 0.5

RULES: dict[str, str] = {
    "structuring": "near_threshold_cash >= 2",
    "high_cash": "cash_share >= 0.6 and monthly_volume_eur >= 8000",
    "corridor": "corridor == 1 and cross_border_share >= 0.3",
}
"""The rule-based system: an alert when any of these conditions holds."""


def rule_alerts(accounts: pd.DataFrame) -> pd.DataFrame:
    """Evaluate each rule of :data:`RULES` on ``accounts``; one boolean column per rule.

    The ``corridor`` rule treats remittances to a listed corridor as a risk indicator: it is
    the rule that carries the proxy into the alerts.
    """
    missing = sorted({"near_threshold_cash", "cash_share", "monthly_volume_eur", "corridor",
                      "cross_border_share"} - set(accounts.columns))
    if missing:
        raise ValueError(f"rule_alerts needs the columns {missing}")
    return pd.DataFrame({name: accounts.eval(rule) for name, rule in RULES.items()},
                        index=accounts.index)


def corridor_share_of_launderers(*, share_b: float, corridor_share_a: float,
                                 corridor_share_b: float, proxy_reliance: float) -> float:
    """P(corridor | laundering): the odds of legitimate accounts times ``exp(proxy_reliance)``."""
    legitimate = (1.0 - share_b) * corridor_share_a + share_b * corridor_share_b
    if legitimate in (0.0, 1.0):
        return legitimate
    odds = legitimate / (1.0 - legitimate) * np.exp(proxy_reliance)
    return float(odds / (1.0 + odds))


def generate_transaction_alerts(
    rows: int,
    seed: int,
    *,
    base_rate: float = DEFAULT_BASE_RATE,
    share_b: float = DEFAULT_SHARE_B,
    corridor_share_a: float = DEFAULT_CORRIDOR_SHARE_A,
    corridor_share_b: float = DEFAULT_CORRIDOR_SHARE_B,
    proxy_reliance: float = DEFAULT_PROXY_RELIANCE,
) -> pd.DataFrame:
    """Simulate ``rows`` bank accounts and their monitoring alerts.

    Parameters
    ----------
    rows:
        Number of accounts.
    seed:
        Seed of the random generator.
    base_rate:
        Share of accounts used for laundering (ground truth), the same in both groups.
    share_b:
        Share of accounts held by group-B customers.
    corridor_share_a, corridor_share_b:
        Share of legitimate accounts of each group that send money along the corridor
        (the proxy's strength: the further apart, the better the corridor predicts the group).
    proxy_reliance:
        Log odds ratio of corridor use, laundering vs legitimate accounts; the weight in
        log-odds that the best model gives the corridor. 0 means the corridor says nothing
        about laundering; negative values are allowed.

    Returns
    -------
    pandas.DataFrame
        One row per account: ``account_id``, ``group`` (A/B, for auditing only), the
        features of :data:`FEATURES`, ``rule_alert`` (0/1) and ``laundering`` (ground
        truth, 0/1).
    """
    base_rate = probability("base_rate", base_rate)
    share_b = probability("share_b", share_b)
    corridor_share_a = probability("corridor_share_a", corridor_share_a)
    corridor_share_b = probability("corridor_share_b", corridor_share_b)
    proxy_reliance = finite("proxy_reliance", proxy_reliance)
    if not 0.0 < base_rate < 1.0:
        raise ValueError(f"base_rate must be strictly between 0 and 1, got {base_rate!r}")
    corridor_laundering = corridor_share_of_launderers(
        share_b=share_b, corridor_share_a=corridor_share_a, corridor_share_b=corridor_share_b,
        proxy_reliance=proxy_reliance)

    rng = np.random.default_rng(seed)
    laundering = rng.random(rows) < base_rate
    is_b = rng.random(rows) < share_b
    corridor_p = np.where(laundering, corridor_laundering,
                          np.where(is_b, corridor_share_b, corridor_share_a))
    corridor = rng.random(rows) < corridor_p

    cash_typology = rng.random(rows) < CASH_TYPOLOGY_SHARE

    def by_class(key: str) -> np.ndarray:
        laundering_value = np.where(cash_typology, PROFILES["cash"][key],
                                    PROFILES["transfer"][key])
        return np.where(laundering, laundering_value, PROFILES["legitimate"][key])

    activity = rng.normal(size=rows) + by_class("activity_shift")
    volume = _VOLUME_MEDIAN_EUR * np.exp(_VOLUME_ACTIVITY * activity
                                         + _VOLUME_NOISE * rng.normal(size=rows))
    tx = rng.poisson(_TX_MEDIAN * np.exp(_TX_ACTIVITY * activity))
    counterparties = 1 + rng.poisson(_COUNTERPARTIES_MEDIAN * np.exp(
        _COUNTERPARTIES_ACTIVITY * activity))
    age = rng.gamma(by_class("age_shape"), by_class("age_scale"))
    cash = rng.beta(by_class("cash_a"), by_class("cash_b"))
    border = rng.beta(by_class("border_a"), by_class("border_b"))
    near_threshold = rng.poisson(by_class("near_threshold_mean"))

    accounts = pd.DataFrame(
        {
            "account_id": np.arange(1, rows + 1),
            "group": np.where(is_b, "B", "A").astype(object),
            "account_age_years": np.round(age + 0.05, 1),
            "monthly_volume_eur": np.round(volume).astype(np.int64),
            "tx_per_month": tx,
            "counterparties": counterparties,
            "cash_share": np.round(cash, 2),
            "cross_border_share": np.round(border, 2),
            "near_threshold_cash": near_threshold,
            "corridor": corridor.astype(np.int8),
        }
    )
    accounts["rule_alert"] = rule_alerts(accounts).any(axis=1).astype(np.int8)
    accounts["laundering"] = laundering.astype(np.int8)
    return accounts
