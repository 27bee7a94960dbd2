"""Explaining an alert model: scorecard, reason codes, counterfactuals, proxies, model cards.

Module 04 asks *why was this account flagged?* These helpers are shared by its lesson and its
assignment (and are tested); global explanations (permutation importance, partial dependence,
ICE) come straight from :mod:`sklearn.inspection` and are not wrapped here.

* :func:`make_scorecard` builds the glass-box model: a logistic regression on standardised
  features (volume on a log scale), whose log-odds are a sum of one term per feature.
* :func:`contributions` splits a scorecard's log-odds into those terms, measured from the
  average training account; :func:`reason_codes` turns the largest into sentences an
  investigator can check against the account's records (the practice of "adverse action"
  reason codes in credit scoring).
* :func:`counterfactual` searches for the cheapest change (in :func:`percentile_cost`: how
  far the account moves among its peers) to the features an account holder *can* change that
  would have avoided the alert (Wachter, Mittelstadt and Russell, 2018,
  "Counterfactual explanations without opening the black box", Harvard Journal of Law and
  Technology 31:841), over any scikit-learn classifier.
* :func:`proxy_strength` measures how well each feature predicts a protected group.
* :func:`model_card` writes a model card (Mitchell et al., 2019, "Model cards for model
  reporting") in Markdown from values computed in the notebook.

>>> from rail import datasets, transparency
>>> accounts = datasets.load("transaction_alerts")
>>> scorecard = transparency.make_scorecard().fit(accounts[list(transparency.FEATURES)],
...                                                accounts["laundering"])
>>> codes = transparency.reason_codes(scorecard, accounts.iloc[0], k=3)
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler

from rail.datasets.transactions import FEATURES

LOG_SCALED: tuple[str, ...] = ("monthly_volume_eur",)
"""Features the scorecard takes on a log10 scale (money spans orders of magnitude)."""

DESCRIPTIONS: dict[str, str] = {
    "account_age_years": "the account is {value:g} years old",
    "monthly_volume_eur": "EUR {value:,.0f} moved per month",
    "tx_per_month": "{value:g} transactions per month",
    "counterparties": "{value:g} distinct counterparties",
    "cash_share": "{value:.0%} of the volume in cash",
    "cross_border_share": "{value:.0%} of the volume sent or received abroad",
    "near_threshold_cash": "{value:g} cash deposits just under the reporting threshold",
    "corridor": "uses the remittance corridor (1 = yes): {value:g}",
}
"""How a reason code states each feature's value, in words an investigator can check."""

ACTIONABLE: tuple[str, ...] = (
    "monthly_volume_eur", "tx_per_month", "counterparties", "cash_share",
    "cross_border_share", "near_threshold_cash",
)
"""Behaviour an account holder could change. Not: the account's age (only time changes it) and
the corridor (sending money to one's family is not a behaviour to be advised away)."""


def make_scorecard(*, C: float = 1.0, features: Sequence[str] = FEATURES) -> Pipeline:
    """An unfitted glass-box model: log10 of volume, standardisation, logistic regression.

    ``C`` is scikit-learn's inverse regularisation strength. The fitted pipeline's log-odds
    are ``intercept + sum_j coef_j * z_j`` with ``z_j`` the standardised feature ``j``; see
    :func:`contributions`.
    """
    features = list(features)
    logged = [f for f in features if f in LOG_SCALED]
    prepare = ColumnTransformer(
        [("log10", FunctionTransformer(np.log10, feature_names_out="one-to-one"), logged)],
        remainder="passthrough", verbose_feature_names_out=False,
    ).set_output(transform="pandas")
    return Pipeline([
        ("prepare", prepare),
        ("standardise", StandardScaler()),
        ("logistic", LogisticRegression(C=C, max_iter=2000)),
    ])


def _scorecard_parts(model: Pipeline) -> tuple[list[str], np.ndarray]:
    try:
        prepare, logistic = model.named_steps["prepare"], model.named_steps["logistic"]
        names = list(prepare.get_feature_names_out())
        coef = logistic.coef_[0]
    except (AttributeError, KeyError, TypeError) as err:
        raise TypeError("expected a fitted pipeline from make_scorecard()") from err
    return names, coef


