"""The course's Jupyter server opens every notebook unmodified.

JupyterLab writes the running kernel's ``language_info`` into a notebook it opens, and marks
the notebook modified when that differs from the file's. The course's notebooks are committed
as run on one Python (3.11.x, patch release of the machine that ran them); a trainee on a hub
with Debian's 3.11.2, or on Binder, would see every lesson "modified" before touching it, and
be asked on closing whether to save changes they never made. :class:`CourseContentsManager`
gives each Python notebook, as it is opened, the ``language_info`` this environment's kernel
reports, so nothing changes when the kernel starts. The file on disk is untouched until the
user saves, when JupyterLab would have written the same metadata anyway.

Used by ``make lab``, Binder and every hub set-up (:mod:`rail.hub.roles`) through
``ServerApp.contents_manager_class``.
"""

from __future__ import annotations

from typing import Any

from jupyter_server.services.contents.largefilemanager import AsyncLargeFileManager

PYTHON_KERNELS = frozenset({"python3"})
"""Kernel names whose ``language_info`` is this environment's (the course's kernel)."""


def kernel_language_info() -> dict[str, Any]:
    """The ``language_info`` that ipykernel reports in this environment."""
    from ipykernel.ipkernel import IPythonKernel

    return dict(IPythonKernel.language_info)


def align_language_info(notebook: dict, language_info: dict[str, Any]) -> bool:
    """Give a notebook of the course's kernel ``language_info``; return whether it changed.

    Notebooks of any other kernel, or without a kernelspec, are left alone.
    """
    metadata = notebook.setdefault("metadata", {})
    kernel = (metadata.get("kernelspec") or {}).get("name")
    if kernel not in PYTHON_KERNELS or metadata.get("language_info") == language_info:
        return False
    metadata["language_info"] = dict(language_info)
    return True


class CourseContentsManager(AsyncLargeFileManager):
    """Jupyter's default contents manager, opening notebooks with this kernel's language_info."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._language_info = kernel_language_info()

    async def get(self, path: str, content: bool = True, type: str | None = None,
                  format: str | None = None, **kwargs: Any) -> dict:
        model = await super().get(path, content=content, type=type, format=format, **kwargs)
        if content and model.get("type") == "notebook" and model.get("content"):
            align_language_info(model["content"], self._language_info)
        return model
