"""The vendor's case-prioritisation system audited in module 07's lesson (fictional).

"TriageScore" by "Example Analytics Ltd" (both invented) scores each reported burglary with
the chance, the vendor says, that it will be solved if investigated; the force would review
cases from the highest score down. The course treats it as a **black box**: the lesson calls
:func:`predict` and reads :data:`MODEL_CARD`, as a force would with a vendor's product, and
never relies on how the score is computed. (The code is here because the course must run
offline; an auditor rarely gets to read it, and the lesson does not.)

>>> from rail import datasets
>>> from rail.vendors import solvability
>>> cases = datasets.load("burglary_cases")
>>> scores = solvability.predict(cases)
"""

from __future__ import annotations

import numpy as np
import pandas as pd

INPUTS: tuple[str, ...] = (
    "forensic_material", "cctv_available", "witness", "suspect_described",
    "report_delay_hours", "property_value_eur", "area_clearance_rate",
)
"""The columns :func:`predict` needs (the vendor's "input specification")."""

_BINARY = INPUTS[:4]
_WEIGHTS = np.array([1.5, 0.9, 0.8, 1.3, -0.3, 0.25, 0.7])
_INTERCEPT = -1.0
_CENTRE_VALUE_EUR = 1500.0
_CENTRE_AREA_LOGIT = -1.2

RECOMMENDED_THRESHOLD = 0.5
"""The vendor's advice: send a case to an investigator when its score is at least this."""

MODEL_CARD: dict[str, str | list[str]] = {
    "Model details": (
        "TriageScore 3.2, Example Analytics Ltd. A proprietary machine-learning model that "
        "scores each reported residential burglary from 0 to 1: the probability that the case "
        "will be solved if it is investigated. Released 2025."),
    "Intended use": (
        "To help police forces allocate investigators to the reported burglaries most likely "
        "to be solved. Cases scoring 0.5 or more should be reviewed first. Suitable for any "
        "force and any area without local retraining."),
    "Metrics": [
        "AUC 0.75 on independent validation data.",
        "Calibrated: a score of 0.6 means a 60 % chance that the case is solved.",
        "Cases scoring 0.5 or more are solved at more than twice the average rate.",
        "Fair: uses no protected characteristic (no ethnicity, sex, age or religion).",
        "Fair: ranks cases equally well for every ethnic group (AUC within 0.02).",
    ],
    "Caveats and recommendations": (
        "Scores support, and do not replace, the judgement of the investigating officer."),
}
"""The vendor's model card, as supplied: the sections of Mitchell et al. (2019) it has."""


class InputError(ValueError):
    """The table given to :func:`predict` cannot be scored; the message says why."""


def _checked(frame: pd.DataFrame) -> pd.DataFrame:
    if not isinstance(frame, pd.DataFrame):
        raise InputError(f"predict needs a pandas DataFrame of cases, got {type(frame).__name__}")
    missing = [c for c in INPUTS if c not in frame.columns]
    if missing:
        raise InputError(f"TriageScore needs the column(s) {missing}; the table has "
                         f"{list(map(str, frame.columns))[:20]}")
    inputs = frame[list(INPUTS)]
    for column in INPUTS:
        if not pd.api.types.is_numeric_dtype(inputs[column]):
            raise InputError(f"column {column!r} must be numeric")
        if inputs[column].isna().any():
            raise InputError(f"column {column!r} has {int(inputs[column].isna().sum())} missing "
                             "value(s): TriageScore scores only complete cases")
    values = inputs.astype(float)
    for column in _BINARY:
        if not values[column].isin([0.0, 1.0]).all():
            raise InputError(f"column {column!r} must hold 0/1")
    if (values["report_delay_hours"] < 0).any() or (values["property_value_eur"] < 0).any():
        raise InputError("report_delay_hours and property_value_eur must be >= 0")
    if not values["area_clearance_rate"].between(0, 1).all():
        raise InputError("area_clearance_rate must be a share between 0 and 1")
    return values


def predict(frame: pd.DataFrame) -> np.ndarray:
    """The vendor's score of each case (0-1), in the order of ``frame``'s rows.

    Raises
    ------
    InputError
        If a needed column (:data:`INPUTS`) is missing, not numeric, has missing values, or
        holds values out of range.
    """
    values = _checked(frame)
    area = np.clip(values["area_clearance_rate"].to_numpy(), 1e-3, 1 - 1e-3)
    design = np.column_stack([
        values[list(_BINARY)].to_numpy(),
        np.log2(1.0 + values["report_delay_hours"].to_numpy()),
        np.log10((1.0 + values["property_value_eur"].to_numpy()) / _CENTRE_VALUE_EUR),
        np.log(area) - np.log1p(-area) - _CENTRE_AREA_LOGIT,
    ])
    return 1.0 / (1.0 + np.exp(-(_INTERCEPT + design @ _WEIGHTS)))
