"""Generator of ``risk_assessment``: a pretrial risk-score cohort (modules 02 and 03).

A fictional jurisdiction uses a vendor's risk score (deciles 1-10) for people awaiting trial.
The outcome the vendor trained and validated on is **re-arrest** within two years. Re-arrest
is not re-offending: an offence becomes an arrest only if police detect it, and in this
simulated jurisdiction police detect offences by group-B people more often (*differential
enforcement*). The generator keeps both outcomes:

* ``reoffend_2y``, the truth, which by default has the same distribution in both groups;
* ``rearrest_2y``, the label the vendor and any audit of it can see.

The vendor's score is built from arrest history, which carries the same enforcement gap, and
its deciles are normed on a fixed reference population (as vendors norm on a norming sample).
With the defaults the disparities have the shape Angwin et al. (2016) reported for COMPAS in
Broward County (false positive rate about twice as high for one group, false negative rate the
reverse, similar positive predictive value); no real data were used or copied.

Everything is synthetic: no real person, court or vendor is described; "A" and "B" are
neutral labels.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pandas as pd

from rail.datasets._checks import finite, non_negative, positive, probability

GROUPS = ("A", "B")
DISTRICTS = tuple(f"D{i}" for i in range(1, 9))
# Share of group-B residents in each district: residence carries the group (a proxy).
_DISTRICT_B_SHARE = np.array([0.1, 0.15, 0.2, 0.3, 0.6, 0.75, 0.85, 0.9])

DEFAULT_SHARE_B = 0.5
DEFAULT_DETECTION_A = 0.75
DEFAULT_ENFORCEMENT_RATIO = 1.31
DEFAULT_HISTORY_BIAS = 0.3
DEFAULT_SCORE_NOISE = 0.6
_NORMING_SEED = 20160523  # fixed: the vendor's norms do not change with the sample
_NORMING_SIZE = 200_000
_CUT_SHIFT = 0.4


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _logit(p: np.ndarray) -> np.ndarray:
    return np.log(p / (1.0 - p))


def _true_propensity(u: np.ndarray) -> np.ndarray:
    """Probability of re-offending within two years, from the latent propensity ``u``."""
    return _sigmoid(0.2 + 1.3 * u)


def _vendor_latent(u, is_b, noise, *, detection_a, enforcement_ratio, history_bias,
                   score_noise) -> np.ndarray:
    """The vendor's internal risk estimate: what arrest-history data let it predict."""
    detection = np.where(is_b, detection_a * enforcement_ratio, detection_a)
    p_rearrest = _true_propensity(u) * detection
    return _logit(np.clip(p_rearrest, 1e-6, 1 - 1e-6)) + history_bias * is_b + score_noise * noise


@cache
def _decile_cut_points() -> np.ndarray:
    """Cut-points of the deciles, from a fixed norming population at the default settings."""
    rng = np.random.default_rng(_NORMING_SEED)
    u = rng.normal(size=_NORMING_SIZE)
    is_b = rng.random(_NORMING_SIZE) < DEFAULT_SHARE_B
    latent = _vendor_latent(
        u, is_b, rng.normal(size=_NORMING_SIZE), detection_a=DEFAULT_DETECTION_A,
        enforcement_ratio=DEFAULT_ENFORCEMENT_RATIO, history_bias=DEFAULT_HISTORY_BIAS,
        score_noise=DEFAULT_SCORE_NOISE,
    )
    return np.quantile(latent, np.linspace(0.1, 0.9, 9)) + _CUT_SHIFT


