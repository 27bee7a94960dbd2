"""rail.lab: notebooks open with this environment's kernel language_info (so, unmodified)."""

import asyncio
import json

from rail.lab import CourseContentsManager, align_language_info, kernel_language_info


def _notebook(kernel: str = "python3", language_info: dict | None = None) -> dict:
    metadata = {"kernelspec": {"name": kernel, "display_name": "k", "language": "python"}}
    if language_info is not None:
        metadata["language_info"] = language_info
    return {"cells": [], "metadata": metadata, "nbformat": 4, "nbformat_minor": 5}


def test_a_course_notebook_gets_this_kernels_language_info():
    info = kernel_language_info()
    other_release = dict(info, version="3.11.2")
    for notebook in (_notebook(), _notebook(language_info={"name": "python"}),
                     _notebook(language_info=other_release)):
        assert align_language_info(notebook, info)
        assert notebook["metadata"]["language_info"] == info
    assert not align_language_info(notebook, info), "already aligned: nothing changes"


def test_other_kernels_are_left_alone():
    notebook = _notebook(kernel="ir", language_info={"name": "R", "version": "4.4.0"})
    assert not align_language_info(notebook, kernel_language_info())
    assert notebook["metadata"]["language_info"] == {"name": "R", "version": "4.4.0"}
    assert not align_language_info({"cells": [], "metadata": {}}, kernel_language_info())


def test_the_contents_manager_aligns_on_open_and_leaves_the_file(tmp_path):
    path = tmp_path / "lesson.ipynb"
    path.write_text(json.dumps(_notebook(language_info={"name": "python", "version": "3.11.2"})))
    before = path.read_bytes()
    manager = CourseContentsManager(root_dir=str(tmp_path))
    model = asyncio.run(manager.get("lesson.ipynb"))
    assert model["content"]["metadata"]["language_info"] == kernel_language_info()
    assert path.read_bytes() == before
    listing = asyncio.run(manager.get("", content=True))
    assert [item["name"] for item in listing["content"]] == ["lesson.ipynb"]
