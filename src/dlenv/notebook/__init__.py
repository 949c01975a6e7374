"""Lessons as notebooks: `dlenv notebook` writes them (build), and they run in the kernel through `kernel`
(`%load_ext dlenv.notebook` registers the `%%module` cell magic)."""

from dlenv.notebook.build import SOURCE_PLACEHOLDER, build, install_requirement, write
from dlenv.notebook.kernel import LessonRun, load_ipython_extension, run_lesson, show

__all__ = [
    "SOURCE_PLACEHOLDER",
    "LessonRun",
    "build",
    "install_requirement",
    "load_ipython_extension",
    "run_lesson",
    "show",
    "write",
]