def generate_risk_assessment(
    rows: int,
    seed: int,
    *,
    share_b: float = DEFAULT_SHARE_B,
    detection_a: float = DEFAULT_DETECTION_A,
    enforcement_ratio: float = DEFAULT_ENFORCEMENT_RATIO,
    history_bias: float = DEFAULT_HISTORY_BIAS,
    score_noise: float = DEFAULT_SCORE_NOISE,
) -> pd.DataFrame:
    """Simulate a cohort of ``rows`` people scored by the vendor's tool.

    Parameters
    ----------
    rows:
        Number of people.
    seed:
        Seed of the random generator.
    share_b:
        Share of the cohort in group B.
    detection_a:
        Probability that a re-offence by a group-A person leads to a re-arrest.
    enforcement_ratio:
        Detection probability of group B relative to group A (differential enforcement);
        1.0 means offences are detected alike. ``detection_a * enforcement_ratio`` must not
        exceed 1.
    history_bias:
        How much further the vendor's score is pushed up for group B by arrest histories that
        over-count their past behaviour (on the log-odds scale); 0 means none.
    score_noise:
        Standard deviation of the vendor's error on the log-odds scale.

    Returns
    -------
    pandas.DataFrame
        One row per person: ``person_id``, ``group`` (A/B), ``age``, ``prior_arrests``,
        ``charge_degree`` (``F`` felony, ``M`` misdemeanour), ``district`` (D1-D8, where
        residence follows group), ``risk_score`` (vendor decile 1-10), ``rearrest_2y``
        (the label, 0/1) and ``reoffend_2y`` (ground truth, 0/1).
    """
    share_b = probability("share_b", share_b)
    detection_a = probability("detection_a", detection_a)
    enforcement_ratio = positive("enforcement_ratio", enforcement_ratio)
    if detection_a * enforcement_ratio > 1.0:
        raise ValueError(
            "detection_a * enforcement_ratio is group B's detection probability and must not "
            f"exceed 1, got {detection_a} * {enforcement_ratio}"
        )
    history_bias = finite("history_bias", history_bias)
    score_noise = non_negative("score_noise", score_noise)

    rng = np.random.default_rng(seed)
    is_b = rng.random(rows) < share_b
    u = rng.normal(size=rows)  # latent propensity: the same distribution in both groups

    reoffend = rng.random(rows) < _true_propensity(u)
    detection = np.where(is_b, detection_a * enforcement_ratio, detection_a)
    rearrest = reoffend & (rng.random(rows) < detection)

    latent = _vendor_latent(u, is_b, rng.normal(size=rows), detection_a=detection_a,
                            enforcement_ratio=enforcement_ratio, history_bias=history_bias,
                            score_noise=score_noise)
    risk_score = 1 + np.searchsorted(_decile_cut_points(), latent, side="right")

    # What the record shows about each person. Younger people and higher propensity go
    # together; prior arrests grow with propensity and age, and with enforcement for group B.
    age = np.clip(np.round(18 + rng.gamma(2.0, 9.0, rows) * np.exp(-0.3 * u)), 18, 75)
    history = np.where(is_b, enforcement_ratio * np.exp(history_bias), 1.0)
    prior_arrests = rng.poisson(np.exp(-0.2 + 0.8 * u + 0.02 * (age - 18)) * history)
    felony = rng.random(rows) < _sigmoid(0.3 + 0.5 * u)
    # Residence: draw a district with weights that follow each person's group.
    weights = np.where(is_b[:, None], _DISTRICT_B_SHARE, 1.0 - _DISTRICT_B_SHARE)
    cumulative = weights.cumsum(axis=1) / weights.sum(axis=1, keepdims=True)
    district = (cumulative < rng.random((rows, 1))).sum(axis=1)

    return pd.DataFrame(
        {
            "person_id": np.arange(1, rows + 1),
            "group": np.where(is_b, "B", "A").astype(object),
            "age": age.astype(int),
            "prior_arrests": prior_arrests,
            "charge_degree": np.where(felony, "F", "M").astype(object),
            "district": np.asarray(DISTRICTS, dtype=object)[np.minimum(district, 7)],
            "risk_score": risk_score,
            "rearrest_2y": rearrest.astype(np.int8),
            "reoffend_2y": reoffend.astype(np.int8),
        }
    )
