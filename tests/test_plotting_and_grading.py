"""Unit tests of rail.plotting and rail.grading."""

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_rgb

from rail import grading, plotting


@pytest.fixture(autouse=True)
def _restore_matplotlib():
    with matplotlib.rc_context():
        yield
    plt.close("all")


def _relative_luminance(colour: str) -> float:
    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in to_rgb(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def test_palette_is_okabe_ito_and_distinct():
    assert set(plotting.PALETTE) == set(plotting.OKABE_ITO.values())
    assert len(set(plotting.PALETTE)) == 8


def test_first_colours_differ_in_lightness_as_well_as_hue():
    # Grey-scale printing and colour-vision deficiency both keep lightness: the first two
    # series colours must differ in it clearly.
    first, second = plotting.PALETTE[:2]
    assert abs(_relative_luminance(first) - _relative_luminance(second)) > 0.2


def test_house_style_sets_palette_and_sequential_map():
    plotting.apply_house_style()
    cycle = [c["color"] for c in matplotlib.rcParams["axes.prop_cycle"]]
    assert cycle == plotting.PALETTE
    assert matplotlib.rcParams["image.cmap"] == "cividis"


def test_bar_by_group_draws_labelled_bars_and_reference():
    values = pd.Series({"North": 0.1, "South": 0.3})
    ax = plotting.bar_by_group(values, title="T", xlabel="District", ylabel="Share (0-1)",
                               reference=0.2)
    assert ax.get_title() == "T"
    assert ax.get_xlabel() == "District"
    assert ax.get_ylabel() == "Share (0-1)"
    heights = [patch.get_height() for patch in ax.patches]
    np.testing.assert_allclose(heights, [0.1, 0.3])
    assert [t.get_text() for t in ax.get_xticklabels()] == ["North", "South"]
    assert "overall (0.20)" in [t.get_text() for t in ax.get_legend().get_texts()]


@pytest.mark.parametrize("missing", ["title", "xlabel", "ylabel"])
def test_label_refuses_an_unlabelled_figure(missing):
    texts = {"title": "T", "xlabel": "x (units)", "ylabel": "y (units)", missing: " "}
    _, ax = plt.subplots()
    with pytest.raises(ValueError, match=f"needs a {missing}"):
        plotting.label(ax, **texts)


def test_bar_by_group_refuses_empty_input():
    with pytest.raises(ValueError, match="at least one group"):
        plotting.bar_by_group(pd.Series(dtype=float), title="T", xlabel="x", ylabel="y")


def test_grid_heatmap_places_values_by_position():
    cells = pd.DataFrame({"x": [0, 1, 0, 1], "y": [0, 0, 1, 1], "v": [1.0, 2.0, 3.0, 4.0]})
    ax = plotting.grid_heatmap(cells.sample(frac=1, random_state=0), "v", title="T",
                               colorbar_label="v (units)")
    image = ax.get_images()[0]
    np.testing.assert_array_equal(image.get_array(), [[1.0, 2.0], [3.0, 4.0]])
    assert image.get_cmap().name == "cividis"
    assert ax.get_xlabel() == "Grid column (x)"
    assert ax.figure.axes[-1].get_ylabel() == "v (units)"


def test_grid_heatmap_refuses_repeated_cells():
    cells = pd.DataFrame({"x": [0, 0], "y": [0, 0], "v": [1.0, 2.0]})
    with pytest.raises(ValueError, match="one row per"):
        plotting.grid_heatmap(cells, "v", title="T", colorbar_label="v")


def test_assert_close_accepts_numpy_scalars_and_rounding_noise():
    grading.assert_close(np.float64(0.1) + np.float64(0.2), 0.3, what="sum")


@pytest.mark.parametrize(
    ("actual", "message"),
    [(0.31, "share: expected 0.3 (within 0.001), got 0.31"),
     ("0.3x", "share: expected a number, got str"),
     (True, "share: expected a number, got bool"),
     (np.bool_(True), "share: expected a number, got bool"),
     (None, "share: expected a number, got NoneType")],
)
def test_assert_close_failure_messages(actual, message):
    with pytest.raises(AssertionError) as err:
        grading.assert_close(actual, 0.3, what="share", abs_tol=1e-3)
    assert message in str(err.value)


def test_assert_series_close():
    expected = pd.Series({"a": 0.1, "b": 0.2})
    grading.assert_series_close(pd.Series({"b": 0.2, "a": 0.1}), expected, what="rates")
    with pytest.raises(AssertionError, match=r"missing \['b'\], unexpected \['c'\]"):
        grading.assert_series_close(pd.Series({"a": 0.1, "c": 0.2}), expected, what="rates")
    with pytest.raises(AssertionError, match=r"rates \[b\]: expected 0.2"):
        grading.assert_series_close(pd.Series({"a": 0.1, "b": 0.5}), expected, what="rates")
    with pytest.raises(AssertionError, match="expected a pandas Series, got dict"):
        grading.assert_series_close({"a": 0.1}, expected, what="rates")


def test_assert_choice():
    grading.assert_choice("b", "abcd", what="Q4")
    with pytest.raises(AssertionError, match=r"Q4: answer with one of \['a', 'b'\], got 'B'"):
        grading.assert_choice("B", ["a", "b"], what="Q4")
