"""Generator of ``risk_assessment``: a pretrial risk-score cohort (modules 02 and 03).

A fictional jurisdiction uses a vendor's risk score (deciles 1-10) for people awaiting trial.
The outcome the vendor trained and validated on is **re-arrest** within two years. Re-arrest
is not re-offending: an offence becomes an arrest only if police detect it, and in this
simulated jurisdiction police detect offences by group-B people more often (*differential
enforcement*). The generator keeps both outcomes:

* ``reoffend_2y``, the truth, whose rate is the same in both groups;
* ``rearrest_2y``, the label the vendor and any audit of it can see.

**The score is calibrated within groups against re-arrest, by construction.** Each decile
has one expected re-arrest rate, the same whatever the person's group or sex
(:func:`rearrest_rate_by_decile`, the vendor's "expectancy table"), and each person's
re-arrest is drawn from their decile's rate. The truth is derived consistently with it: a
person in group ``g`` with decile ``s`` re-offends with probability ``rate(s) / detection_g``,
and a re-offence becomes a re-arrest with probability ``detection_g``, so that the
probability of re-arrest is exactly ``rate(s)`` in every group.

Because group B's offences are detected more often, its re-arrest rate is higher; a score
calibrated to re-arrest must then give group B higher scores. The simulation places group B's
score distribution exactly where the true re-offending rates of the two groups are equal: the
whole difference in the label is made by enforcement. With the defaults the disparities at
"score 5 or more" have the shape Angwin et al. (2016) reported for COMPAS in Broward County
(false positive rate about twice as high for group B, false negative rate the reverse,
positive predictive values within a few points of each other); no real data were used or
copied.

Everything is synthetic: no real person, court or vendor is described; "A" and "B" are
neutral labels.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.optimize import brentq
from scipy.special import expit, ndtr, ndtri

from rail.datasets._checks import finite, non_negative, positive, probability

GROUPS = ("A", "B")
SEXES = ("F", "M")
DISTRICTS = tuple(f"D{i}" for i in range(1, 9))
DECILES = np.arange(1, 11)
# Share of group-B residents in each district: residence carries the group (a proxy).
_DISTRICT_B_SHARE = np.array([0.1, 0.15, 0.2, 0.3, 0.6, 0.75, 0.85, 0.9])

DEFAULT_SHARE_B = 0.5
DEFAULT_SHARE_FEMALE = 0.2
DEFAULT_DETECTION_A = 0.75
DEFAULT_ENFORCEMENT_RATIO = 1.31
DEFAULT_HISTORY_BIAS = 0.3
DEFAULT_SCORE_SLOPE = 0.45

# The vendor's deciles are cut on a fixed norming population in which its latent risk scale is
# standard normal, so they do not move with the sample.
_DECILE_CUTS = ndtri(np.linspace(0.1, 0.9, 9))
_EDGES = np.concatenate([[-np.inf], _DECILE_CUTS, [np.inf]])
_LOCATION_A = -0.6  # group A's place on the vendor's scale, relative to the norming population
_FEMALE_SHIFT = -0.5  # women's lower propensity (and so lower scores), on the same scale
_RATE_INTERCEPT = 1.0  # log-odds of re-offending at the middle of the scale (least-policed group)


def rearrest_rate_by_decile(
    *,
    detection_a: float = DEFAULT_DETECTION_A,
    enforcement_ratio: float = DEFAULT_ENFORCEMENT_RATIO,
    score_slope: float = DEFAULT_SCORE_SLOPE,
) -> pd.Series:
    """The expected re-arrest rate of each decile: the same for every group and sex.

    This is the score's calibration curve, ``min(detections) * expit(1.0 + score_slope *
    (decile - 5.5))``; it never exceeds the lower detection probability, so the truth derived
    from it is a probability in both groups.

    Returns
    -------
    pandas.Series
        Indexed by decile 1-10 (``risk_score``).
    """
    lowest_detection = detection_a * min(1.0, enforcement_ratio)
    rates = lowest_detection * expit(_RATE_INTERCEPT + score_slope * (DECILES - 5.5))
    return pd.Series(rates, index=pd.Index(DECILES, name="risk_score"), name="rearrest_rate")


def _decile_shares(location: float, share_female: float) -> np.ndarray:
    """Share of a group at each decile, for a group at ``location`` on the vendor's scale."""
    men = np.diff(ndtr(_EDGES - location))
    women = np.diff(ndtr(_EDGES - location - _FEMALE_SHIFT))
    return (1.0 - share_female) * men + share_female * women


def _location_b(rates: np.ndarray, detection_a: float, detection_b: float,
                share_female: float) -> float:
    """Where group B's scores must lie for both groups to re-offend at the same rate."""
    truth_a = _decile_shares(_LOCATION_A, share_female) @ rates / detection_a

    def gap(location: float) -> float:
        return _decile_shares(location, share_female) @ rates / detection_b - truth_a

    low, high = -8.0, 8.0
    if gap(low) > 0 or gap(high) < 0:
        raise ValueError(
            "no score distribution for group B gives both groups the same true re-offending "
            f"rate at detection_a={detection_a} and enforcement_ratio="
            f"{detection_b / detection_a:g}; choose a ratio closer to 1"
        )
    return brentq(gap, low, high, xtol=1e-12)


