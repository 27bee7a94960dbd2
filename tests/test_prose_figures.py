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
    "modules/00-orientation/lesson.ipynb": {
        # The grader's stated tolerance (rail.grading), and a worked example of a share.
        "0.000000001", "0.25", "25 %",
    },
    "modules/01-data-and-bias/lesson.ipynb": {
        # e squared, the patrol ratio of an all-B to an all-A neighbourhood at patrol_bias = 2.
        "7.4",
    },
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
    "modules/03-bias-mitigation/lesson.ipynb": set(),
    "modules/04-transparency/lesson.ipynb": {
        # Autoriteit Persoonsgegevens (2021): the fine, in millions of euros.
        "2.75",
        # The scale of an AUC used as a proxy's strength: 0.5 means no information.
        "0.5",
        # A section number: Regulation B, 12 CFR 1002.9 (adverse action notices).
        "1002.9",
    },
    "modules/07-audit-capstone/lesson.ipynb": {
        # The rule of thumb for the population stability index (Yurdakul, 2018).
        "0.1", "0.25",
    },
    "modules/05-biometric-evaluation/lesson.ipynb": {
        # Grother, Ngan and Hanaoka (2019), NISTIR 8280: millions of images and of people.
        "18.27", "8.49",
        # Mansfield (2023), NPL: the Metropolitan Police's face-match threshold setting.
        "0.6",
        # The two-sided 95 % Clopper-Pearson bound with zero errors, about 3.69 / n, rounded.
        "3.7",
    },
    "modules/06-synthetic-media/lesson.ipynb": {
        # Facebook AI (2020): the DFDC's best public-set and winning black-box scores.
        "82.56", "65.18", "82.56 %", "65.18 %",
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
PERCENT = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?) ?%")
# Lessons whose percentages are checked too: each "N %" in prose must appear in an output (as
# "N %" or as the share N/100), or be cited. Add a lesson once its prose passes.
PERCENTS_CHECKED = {
    "modules/00-orientation/lesson.ipynb",
    "modules/01-data-and-bias/lesson.ipynb",
    "modules/06-synthetic-media/lesson.ipynb",
}
# "module NN" and "module NN, Part K" in lessons and assignments must name a module that exists
# and a Part its lesson has. These point to a module not written yet; issue 13 (item 14) moves
# them to module 02, Part 5, on another branch: delete each entry once it is gone.
PENDING_REFERENCES = {
    ("modules/02-fairness-metrics/lesson.ipynb", "module 05"),
}
REFERENCE = re.compile(r"\b[Mm]odules? (\d\d)\b(?:(?:,| in)? Part (\d+))?")


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


def _stale(path, pattern, shown) -> list[tuple[str, str]]:
    """Each match of ``pattern`` in the notebook's markdown for which ``shown(match, computed
    text)`` is false, with the start of its cell."""
    nb = nbformat.read(ROOT / path, as_version=4)
    computed = _computed_text(nb)
    return [(found, cell.source[:60]) for cell in nb.cells if cell.cell_type == "markdown"
            for found in pattern.findall(NOT_FIGURES.sub("", cell.source))
            if not shown(found, computed)]


@pytest.mark.parametrize("path", sorted(CITED), ids=str)
def test_prose_figures_are_computed_or_cited(path):
    stale = _stale(path, FIGURE, lambda figure, computed: (
        figure in computed or figure in CITED[path]))
    assert not stale, (
        f"{path}: figures in markdown that no output shows (compute them into the prose, or "
        f"cite them and list them in CITED): {stale}"
    )


def _percent_forms(number: str) -> set[str]:
    """How a percentage in prose can appear in computed text: "75 %", "75%", 0.75 or 0.750."""
    share = float(number) / 100
    return {f"{number} %", f"{number}%", f"{share:g}", f"{share:.2f}", f"{share:.3f}"}


@pytest.mark.parametrize("path", sorted(PERCENTS_CHECKED), ids=str)
def test_prose_percentages_are_computed_or_cited(path):
    stale = _stale(path, PERCENT, lambda number, computed: (
        any(form in computed for form in _percent_forms(number))
        or f"{number} %" in CITED[path]))
    stale = [(f"{number} %", where) for number, where in stale]
    assert not stale, (
        f"{path}: percentages in markdown that no output shows (compute them into the prose, "
        f"or cite them and list them in CITED): {stale}"
    )


def _parts(module: str) -> set[str]:
    lesson = next((ROOT / "modules").glob(f"{module}-*/lesson.ipynb"), None)
    if lesson is None:
        return set()
    text = "\n".join(c.source for c in nbformat.read(lesson, as_version=4).cells
                     if c.cell_type == "markdown")
    return set(re.findall(r"^## Part (\d+)\b", text, flags=re.MULTILINE))


def _references(path) -> list[tuple[str, str, str]]:
    """Every "module NN" (with its Part, if any) in a notebook's markdown: (text, module, part)."""
    nb = nbformat.read(path, as_version=4)
    found = []
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for match in REFERENCE.finditer(cell.source):
                found.append((match.group(0), match.group(1), match.group(2) or ""))
    return found


NOTEBOOKS = sorted(
    str(p.relative_to(ROOT))
    for p in [*ROOT.glob("modules/*/lesson.ipynb"), *ROOT.glob("solutions/*/assignment.ipynb")]
)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=str)
def test_cross_references_name_modules_and_parts_that_exist(path):
    modules = {p.name[:2] for p in (ROOT / "modules").iterdir() if p.is_dir()}
    wrong = []
    for text, module, part in _references(ROOT / path):
        if (path, f"module {module}") in PENDING_REFERENCES:
            continue
        if module not in modules:
            wrong.append(f"{text!r}: there is no module {module}")
        elif part and part not in _parts(module):
            wrong.append(f"{text!r}: module {module}'s lesson has no Part {part}")
    assert not wrong, f"{path}: cross-references to nothing: {wrong}"


def test_the_reference_check_reads_modules_and_parts():
    assert _parts("02") >= {"1", "5"}
    assert REFERENCE.search("Module 02, Part 5, shows").groups() == ("02", "5")
    assert REFERENCE.search("see module 05 for this").groups() == ("05", None)


def test_the_check_catches_a_stale_figure(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("0.41", outputs=[nbformat.v4.new_output(
        "execute_result", data={"text/plain": "0.41"}, execution_count=1)]),
        nbformat.v4.new_markdown_cell("### 2.5 Calibration\nRate 0.41, not 0.54 (Part 3.5).")]
    figures = FIGURE.findall(NOT_FIGURES.sub("", nb.cells[1].source))
    assert figures == ["0.41", "0.54"]
    assert [f for f in figures if f not in _computed_text(nb)] == ["0.54"]


def test_the_check_catches_a_stale_percentage():
    computed = "verdicts: 0.946 0.75"
    prose = "It reaches about 95 % of the best result; 75 % of its picks are B-majority."
    missing = [n for n in PERCENT.findall(prose)
               if not any(form in computed for form in _percent_forms(n))]
    assert missing == ["95"]
