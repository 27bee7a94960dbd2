"""Each module states one time for its lesson and one for its assignment, the same everywhere.

The course index, the lesson's header and the assignment's header must agree, so a trainee
planning a week is not told 45 minutes in one place and 80 in another.
"""

import json
import re

import pytest

from tests.paths import ROOT

ROW = re.compile(r"^\| (\d\d) \| \[[^]]+\]\(modules/([^/]+)/lesson\.ipynb\) \| "
                 r"(\d+) min lesson \+ (\d+) min assignment \|", re.M)


def _first_cell(path) -> str:
    return "".join(json.loads(path.read_text())["cells"][0]["source"])


def _index_rows() -> dict[str, tuple[int, int]]:
    text = "".join("".join(c["source"]) for c in json.loads(
        (ROOT / "index.ipynb").read_text())["cells"])
    return {module: (int(lesson), int(assignment))
            for _, module, lesson, assignment in ROW.findall(text)}


def test_every_module_with_a_lesson_has_its_times_in_the_index():
    lessons = {p.parent.name for p in ROOT.glob("modules/*/lesson.ipynb")}
    assert lessons and lessons <= set(_index_rows())


@pytest.mark.parametrize("module", sorted(_index_rows()))
def test_lesson_and_assignment_headers_state_the_index_times(module):
    lesson_minutes, assignment_minutes = _index_rows()[module]
    header = _first_cell(ROOT / "modules" / module / "lesson.ipynb")
    stated = re.search(r"\*\*Time:\*\* about (\d+) minutes", header)
    assert stated and int(stated.group(1)) == lesson_minutes, (
        f"{module}: the index says {lesson_minutes} min of lesson, the header "
        f"{stated and stated.group(0)}")
    then = re.search(r"\*\*Then:\*\*[^\n]*\(about (\d+) minutes\)", header)
    if then:
        assert int(then.group(1)) == assignment_minutes
    assignment = _first_cell(ROOT / "solutions" / module / "assignment.ipynb")
    stated = re.search(r"\*\*Time:\*\* about (\d+) minutes", assignment)
    assert stated and int(stated.group(1)) == assignment_minutes, (
        f"{module}: the index says {assignment_minutes} min of assignment, the assignment "
        f"{stated and stated.group(0)}")