def generate_risk_assessment(
    rows: int,
    seed: int,
    *,
    share_b: float = DEFAULT_SHARE_B,
    share_female: float = DEFAULT_SHARE_FEMALE,
    detection_a: float = DEFAULT_DETECTION_A,
    enforcement_ratio: float = DEFAULT_ENFORCEMENT_RATIO,
    history_bias: float = DEFAULT_HISTORY_BIAS,
    score_slope: float = DEFAULT_SCORE_SLOPE,
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
    share_female:
        Share of women, the same in both groups. Women have a lower propensity to re-offend,
        and so lower scores; the score is calibrated for them too.
    detection_a:
        Probability that a re-offence by a group-A person leads to a re-arrest (above 0).
    enforcement_ratio:
        Detection probability of group B relative to group A (differential enforcement);
        1.0 means offences are detected alike, and then both groups get the same scores.
        ``detection_a * enforcement_ratio`` must not exceed 1.
    history_bias:
        How much further group B's recorded prior arrests are inflated, beyond the
        enforcement ratio (on the log scale; 0 means only by the ratio). It changes the
        ``prior_arrests`` column, not the score.
    score_slope:
        How steeply the re-arrest rate rises from one decile to the next (log-odds per
        decile); 0 means the score carries no information.

    Returns
    -------
    pandas.DataFrame
        One row per person: ``person_id``, ``group`` (A/B), ``sex`` (F/M), ``age``,
        ``prior_arrests``, ``charge_degree`` (``F`` felony, ``M`` misdemeanour),
        ``district`` (D1-D8, where residence follows group), ``risk_score`` (vendor decile
        1-10), ``rearrest_2y`` (the label, 0/1) and ``reoffend_2y`` (ground truth, 0/1).
    """
    share_b = probability("share_b", share_b)
    share_female = probability("share_female", share_female)
    detection_a = positive("detection_a", probability("detection_a", detection_a))
    enforcement_ratio = positive("enforcement_ratio", enforcement_ratio)
    if detection_a * enforcement_ratio > 1.0:
        raise ValueError(
            "detection_a * enforcement_ratio is group B's detection probability and must not "
            f"exceed 1, got {detection_a} * {enforcement_ratio}"
        )
    history_bias = finite("history_bias", history_bias)
    score_slope = non_negative("score_slope", score_slope)

    detection_b = detection_a * enforcement_ratio
    rates = rearrest_rate_by_decile(detection_a=detection_a, enforcement_ratio=enforcement_ratio,
                                    score_slope=score_slope).to_numpy()
    location_b = _location_b(rates, detection_a, detection_b, share_female)

    rng = np.random.default_rng(seed)
    is_b = rng.random(rows) < share_b
    is_female = rng.random(rows) < share_female
    # The person's propensity on the vendor's scale, the same distribution in both groups;
    # the records through which the vendor sees it add group B's enforcement shift.
    u = rng.normal(size=rows) + _FEMALE_SHIFT * is_female
    latent = u + np.where(is_b, location_b, _LOCATION_A)
    risk_score = 1 + np.searchsorted(_DECILE_CUTS, latent, side="right")

    detection = np.where(is_b, detection_b, detection_a)
    reoffend = rng.random(rows) < rates[risk_score - 1] / detection
    rearrest = reoffend & (rng.random(rows) < detection)

    # What the record shows about each person. Younger people and higher propensity go
    # together; prior arrests grow with propensity and age, and with enforcement for group B.
    age = np.clip(np.round(18 + rng.gamma(2.0, 9.0, rows) * np.exp(-0.3 * u)), 18, 75)
    history = np.where(is_b, enforcement_ratio * np.exp(history_bias), 1.0)
    prior_arrests = rng.poisson(np.exp(-0.2 + 0.8 * u + 0.02 * (age - 18)) * history)
    felony = rng.random(rows) < expit(0.3 + 0.5 * u)
    # Residence: draw a district with weights that follow each person's group.
    weights = np.where(is_b[:, None], _DISTRICT_B_SHARE, 1.0 - _DISTRICT_B_SHARE)
    cumulative = weights.cumsum(axis=1) / weights.sum(axis=1, keepdims=True)
    district = (cumulative < rng.random((rows, 1))).sum(axis=1)

    return pd.DataFrame(
        {
            "person_id": np.arange(1, rows + 1),
            "group": np.where(is_b, "B", "A").astype(object),
            "sex": np.where(is_female, "F", "M").astype(object),
            "age": age.astype(int),
            "prior_arrests": prior_arrests,
            "charge_degree": np.where(felony, "F", "M").astype(object),
            "district": np.asarray(DISTRICTS, dtype=object)[np.minimum(district, 7)],
            "risk_score": risk_score,
            "rearrest_2y": rearrest.astype(np.int8),
            "reoffend_2y": reoffend.astype(np.int8),
        }
    )
