"""Generator of ``burglary_cases``: reported burglaries a vendor's system would rank (module 07).

A vendor offers a police force a system that scores each reported residential burglary by how
likely it is to be solved, so that the cases most likely to be solved reach an investigator
first. Before anything is signed, the force audits it on two samples, both in one table:

* the **audit sample** (``sample == "audit"``): cases reported in the force's North area in
  2025, during a pilot in which every reported burglary received the same standard
  investigation, so the outcome ``solved`` (a suspect charged or summonsed within 90 days) is
  known and was not shaped by any earlier prioritisation;
* the **deployment sample** (``sample == "deployment"``): cases reported in the South area in
  2026, where the system would first be used. Their outcomes are not known yet (``solved`` is
  empty), and the area and period differ: the sample is **shifted**.

How a case is drawn (each effect has an exact, tested size):

1. ``sample``: deployment with probability ``deployment_share``.
2. The victim's ``victim_group`` (A/B, an ethnic group recorded for equality monitoring, never a
   model input): B with probability ``share_b`` (audit) or ``deployment_share_b``.
   ``victim_age_band`` ("under 65" / "65 and over"): 65 and over with probability
   :data:`OLDER_SHARE`, in both samples and groups.
3. ``area_clearance_rate``: the share of burglaries solved in the victim's neighbourhood over
   the previous five years, a figure the vendor's system reads. On the logit scale it is normal
   with standard deviation :data:`AREA_SD` and mean :data:`AREA_MEAN_A` for group A and
   ``AREA_MEAN_A - proxy_gap`` for group B: neighbourhoods where many group-B residents live
   had lower past clearance (fewer cases were investigated there), so the feature is a
   **proxy** for group B. In the deployment sample every mean is moved by
   ``deployment_area_shift``.
4. Evidence known when the case is reported, with shares in :data:`EVIDENCE_SHARES` (the same
   for both groups): ``forensic_material``, ``cctv_available`` (share ``deployment_cctv_share``
   in the deployment sample: doorbell cameras), ``witness``, ``suspect_described`` (less often
   for victims aged 65 and over, :data:`OLDER_SUSPECT_DESCRIBED`), ``report_delay_hours``
   (log-normal around :data:`DELAY_MEDIAN_HOURS`, longer for victims aged 65 and over, and
   times ``deployment_delay_factor`` in the deployment sample, where reports are taken online),
   ``property_value_eur``.
5. ``solved`` (ground truth in the audit sample): logistic in the evidence with the weights of
   :data:`TRUTH_WEIGHTS`. The neighbourhood's past clearance carries the weight
   ``area_truth_weight`` (0 by default: once a case's evidence is known, where the victim lives
   says nothing more about whether it can be solved). Group does not enter.

Everything is synthetic: no real person, place, force or vendor is described; "A" and "B" are
neutral labels.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from rail.datasets._checks import finite, positive, probability

DEFAULT_DEPLOYMENT_SHARE = 0.4
DEFAULT_SHARE_B = 0.25
DEFAULT_DEPLOYMENT_SHARE_B = 0.45
DEFAULT_PROXY_GAP = 1.0
DEFAULT_AREA_TRUTH_WEIGHT = 0.0
DEFAULT_DEPLOYMENT_AREA_SHIFT = -0.6
DEFAULT_DEPLOYMENT_CCTV_SHARE = 0.45
DEFAULT_DEPLOYMENT_DELAY_FACTOR = 2.0

SAMPLES = ("audit", "deployment")
AREAS = {"audit": "North", "deployment": "South"}
PERIODS = {"audit": 2025, "deployment": 2026}
AGE_BANDS = ("under 65", "65 and over")
OLDER_SHARE = 0.3
"""Share of victims aged 65 and over."""

AREA_MEAN_A = -1.2
"""Mean of logit(area_clearance_rate) for group A in the audit sample (a rate of about 0.23)."""
AREA_SD = 0.5
"""Standard deviation of logit(area_clearance_rate) within a group."""

EVIDENCE_SHARES: dict[str, float] = {
    "forensic_material": 0.2,
    "cctv_available": 0.25,
    "witness": 0.3,
    "suspect_described": 0.25,
}
"""Share of cases with each kind of evidence (audit sample; under-65 victims for suspects)."""
OLDER_SUSPECT_DESCRIBED = 0.12
"""Share of cases with a described suspect when the victim is aged 65 and over."""

DELAY_MEDIAN_HOURS = 6.0
DELAY_SIGMA = 1.0
OLDER_DELAY_FACTOR = 2.0
"""Median report delay of victims aged 65 and over, relative to younger victims."""
VALUE_MEDIAN_EUR = 1500.0
VALUE_SIGMA = 1.0

TRUTH_WEIGHTS: dict[str, float] = {
    "intercept": -2.0,
    "forensic_material": 1.6,
    "cctv_available": 1.0,
    "witness": 0.8,
    "suspect_described": 1.4,
    "log2_delay": -0.3,    # per doubling of (1 + report_delay_hours)
}
"""Weights (log-odds) of the true chance that a case is solved."""

FEATURES: tuple[str, ...] = (
    "forensic_material", "cctv_available", "witness", "suspect_described",
    "report_delay_hours", "property_value_eur", "area_clearance_rate",
)
"""The case features the vendor's system reads (group and age band are not among them)."""

