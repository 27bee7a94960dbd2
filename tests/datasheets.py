"""Checking a datasheet's table of figures against the committed data."""

import re

from tests.paths import ROOT


def assert_group_table_matches(dataset: str, computed: dict[str, dict[str, str]]) -> None:
    """Each row ``| measure | A | B |`` of the datasheet shows the figures ``computed`` gives.

    ``computed`` maps group A and group B to ``{measure: figure as the datasheet prints it}``.
    """
    sheet = (ROOT / "datasets" / f"{dataset}.md").read_text(encoding="utf-8")
    for measure in computed["A"]:
        row = re.search(rf"^\| {re.escape(measure)} \| (\S+) \| (\S+) \|$", sheet, re.MULTILINE)
        assert row, f"the datasheet's table has no row {measure!r}"
        expected = (computed["A"][measure], computed["B"][measure])
        assert row.groups() == expected, f"datasheet {measure}: {row.groups()}, data {expected}"
