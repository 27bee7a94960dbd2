"""Figures in a lesson's prose must come from its computed outputs, or be cited figures.

A lesson that states a figure about the data in a markdown cell goes stale silently when the
data change; nbval only compares outputs. So the lessons listed here put data-dependent figures
into prose from computed values (``IPython.display.Markdown`` f-strings, whose outputs nbval
checks), and this test fails on any decimal figure left in a markdown cell that appears in no
code cell or output, unless it is a published figure quoted with its source (listed below).
"""

import re

import nbformat
import pytest

from tests.paths import ROOT

# Published figures quoted in each lesson's prose, by the source that gives them.
CITED = {
    "modules/02-fairness-metrics/lesson.ipynb": {
        # Larson et al. (2016): ProPublica's FNRs, as percentages (the code prints 0.2799...).
        "27.99", "47.72",
        # The identity applied to ProPublica's rounded figures (printed as 0.4402 and 0.2323).
        "44.0", "23.2",
        # Dressel and Farid (2018): accuracies of the pooled crowd, COMPAS, the two-feature model.
        "67.0", "65.2", "66.8", "65.4",
        # The simulation's detection probability of group B, 0.75 x 1.31, rounded.
        "0.98",
    },
    "modules/04-transparency/lesson.ipynb": {
        # Autoriteit Persoonsgegevens (2021): the fine, in millions of euros.
        "2.75",
        # The scale of an AUC used as a proxy's strength: 0.5 means no information.
        "0.5",
        # A section number: Regulation B, 12 CFR 1002.9 (adverse action notices).
        "1002.9",
    },
    "modules/05-biometric-evaluation/lesson.ipynb": {
        # Grother, Ngan and Hanaoka (2019), NISTIR 8280: millions of images and of people.
        "18.27", "8.49",
        # Mansfield (2023), NPL: the Metropolitan Police's face-match threshold setting.
        "0.6",
        # The two-sided 95 % Clopper-Pearson bound with zero errors, about 3.69 / n, rounded.
        "3.7",
    },
}
NOT_FIGURES = re.compile(
    r"^#+ .*$"                   # headings ("### 2.5 ...")
    r"|Parts? \d+(\.\d+)?"       # cross-references ("Part 3.5")
    r"|https?://\S+|doi\S+|arXiv:\S+|\d{4}/\d+"  # links, identifiers, regulation numbers
    r"|\$[^$]*\$",               # formulas
    re.MULTILINE,
)
FIGURE = re.compile(r"(?<![\w.])\d+\.\d+(?![\w.])")


def _computed_text(nb) -> str:
    pieces = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        pieces.append(cell.source)
        for output in cell.outputs:
            if output.output_type == "stream":
                pieces.append(output.text)
            for mime, value in output.get("data", {}).items():
                if mime.startswith("text/"):
                    pieces.append(str(value))
    return "\n".join(pieces)


@pytest.mark.parametrize("path", sorted(CITED), ids=str)
def test_prose_figures_are_computed_or_cited(path):
    nb = nbformat.read(ROOT / path, as_version=4)
    computed = _computed_text(nb)
    stale = []
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        for figure in FIGURE.findall(NOT_FIGURES.sub("", cell.source)):
            if figure not in computed and figure not in CITED[path]:
                stale.append((figure, cell.source[:60]))
    assert not stale, (
        f"{path}: figures in markdown that no output shows (compute them into the prose, or "
        f"cite them and list them in CITED): {stale}"
    )


def test_the_check_catches_a_stale_figure(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("0.41", outputs=[nbformat.v4.new_output(
        "execute_result", data={"text/plain": "0.41"}, execution_count=1)]),
        nbformat.v4.new_markdown_cell("### 2.5 Calibration\nRate 0.41, not 0.54 (Part 3.5).")]
    figures = FIGURE.findall(NOT_FIGURES.sub("", nb.cells[1].source))
    assert figures == ["0.41", "0.54"]
    assert [f for f in figures if f not in _computed_text(nb)] == ["0.54"]
