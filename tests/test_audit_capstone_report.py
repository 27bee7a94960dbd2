"""Module 07's assignment: the audit report renders from the executed solution, and every
figure in it is the value the solution computed.

The solution runs in a temporary folder as a trainee's notebook would (the report is written
beside it); one more cell then prints the values the solution computed, and each figure of the
report (key figures, the claims table, the first pass's error rates by group and at the
intersection) is compared with them as the report formats it.
"""

import json
import re
import shutil
from html import escape, unescape

import nbformat
import pytest
from nbclient import NotebookClient

from rail.audit._metrics import INTERSECTION
from tests.course import Course
from tests.paths import ROOT

pytestmark = pytest.mark.slow

MODULE = "07-audit-capstone"
SOLUTION = ROOT / "solutions" / MODULE / "assignment.ipynb"

DUMP = """
import json as _json
print(_json.dumps({
    "recall": list(RECALL),
    "fnr_by_group": FNR_BY_GROUP.to_dict(),
    "fnr_at_intersection": FNR_AT_INTERSECTION.to_dict(),
    "gap_by_group": GAP_BY_GROUP,
    "gap_at_intersection": GAP_AT_INTERSECTION,
    "failing_claim": FAILING_CLAIM,
    "claims": CLAIMS[["claim", "measured", "holds"]].astype(object).values.tolist(),
    "shift": [SHIFT.index[0], float(SHIFT.iloc[0])],
    "proxy": list(PROXY),
    "texts": [RISK_CLASSIFICATION, OVERSIGHT_PLAN, MONITORING_PLAN, RECOMMENDATION],
    "missing": report.missing,
}))
"""


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    folder = tmp_path_factory.mktemp("trainee")
    shutil.copy(SOLUTION, folder / SOLUTION.name)
    nb = nbformat.read(folder / SOLUTION.name, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(DUMP))
    NotebookClient(nb, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(folder)}}).execute()
    printed = "".join(o.get("text", "") for o in nb.cells[-1].outputs if o.output_type == "stream")
    html = (folder / "audit_report.html").read_text(encoding="utf-8")
    return json.loads(printed), html, folder


def _cells(row: str) -> list[str]:
    return [unescape(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]


def _table_after(html: str, heading: str) -> list[list[str]]:
    """The rows (as cell texts) of the first table after ``heading``."""
    start = html.index(heading)
    table = html[start:html.index("</table>", start)]
    return [_cells(row) for row in re.findall(r"<tr>(.*?)</tr>", table, re.S) if "<td" in row]


def _three(value: float) -> str:
    return f"{value:.3f}"


def test_key_figures_are_the_computed_values(executed):
    values, html, _ = executed
    shown = {row[0]: row[1] for row in _table_after(html, "<h2>Key figures</h2>")}
    recall, low, high = values["recall"]
    expected = {
        "Recall [95 % interval]": f"{_three(recall)} [{_three(low)}, {_three(high)}]",
        "Largest gap in false negative rate, by ethnic group": _three(values["gap_by_group"]),
        f"Largest gap in false negative rate, ethnic group{INTERSECTION}sex":
            _three(values["gap_at_intersection"]),
        "The vendor's claim that does not hold": values["failing_claim"],
        "Most shifted input in the deployment area": values["shift"][0],
        "Its standardised mean difference": _three(values["shift"][1]),
        "Strongest proxy for the minority group": values["proxy"][0],
        "Its AUC for group membership": _three(values["proxy"][1]),
    }
    for rates in ("fnr_by_group", "fnr_at_intersection"):
        expected |= {f"False negative rate, {g}": _three(v) for g, v in values[rates].items()}
    assert shown == expected
    # The solution's figures are the audit's: the failing claim, the age shift, the proxy.
    assert (values["failing_claim"], values["shift"][0], values["proxy"][0]) == (
        "equal_recall", "age", "deprivation_decile")


def test_claims_table_is_the_computed_check(executed):
    values, html, _ = executed
    heading = "<h2>" + escape("The vendor's claims against the audit sample") + "</h2>"
    shown = [(row[0], row[2], row[3]) for row in _table_after(html, heading)]
    assert shown == [(claim, _three(measured), "yes" if holds else "no")
                     for claim, measured, holds in values["claims"]]
    assert [claim for claim, _, holds in values["claims"] if not holds] == ["equal_recall"]


def test_first_pass_error_rates_agree_with_the_solution(executed):
    """rail.audit's own tables show the same false negative rates the trainee computed."""
    values, html, _ = executed
    intersection = f"<h3>By ethnic_group{INTERSECTION}sex</h3>"
    for heading, rates in (("<h3>By ethnic_group</h3>", values["fnr_by_group"]),
                           (intersection, values["fnr_at_intersection"])):
        rows = {row[0]: row for row in _table_after(html, heading)}
        for group, rate in rates.items():
            # group, people, base rate, selection rate, FPR, FNR, ...: the FNR is the 6th cell
            assert rows[group][5].split("\n")[0] == _three(rate), (heading, group)
        recall = values["recall"][0]
        assert rows["All"][5].split("\n")[0] == _three(1 - recall)


def test_every_judgement_is_in_the_report_and_none_is_missing(executed):
    values, html, _ = executed
    assert values["missing"] == [] and "Not written" not in html
    text = unescape(re.sub(r"<[^>]+>", " ", html))
    words = " ".join(text.split())
    for written in values["texts"]:
        for line in written.strip().splitlines():
            line = line.strip().removeprefix("- ")
            assert " ".join(line.split()) in words, line[:60]


def test_the_report_is_submitted_and_collected_with_the_notebook(executed, tmp_path):
    """nbgrader submits the whole assignment folder, so the report beside the notebook
    reaches the instructor's submitted/ folder (the grader never modifies it)."""
    folder = executed[2]
    course = Course(tmp_path)
    course.release(MODULE)
    notebook = course.fetch(MODULE, "trainee")
    shutil.copy(folder / "audit_report.html", notebook.parent / "audit_report.html")
    course.submit(MODULE, "trainee")
    course.nbgrader("collect", MODULE)
    collected = tmp_path / "submitted" / "trainee" / MODULE / "audit_report.html"
    assert collected.read_bytes() == (folder / "audit_report.html").read_bytes()