def contributions(model: Pipeline, accounts: pd.DataFrame) -> pd.DataFrame:
    """Each feature's term in a fitted scorecard's log-odds, for each account.

    The term of feature ``j`` is ``coef_j * z_j``, where ``z_j`` is the account's standardised
    value: 0 for an account at the training average. A positive term pushes the score up
    (towards an alert) relative to the average account. The terms plus the intercept are the
    model's log-odds: ``contributions(m, X).sum(axis=1) + intercept == m.decision_function(X)``.

    Returns
    -------
    pandas.DataFrame
        Same index as ``accounts``, one column per feature (in the model's order).
    """
    names, coef = _scorecard_parts(model)
    missing = [f for f in model.feature_names_in_ if f not in accounts.columns]
    if missing:
        raise ValueError(f"accounts lack the model's features {missing}")
    inputs = accounts[list(model.feature_names_in_)].astype(float)
    standardised = model.named_steps["standardise"].transform(
        model.named_steps["prepare"].transform(inputs))
    terms = pd.DataFrame(standardised * coef, index=accounts.index, columns=names)
    return terms[list(model.feature_names_in_)]


def reason_codes(model: Pipeline, account: pd.Series, *, k: int = 3) -> pd.DataFrame:
    """The ``k`` features that pushed one account's scorecard score up the most.

    Only positive terms are reasons for an alert; fewer than ``k`` rows are returned when
    fewer terms are positive. Ties are broken by feature order.

    Returns
    -------
    pandas.DataFrame
        Columns ``feature``, ``value`` (the account's raw value), ``contribution`` (log-odds
        added relative to the average account) and ``reason`` (a sentence), largest first.
    """
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 1:
        raise ValueError(f"k must be a whole number >= 1, got {k!r}")
    if not isinstance(account, pd.Series):
        raise TypeError("account must be one row of the accounts table (a pandas Series)")
    terms = contributions(model, account.to_frame().T).iloc[0].astype(float)
    terms = terms[terms > 0].sort_values(ascending=False, kind="stable").head(int(k))
    rows = []
    for feature, term in terms.items():
        value = float(account[feature])
        template = DESCRIPTIONS.get(feature, feature + " = {value:g}")
        rows.append({"feature": feature, "value": value, "contribution": float(term),
                     "reason": template.format(value=value)})
    return pd.DataFrame(rows, columns=["feature", "value", "contribution", "reason"])


@dataclass(frozen=True)
class Counterfactual:
    """The result of :func:`counterfactual`.

    Attributes
    ----------
    changes:
        ``{feature: (old value, new value)}`` for each feature changed.
    cost:
        The change's :func:`percentile_cost`.
    score_before, score_after:
        The model's probability for the account as it is and as changed.
    """

    changes: dict[str, tuple[float, float]]
    cost: float
    score_before: float
    score_after: float


def percentile_rank(reference: pd.Series, values: Sequence[float] | np.ndarray) -> np.ndarray:
    """Where each value falls among ``reference``: the share below it plus half the share equal.

    0 is below every reference account, 1 above every one; ties share the middle rank, so a
    value held by 95 % of accounts (e.g. zero threshold deposits) sits at about 0.475.
    """
    ordered = np.sort(reference.to_numpy(dtype=float))
    values = np.asarray(values, dtype=float)
    below = np.searchsorted(ordered, values, side="left")
    at_or_below = np.searchsorted(ordered, values, side="right")
    return (below + at_or_below) / (2.0 * len(ordered))


def percentile_cost(reference: pd.DataFrame,
                    changes: Mapping[str, tuple[float, float]]) -> float:
    """The cost of a change: the sum, over changed features, of how far it moves the account
    among the ``reference`` accounts, in shares of accounts (0-1 per feature).

    Measured this way, moving a cash share from 0.40 to 0.30 and a monthly volume from
    EUR 3,000 to EUR 2,000 cost what they mean for an account's place among its peers,
    whatever the units and skew of each feature.
    """
    return float(sum(
        abs(percentile_rank(reference[f], [new])[0] - percentile_rank(reference[f], [old])[0])
        for f, (old, new) in changes.items()
    ))


