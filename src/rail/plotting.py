"""The course's house style for figures: colour-blind safe, titled, labelled.

The qualitative palette is Okabe and Ito's (2008, "Color Universal Design"), which stays
distinguishable under the common forms of colour-vision deficiency; sequential maps use
``cividis`` (Nuñez, Anderton and Renslow, 2018), designed for the same purpose.

>>> import rail.plotting as rp
>>> rp.apply_house_style()
>>> ax = rp.bar_by_group(shares, title="False alerts by district",
...                      xlabel="District", ylabel="Share of alerts that were false")
"""

from __future__ import annotations

import matplotlib as mpl
import matplotlib.pyplot as plt
import pandas as pd
from cycler import cycler
from matplotlib.axes import Axes
from matplotlib.colors import Colormap

OKABE_ITO: dict[str, str] = {
    "orange": "#E69F00",
    "sky blue": "#56B4E9",
    "bluish green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish purple": "#CC79A7",
    "black": "#000000",
}
"""Okabe-Ito colours by name."""

PALETTE: list[str] = [OKABE_ITO[name] for name in (
    "blue", "orange", "bluish green", "vermillion", "sky blue", "reddish purple", "yellow", "black"
)]
"""The order in which series take colours (strong contrasts first)."""

SEQUENTIAL_CMAP = "cividis"
"""Colour map for heat maps and other ordered values."""


def apply_house_style() -> None:
    """Set matplotlib's defaults to the course style (palette, sizes, grid, no top/right spines).

    Call once at the top of a notebook; it changes global ``rcParams``.
    """
    mpl.rcParams.update(
        {
            "axes.prop_cycle": cycler(color=PALETTE),
            "image.cmap": SEQUENTIAL_CMAP,
            "figure.figsize": (7.0, 4.0),
            "figure.dpi": 100,
            "savefig.dpi": 150,
            "axes.titlesize": "large",
            "axes.titleweight": "bold",
            "axes.labelsize": "medium",
            "axes.spines.top": False,
            "axes.spines.right": False,
            "axes.grid": True,
            "grid.alpha": 0.3,
            "legend.frameon": False,
        }
    )


def label(ax: Axes, *, title: str, xlabel: str, ylabel: str) -> Axes:
    """Title and label ``ax``; every course figure must say what it shows and in what units.

    Raises
    ------
    ValueError
        If any of the three texts is empty.
    """
    texts = {"title": title, "xlabel": xlabel, "ylabel": ylabel}
    missing = [name for name, text in texts.items() if not str(text).strip()]
    if missing:
        raise ValueError(f"a course figure needs a {', '.join(missing)}")
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    return ax


def bar_by_group(
    values: pd.Series,
    *,
    title: str,
    xlabel: str,
    ylabel: str,
    reference: float | None = None,
    reference_label: str = "overall",
    ax: Axes | None = None,
) -> Axes:
    """Draw one bar per group (the index of ``values``), optionally with a reference line.

    Parameters
    ----------
    values:
        One number per group, e.g. a rate by district. Must not be empty.
    title, xlabel, ylabel:
        Required texts (see :func:`label`); put units in the axis labels.
    reference:
        If given, a dashed horizontal line at this value (e.g. the overall rate).
    reference_label:
        Legend text of the reference line.
    ax:
        Axes to draw on; a new figure is made if omitted.
    """
    if len(values) == 0:
        raise ValueError("bar_by_group needs at least one group")
    if ax is None:
        _, ax = plt.subplots()
    colours = [PALETTE[i % len(PALETTE)] for i in range(len(values))]
    ax.bar([str(k) for k in values.index], values.to_numpy(dtype=float), color=colours)
    if reference is not None:
        ax.axhline(reference, color=OKABE_ITO["black"], linestyle="--", linewidth=1,
                   label=f"{reference_label} ({reference:.2f})")
        ax.legend()
    ax.grid(axis="x", visible=False)
    return label(ax, title=title, xlabel=xlabel, ylabel=ylabel)


def grid_heatmap(
    frame: pd.DataFrame,
    value: str,
    *,
    title: str,
    colorbar_label: str,
    x: str = "x",
    y: str = "y",
    vmin: float | None = None,
    vmax: float | None = None,
    cmap: str | Colormap = SEQUENTIAL_CMAP,
    ax: Axes | None = None,
) -> Axes:
    """Draw ``frame[value]`` as a map of grid cells at positions ``frame[x]``, ``frame[y]``.

    ``frame`` has one row per cell (e.g. one week of ``patrol_city``, or a per-neighbourhood
    summary). Cells missing from ``frame`` stay blank. Use the same ``vmin``/``vmax`` on maps
    that are to be compared side by side.
    """
    if frame[[x, y]].duplicated().any():
        raise ValueError(f"grid_heatmap needs one row per ({x}, {y}) cell; aggregate first")
    grid = frame.pivot(index=y, columns=x, values=value)
    if ax is None:
        _, ax = plt.subplots(figsize=(5.0, 4.2))
    image = ax.imshow(grid.to_numpy(dtype=float), origin="lower", cmap=cmap, vmin=vmin,
                      vmax=vmax, extent=(grid.columns.min() - 0.5, grid.columns.max() + 0.5,
                                         grid.index.min() - 0.5, grid.index.max() + 0.5))
    ax.figure.colorbar(image, ax=ax, label=colorbar_label)
    ax.grid(visible=False)
    return label(ax, title=title, xlabel=f"Grid column ({x})", ylabel=f"Grid row ({y})")
