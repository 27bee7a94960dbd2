"""The report's figures, drawn off-screen and returned as PNG bytes encoded in base64.

Figures use the course palette (Okabe-Ito, :mod:`rail.plotting`), a title and labelled axes.
They are drawn on a standalone matplotlib ``Figure``, so nothing touches pyplot's state.
"""

from __future__ import annotations

import base64
import io

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from rail.audit._disparities import COMPARED_RATES
from rail.fairness import group_colours, plot_calibration_by_group
from rail.plotting import OKABE_ITO, PALETTE, apply_house_style, label


def _png(figure: Figure) -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100, bbox_inches="tight",
                   metadata={"Software": None})
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def can_colour(groups: int) -> bool:
    """Whether ``groups`` series can be told apart with the course palette."""
    return groups <= len(PALETTE)


def rates_figure(rates: pd.DataFrame, grouping: str) -> str:
    """Point-and-interval plot of the compared rates, one colour per group.

    Rates resting on fewer people than the minimum group size are drawn as hollow markers.
    """
    groups = [g for g in rates["group"].unique() if g != "All"]
    colours = group_colours(groups)
    with mpl.rc_context():
        apply_house_style()
        figure = Figure(figsize=(7.5, 4.0))
        ax = figure.subplots()
        width = 0.8 / max(len(groups), 1)
        for i, group in enumerate(groups):
            rows = rates[(rates["group"] == group)].set_index("rate").loc[list(COMPARED_RATES)]
            x = np.arange(len(COMPARED_RATES)) - 0.4 + width * (i + 0.5)
            y = rows["estimate"].to_numpy(dtype=float)
            error = np.vstack([y - rows["low"].to_numpy(dtype=float),
                               rows["high"].to_numpy(dtype=float) - y])
            small = rows["small"].to_numpy(dtype=bool)
            ax.errorbar(x, y, yerr=error, fmt="none", ecolor=colours[group], capsize=3)
            ax.scatter(x[~small], y[~small], color=colours[group], label=group, zorder=3)
            ax.scatter(x[small], y[small], facecolors="white", edgecolors=colours[group],
                       zorder=3)
        if rates.loc[rates["rate"].isin(COMPARED_RATES) & (rates["group"] != "All"),
                     "small"].any():
            ax.scatter([], [], facecolors="white", edgecolors=OKABE_ITO["black"],
                       label="hollow: too few people")
        ax.set_xticks(np.arange(len(COMPARED_RATES)),
                      [r.replace(" ", "\n", 1) for r in COMPARED_RATES])
        ax.set_ylim(-0.02, 1.02)
        ax.legend(title=grouping, loc="upper left", bbox_to_anchor=(1.0, 1.0))
        label(ax, title=f"Rates by {grouping}, with 95 % intervals", xlabel="Rate",
              ylabel="Rate (share, 0-1)")
        return _png(figure)


def calibration_figure(calibration: pd.DataFrame, grouping: str, *, groups: list[str],
                       label_name: str, score_name: str, banded: bool) -> str:
    """Observed outcome rate by score (band), one line per group, with 95 % intervals.

    ``groups`` gives the order of the colours, the same as in :func:`rates_figure`.
    """
    with mpl.rc_context():
        apply_house_style()
        figure = Figure(figsize=(7.5, 4.0))
        ax = figure.subplots()
        xlabel = (f"{score_name} (mean of each band of about equal size)" if banded
                  else f"{score_name} (as recorded)")
        plot_calibration_by_group(calibration, ax=ax, colours=group_colours(groups),
                                  title=f"Calibration by {grouping}: observed {label_name} "
                                        "by score",
                                  xlabel=xlabel,
                                  ylabel=f"Share with {label_name} = 1 (0-1)")
        return _png(figure)