def candidate_values(reference: pd.DataFrame, features: Sequence[str], *,
                     points: int = 21) -> dict[str, np.ndarray]:
    """Values to try for each feature: ``points`` evenly spaced quantiles of ``reference``.

    Quantiles keep the search among values real accounts have (no negative volumes, no cash
    share above 1).
    """
    if points < 2:
        raise ValueError(f"points must be at least 2, got {points}")
    levels = np.linspace(0.0, 1.0, points)
    return {f: np.unique(np.quantile(reference[f].to_numpy(dtype=float), levels))
            for f in features}


def counterfactual(
    model: object,
    account: pd.Series,
    *,
    threshold: float,
    candidates: Mapping[str, Sequence[float]],
    reference: pd.DataFrame,
    max_changes: int = 2,
) -> Counterfactual | None:
    """The cheapest change to allowed features that brings ``account`` below ``threshold``.

    Every combination of up to ``max_changes`` features, each set to one of its candidate
    values, is scored in one batch with ``model.predict_proba``; the change with the lowest
    :func:`percentile_cost` whose probability is below ``threshold`` wins (ties: the lower
    probability, then fewer features). Only the features named in ``candidates`` may change:
    leave out what the person cannot change (the account's age) or must not be asked to (the
    corridor).

    Parameters
    ----------
    model:
        A fitted scikit-learn classifier taking the account's feature columns.
    account:
        One row of the accounts table; it must be flagged (probability >= threshold).
    threshold:
        The alert threshold on the model's probability, between 0 and 1.
    candidates:
        Values to try per changeable feature (e.g. :func:`candidate_values`).
    reference:
        The accounts against which costs are measured (e.g. the training data).
    max_changes:
        At most this many features change together (1 or 2 keeps the search small).

    Returns
    -------
    Counterfactual or None
        ``None`` when no combination in the search space avoids the alert.
    """
    if not 0.0 < float(threshold) < 1.0:
        raise ValueError(f"threshold must be between 0 and 1, got {threshold!r}")
    if isinstance(max_changes, bool) or not isinstance(max_changes, int) or max_changes < 1:
        raise ValueError(f"max_changes must be a whole number >= 1, got {max_changes!r}")
    columns = list(getattr(model, "feature_names_in_", account.index))
    unknown = [f for f in candidates if f not in columns]
    if unknown:
        raise ValueError(f"cannot change {unknown}: not among the model's features {columns}")
    no_reference = [f for f in candidates if f not in reference.columns]
    if no_reference:
        raise ValueError(f"the reference accounts lack the columns {no_reference}")
    base = account[columns].astype(float)
    before = float(model.predict_proba(base.to_frame().T)[0, 1])
    if before < threshold:
        raise ValueError(f"the account is not flagged: probability {before:.4g} is below the "
                         f"threshold {threshold:g}")

    options = {f: np.asarray(v, dtype=float) for f, v in candidates.items()}
    base_values = base.to_numpy()
    # The cost of each candidate value of each feature, measured once.
    step_cost = {f: np.abs(percentile_rank(reference[f], v)
                           - percentile_rank(reference[f], [base[f]])[0])
                 for f, v in options.items()}
    rows, costs, changed = [], [], []
    for size in range(1, min(max_changes, len(options)) + 1):
        for subset in itertools.combinations(options, size):
            positions = [columns.index(f) for f in subset]
            for picks in itertools.product(*(range(len(options[f])) for f in subset)):
                values = [options[f][i] for f, i in zip(subset, picks, strict=True)]
                if any(v == base_values[p] for p, v in zip(positions, values, strict=True)):
                    continue
                row = base_values.copy()
                row[positions] = values
                rows.append(row)
                costs.append(sum(step_cost[f][i] for f, i in zip(subset, picks, strict=True)))
                changed.append(subset)
    if not rows:
        return None
    scores = model.predict_proba(pd.DataFrame(np.array(rows), columns=columns))[:, 1]
    below = np.flatnonzero(scores < threshold)
    if below.size == 0:
        return None
    order = np.lexsort((np.array([len(changed[i]) for i in below]), scores[below],
                        np.array(costs)[below]))
    best = below[order[0]]
    changes = {f: (float(base[f]), float(rows[best][columns.index(f)])) for f in changed[best]}
    return Counterfactual(changes=changes, cost=float(costs[best]), score_before=before,
                          score_after=float(scores[best]))


