"""Unit tests of rail.blackbox: a predict function inside scikit-learn's inspection tools."""

import numpy as np
import pandas as pd
import pytest
from sklearn.inspection import permutation_importance
from sklearn.metrics import roc_auc_score

from rail.blackbox import BlackBox


@pytest.fixture(scope="module")
def table():
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"signal": rng.normal(size=4000), "leaned_on": rng.normal(size=4000),
                          "ignored": rng.normal(size=4000)})
    outcome = (rng.random(4000) < 1 / (1 + np.exp(-2 * frame["signal"]))).astype(int)
    return frame, outcome


def system(frame):
    """Uses the signal and leans on a feature that says nothing about the outcome."""
    return 1 / (1 + np.exp(-(2 * frame["signal"] + 1.5 * frame["leaned_on"]).to_numpy()))


def test_score_is_the_auc_and_fit_changes_nothing(table):
    frame, outcome = table
    box = BlackBox(system)
    assert box.fit(frame, outcome) is box
    assert box.score(frame, outcome) == pytest.approx(roc_auc_score(outcome, system(frame)))


def test_permutation_importance_tells_helping_from_leaning(table):
    frame, outcome = table
    box = BlackBox(system)
    helps = permutation_importance(box, frame, outcome, n_repeats=5, random_state=0)
    relies = permutation_importance(box, frame, box.predict(frame), scoring="r2", n_repeats=5,
                                    random_state=0)
    helps = dict(zip(frame.columns, helps.importances_mean, strict=True))
    relies = dict(zip(frame.columns, relies.importances_mean, strict=True))
    assert helps["signal"] > 0.1
    assert abs(helps["leaned_on"]) < 0.02 and abs(helps["ignored"]) < 0.01
    assert relies["leaned_on"] > 0.3
    assert relies["ignored"] == 0.0


@pytest.mark.parametrize(("function", "message"), [
    (lambda f: np.zeros(3), r"returned \(3,\) scores for 10 rows"),
    (lambda f: np.full(len(f), np.nan), "missing or infinite scores"),
])
def test_bad_output_of_the_system_is_named(function, message):
    with pytest.raises(ValueError, match=message):
        BlackBox(function).predict(pd.DataFrame({"x": range(10)}))


def test_bad_arguments():
    with pytest.raises(TypeError, match="needs a function"):
        BlackBox("predict")
    box = BlackBox(lambda f: np.linspace(0, 1, len(f)))
    with pytest.raises(ValueError, match="outcome must be 0/1"):
        box.score(pd.DataFrame({"x": range(4)}), [0, 1, 2, 1])