COLUMNS: tuple[str, ...] = (
    "case_id", "sample", "area", "period", "victim_group", "victim_age_band", *FEATURES,
    "solved",
)


def _logit(p: np.ndarray | float) -> np.ndarray | float:
    return np.log(p) - np.log1p(-p)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def true_log_odds(cases: pd.DataFrame, *, area_truth_weight: float = DEFAULT_AREA_TRUTH_WEIGHT
                  ) -> np.ndarray:
    """The log-odds that each case is solved, as the simulation draws it (ground truth)."""
    w = TRUTH_WEIGHTS
    area = _logit(np.clip(cases["area_clearance_rate"].to_numpy(dtype=float), 1e-3, 1 - 1e-3))
    return (w["intercept"]
            + sum(w[name] * cases[name].to_numpy(dtype=float) for name in EVIDENCE_SHARES)
            + w["log2_delay"] * np.log2(1.0 + cases["report_delay_hours"].to_numpy(dtype=float))
            + area_truth_weight * (area - AREA_MEAN_A))


def generate_burglary_cases(
    rows: int,
    seed: int,
    *,
    deployment_share: float = DEFAULT_DEPLOYMENT_SHARE,
    share_b: float = DEFAULT_SHARE_B,
    deployment_share_b: float = DEFAULT_DEPLOYMENT_SHARE_B,
    proxy_gap: float = DEFAULT_PROXY_GAP,
    area_truth_weight: float = DEFAULT_AREA_TRUTH_WEIGHT,
    deployment_area_shift: float = DEFAULT_DEPLOYMENT_AREA_SHIFT,
    deployment_cctv_share: float = DEFAULT_DEPLOYMENT_CCTV_SHARE,
    deployment_delay_factor: float = DEFAULT_DEPLOYMENT_DELAY_FACTOR,
    reveal_deployment_outcomes: bool = False,
) -> pd.DataFrame:
    """Simulate ``rows`` reported burglaries: an audit sample and a shifted deployment sample.

    Parameters
    ----------
    rows:
        Number of cases in both samples together.
    seed:
        Seed of the random generator.
    deployment_share:
        Share of the cases in the deployment sample (South, 2026; strictly between 0 and 1).
    share_b, deployment_share_b:
        Share of victims in group B in the audit and the deployment sample.
    proxy_gap:
        How much lower, on the logit scale, the past clearance rate of group B's
        neighbourhoods is than group A's: the proxy's strength (0: no proxy).
    area_truth_weight:
        Weight (log-odds per logit unit) of the neighbourhood's past clearance in the true
        chance of solving a case; 0 means it adds nothing once the evidence is known.
    deployment_area_shift:
        Shift of logit(area_clearance_rate) in the deployment sample, for both groups.
    deployment_cctv_share:
        Share of deployment cases with CCTV or doorbell-camera footage (audit: 0.25).
    deployment_delay_factor:
        Factor on the median report delay in the deployment sample (1: no shift).
    reveal_deployment_outcomes:
        If True, ``solved`` is filled in the deployment sample too: the truth nobody has yet,
        for research (e.g. what monitoring would find), never for the audit itself.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`COLUMNS`, one row per case; ``solved`` is 0/1 in the audit sample and
        empty (NaN) in the deployment sample unless ``reveal_deployment_outcomes``.
    """
    deployment_share = probability("deployment_share", deployment_share)
    if not 0.0 < deployment_share < 1.0:
        raise ValueError("deployment_share must be strictly between 0 and 1 (both samples are "
                         f"needed), got {deployment_share!r}")
    share_b = probability("share_b", share_b)
    deployment_share_b = probability("deployment_share_b", deployment_share_b)
    proxy_gap = finite("proxy_gap", proxy_gap)
    area_truth_weight = finite("area_truth_weight", area_truth_weight)
    deployment_area_shift = finite("deployment_area_shift", deployment_area_shift)
    deployment_cctv_share = probability("deployment_cctv_share", deployment_cctv_share)
    deployment_delay_factor = positive("deployment_delay_factor", deployment_delay_factor)
    if not isinstance(reveal_deployment_outcomes, bool | np.bool_):
        raise ValueError("reveal_deployment_outcomes must be True or False, got "
                         f"{reveal_deployment_outcomes!r}")

    rng = np.random.default_rng(seed)
    deployed = rng.random(rows) < deployment_share
    is_b = rng.random(rows) < np.where(deployed, deployment_share_b, share_b)
    older = rng.random(rows) < OLDER_SHARE

    area_logit = (AREA_MEAN_A - proxy_gap * is_b + deployment_area_shift * deployed
                  + AREA_SD * rng.normal(size=rows))
    shares = {name: np.full(rows, share) for name, share in EVIDENCE_SHARES.items()}
    shares["cctv_available"] = np.where(deployed, deployment_cctv_share,
                                        EVIDENCE_SHARES["cctv_available"])
    shares["suspect_described"] = np.where(older, OLDER_SUSPECT_DESCRIBED,
                                           EVIDENCE_SHARES["suspect_described"])
    evidence = {name: (rng.random(rows) < p).astype(np.int8) for name, p in shares.items()}
    delay_median = (DELAY_MEDIAN_HOURS * np.where(older, OLDER_DELAY_FACTOR, 1.0)
                    * np.where(deployed, deployment_delay_factor, 1.0))
    delay = delay_median * np.exp(DELAY_SIGMA * rng.normal(size=rows))
    value = VALUE_MEDIAN_EUR * np.exp(VALUE_SIGMA * rng.normal(size=rows))

    sample = np.where(deployed, SAMPLES[1], SAMPLES[0]).astype(object)
    cases = pd.DataFrame({
        "case_id": np.arange(1, rows + 1),
        "sample": sample,
        "area": np.where(deployed, AREAS["deployment"], AREAS["audit"]).astype(object),
        "period": np.where(deployed, PERIODS["deployment"], PERIODS["audit"]),
        "victim_group": np.where(is_b, "B", "A").astype(object),
        "victim_age_band": np.where(older, AGE_BANDS[1], AGE_BANDS[0]).astype(object),
        **evidence,
        "report_delay_hours": np.round(delay, 1),
        "property_value_eur": np.round(value, -1).astype(np.int64),
        "area_clearance_rate": np.round(_sigmoid(area_logit), 3),
    })
    solved = rng.random(rows) < _sigmoid(true_log_odds(
        cases, area_truth_weight=area_truth_weight))
    outcome = pd.Series(solved.astype(float), index=cases.index)
    if not reveal_deployment_outcomes:
        outcome[deployed] = np.nan
    cases["solved"] = outcome.astype("Int8")
    return cases[list(COLUMNS)]