def proxy_strength(frame: pd.DataFrame, features: Sequence[str], *, group: str,
                   member: object) -> pd.Series:
    """How well each feature alone tells members of a group from the others (AUC, 0.5-1).

    The area under the ROC curve of the feature as a score for ``frame[group] == member``,
    folded so that 0.5 means "no information" and 1 "a perfect proxy", whichever way the
    feature points. Sorted from the strongest proxy.
    """
    if group not in frame.columns:
        raise ValueError(f"no column {group!r} in the table")
    is_member = (frame[group] == member).to_numpy()
    if is_member.all() or not is_member.any():
        raise ValueError(f"{group} == {member!r} must hold for some rows and not others")
    strengths = {}
    for feature in features:
        auc = roc_auc_score(is_member, frame[feature].to_numpy(dtype=float))
        strengths[feature] = max(auc, 1.0 - auc)
    return pd.Series(strengths, name="AUC for the group").sort_values(ascending=False)


MODEL_CARD_SECTIONS: tuple[str, ...] = (
    "Model details", "Intended use", "Factors", "Metrics", "Evaluation data", "Training data",
    "Quantitative analyses", "Ethical considerations", "Caveats and recommendations",
)
"""The sections of a model card, in the order of Mitchell et al. (2019)."""


def markdown_table(table: pd.DataFrame, *, digits: int = 3) -> str:
    """A pandas table as a Markdown table (index as the first column).

    Floats are rounded to ``digits`` decimals, whole numbers keep no decimals, and missing
    values are shown as an empty cell.
    """
    def cell(value: object) -> str:
        if value is None or (isinstance(value, float | np.floating) and np.isnan(value)):
            return ""
        if isinstance(value, float | np.floating):
            return f"{value:.{digits}f}"
        return str(value)

    header = [str(table.index.name or ""), *map(str, table.columns)]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in table.itertuples(index=True, name=None):
        lines.append("| " + " | ".join(cell(v) for v in row) + " |")
    return "\n".join(lines)


def model_card(title: str, sections: Mapping[str, str | Sequence[str] | pd.DataFrame]) -> str:
    """Write a model card in Markdown: every section of :data:`MODEL_CARD_SECTIONS`, in order.

    Each section's content is text, a list of points, or a table (from computed values, so
    the card cannot drift from the evaluation). A missing, empty or unknown section is an
    error: a card with a blank "Caveats" is worse than none.
    """
    missing = [s for s in MODEL_CARD_SECTIONS if s not in sections]
    unknown = [s for s in sections if s not in MODEL_CARD_SECTIONS]
    if missing or unknown:
        raise ValueError(f"model card sections: missing {missing}, unknown {unknown}; "
                         f"expected {list(MODEL_CARD_SECTIONS)}")
    parts = [f"# Model card: {title}"]
    for name in MODEL_CARD_SECTIONS:
        content = sections[name]
        if isinstance(content, pd.DataFrame):
            if content.empty:
                raise ValueError(f"model card section {name!r} is an empty table")
            body = markdown_table(content)
        elif isinstance(content, str):
            body = content.strip()
        else:
            body = "\n".join(f"- {str(point).strip()}" for point in content if str(point).strip())
        if not body:
            raise ValueError(f"model card section {name!r} is empty")
        parts.append(f"## {name}\n{body}")
    return "\n\n".join(parts) + "\n"
