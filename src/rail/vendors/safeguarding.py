"""The vendor's safeguarding prioritiser, audited in module 07's assignment.

A fictional vendor, Aldermoor Analytics, offers a force "Beacon", a system that scores each
report of domestic abuse or of a vulnerable person; a report scoring at or above the
threshold in its model card is flagged for a safeguarding officer's call within 24 hours.
The course treats it as a black box: call :func:`predict`, read :data:`MODEL_CARD`, and audit
what it does; how it computes its score is not part of the exercise.

The system, the vendor and the card are invented for teaching; any resemblance to a real
product is unintended.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from rail.transparency import model_card

INPUTS: tuple[str, ...] = ("age", "prior_reports_12m", "injury_recorded", "weapon_mentioned",
                           "children_present", "deprivation_decile")
"""The columns :func:`predict` reads; any other column is ignored."""

_WEIGHTS = np.array([-0.01, 1.0, 1.0, 1.2, 0.3, 0.04])
_CENTRES = np.array([36.0, 0.0, 0.0, 0.0, 0.0, 5.5])
_INTERCEPT = -2.3

MODEL_CARD: dict = {
    "name": "Beacon safeguarding prioritiser",
    "vendor": "Aldermoor Analytics (fictional)",
    "version": "3.2",
    "intended_use": (
        "Ranks incoming reports of domestic abuse and of vulnerable people so that those most "
        "likely to be followed by further harm receive a safeguarding officer's call within "
        "24 hours. Supports, and does not replace, the officer's own risk assessment."),
    "inputs": list(INPUTS),
    "output": "a priority score between 0 and 1; reports at or above the threshold are flagged",
    "threshold": 0.35,
    "outcome": "harm_within_90d: the person was harmed again within 90 days of the report",
    "training_data": (
        "Reports of 2019-2023 from three partner forces (numbers and areas confidential)."),
    "evaluation_data": "A held-out 20 % of the training reports.",
    "ethical_considerations": (
        "Beacon prioritises; every decision stays with a trained officer. Independent "
        "validation confirms it is fair."),
    "caveats": "None known. Beacon performs consistently across areas and over time.",
    "protected_attributes": (
        "Beacon does not use ethnicity or sex as inputs, so its decisions cannot depend on "
        "them."),
    "claims": {
        "recall": {
            "text": "Beacon flags at least 45 % of the reports that are followed by harm within "
                    "90 days.",
            "metric": "recall", "group": None, "comparison": ">=", "bound": 0.45},
        "precision": {
            "text": "At least 40 % of the reports Beacon flags are followed by harm.",
            "metric": "precision", "group": None, "comparison": ">=", "bound": 0.40},
        "flag_rate": {
            "text": "Beacon flags at most 35 % of reports, so safeguarding teams are not "
                    "overwhelmed.",
            "metric": "flag_rate", "group": None, "comparison": "<=", "bound": 0.35},
        "equal_recall": {
            "text": "Beacon is equally effective for every ethnic group: its recall differs "
                    "by at most 5 percentage points between groups.",
            "metric": "recall_gap", "group": "ethnic_group", "comparison": "<=",
            "bound": 0.05},
    },
}
"""The vendor's card. Each claim has a ``metric``: ``recall`` (share of the reports followed
by harm that are flagged), ``precision`` (share of flagged reports followed by harm),
``flag_rate`` (share of reports flagged) or ``recall_gap`` (largest minus smallest recall
between the groups of the column ``group``), to be compared with ``bound``."""


def predict(frame: pd.DataFrame) -> pd.Series:
    """Beacon's priority score of each report, between 0 and 1 (indexed like ``frame``).

    Raises
    ------
    TypeError
        If ``frame`` is not a pandas DataFrame.
    ValueError
        If an input column is missing, not numeric, or has missing values.
    """
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"predict needs a pandas DataFrame of reports, got {type(frame).__name__}")
    missing = [column for column in INPUTS if column not in frame.columns]
    if missing:
        raise ValueError(f"predict needs the input column(s) {', '.join(missing)}; "
                         f"the inputs are {', '.join(INPUTS)}")
    for column in INPUTS:
        if not pd.api.types.is_numeric_dtype(frame[column]) \
                or pd.api.types.is_bool_dtype(frame[column]):
            raise ValueError(f"input column {column!r} must be numeric, "
                             f"got {frame[column].dtype}")
        if frame[column].isna().any():
            raise ValueError(f"input column {column!r} has {int(frame[column].isna().sum())} "
                             "missing value(s); Beacon cannot score a report without it")
    values = frame[list(INPUTS)].to_numpy(dtype=float)
    logit = _INTERCEPT + (values - _CENTRES) @ _WEIGHTS
    return pd.Series(1.0 / (1.0 + np.exp(-logit)), index=frame.index, name="score")


def card_markdown() -> str:
    """:data:`MODEL_CARD` as Markdown, in the sections of Mitchell et al. (2019), to display."""
    card = MODEL_CARD
    return model_card(f"{card['name']} {card['version']}, by {card['vendor']}", {
        "Model details": f"Version {card['version']}. Output: {card['output']}; threshold "
                         f"{card['threshold']:g}. Inputs: "
                         + ", ".join(f"`{name}`" for name in card["inputs"]) + ".",
        "Intended use": card["intended_use"],
        "Factors": card["protected_attributes"],
        "Metrics": f"Recall, precision and flag rate at the threshold, for the outcome "
                   f"{card['outcome']}.",
        "Evaluation data": card["evaluation_data"],
        "Training data": card["training_data"],
        "Quantitative analyses": [f"**{key}**: {claim['text']}"
                                  for key, claim in card["claims"].items()],
        "Ethical considerations": card["ethical_considerations"],
        "Caveats and recommendations": card["caveats"],
    })
