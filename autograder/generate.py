"""nbgrader's two generate commands, with the course settings: the student notebooks and the feedback pages.

``generate``: solutions/NAME/topic.md -> nbgrader source notebook -> exercises/NAME/topic.ipynb
(nbgrader generate_assignment removes the solutions and the hidden tests and locks
the given cells and the tests). ``feedback``: nbgrader generate_feedback on a
grading folder. Nothing else of nbgrader runs: the grader executes and judges
submissions itself (autograder/grade.py).
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat

from autograder import solutions
from autograder.layout import EXERCISES, nbgrader_metadata

# What generate_assignment puts in place of a solution (between ### BEGIN SOLUTION and ### END SOLUTION).
CODE_STUB = "# YOUR CODE HERE\nraise NotImplementedError()"
TEXT_STUB = "YOUR ANSWER HERE"


def generate(assignment, release_directory=EXERCISES):
    """Write the student notebook of ``assignment`` to ``release_directory/NAME/topic.ipynb``; returns its folder."""
    with tempfile.TemporaryDirectory(prefix="nbgrader-generate-") as workdir:
        built = solutions.build(assignment, Path(workdir) / "source")
        write_config(workdir, built, Path(release_directory).resolve())
        result = run_nbgrader(workdir, "generate_assignment", assignment.name, "--force")
        if result.returncode != 0:
            raise RuntimeError(f"nbgrader generate_assignment {assignment.name} failed:\n{result.stdout}")
    return Path(release_directory) / assignment.name


def remove_stale(release_directory=EXERCISES, keep=()):
    """Remove exercise folders whose solution no longer exists."""
    for path in Path(release_directory).iterdir():
        if path.is_dir() and path.name not in keep:
            shutil.rmtree(path)


def is_release_of(released, source):
    """Whether ``released`` is what generate_assignment makes of the source notebook ``source``.

    Compares every cell (id, kind, nbgrader metadata, text)
    with the source as generate_assignment changes it: solutions replaced by the
    stub, hidden tests removed. Reporting a difference where there is none
    would only cost a rebuild of the release.
    """
    def cells(notebook, stripped):
        return [(cell.get("id"), cell.cell_type, _without_checksum(nbgrader_metadata(cell)),
                 (_as_released(cell) if stripped else str(cell.source)).rstrip()) for cell in notebook.cells]

    return cells(released, stripped=False) == cells(source, stripped=True)


def _without_checksum(meta):
    """The metadata the source declares (generate_assignment adds a checksum and the cell's type)."""
    return {key: value for key, value in meta.items() if key not in ("checksum", "cell_type")}


def _as_released(cell):
    """The text generate_assignment leaves of a source cell (ClearSolutions, ClearHiddenTests, our code stub)."""
    text = str(cell.source)
    if nbgrader_metadata(cell).get("solution"):
        text = re.sub(r"^([ \t]*)### BEGIN SOLUTION\n.*?^[ \t]*### END SOLUTION[ \t]*$",
                      lambda match: "\n".join(match.group(1) + line for line in CODE_STUB.splitlines()),
                      text, flags=re.S | re.M)
    if nbgrader_metadata(cell).get("grade"):
        text = re.sub(r"^[ \t]*### BEGIN HIDDEN TESTS\n.*?^[ \t]*### END HIDDEN TESTS[ \t]*(\n|$)", "",
                      text, flags=re.S | re.M)
    return text


def current_release(assignment, source, folder):
    """The student notebook as released: exercises/ when it is current, else generated again into ``folder``."""
    committed = EXERCISES / assignment.name / assignment.notebook
    if committed.is_file():
        released = nbformat.read(committed, as_version=4)
        if is_release_of(released, source):
            return released
    generate(assignment, folder)
    return nbformat.read(Path(folder) / assignment.name / assignment.notebook, as_version=4)


def feedback(workdir, assignment):
    """nbgrader generate_feedback in a grading folder: an HTML page per student; returns their folder."""
    write_config(workdir)
    result = run_nbgrader(workdir, "generate_feedback", assignment.name, "--force")
    if result.returncode != 0:
        raise RuntimeError(f"nbgrader generate_feedback failed:\n{result.stdout[-2000:]}")
    return Path(workdir) / "feedback"


def write_config(workdir, source_directory=None, release_directory=None):
    """The nbgrader_config.py of ``workdir``: the course's stubs and the folders.

    The paths are absolute, so nbgrader's database and outputs stay in ``workdir``.
    """
    lines = ["c = get_config()",
             f"c.ClearSolutions.code_stub = {{'python': {CODE_STUB!r}}}",
             f"c.ClearSolutions.text_stub = {TEXT_STUB!r}",
             f"c.CourseDirectory.root = {str(Path(workdir).resolve())!r}"]
    if source_directory is not None:
        lines.append(f"c.CourseDirectory.source_directory = {str(Path(source_directory).resolve())!r}")
    if release_directory is not None:
        lines.append(f"c.CourseDirectory.release_directory = {str(Path(release_directory).resolve())!r}")
    Path(workdir, "nbgrader_config.py").write_text("\n".join(lines) + "\n")


def run_nbgrader(workdir, *args):
    """Run one nbgrader command in ``workdir``; returns the CompletedProcess (output in ``stdout``)."""
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", PATH=path_with_scripts())  # TF_...: no C++ start-up messages
    return subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=workdir, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, env=env, check=False)


def path_with_scripts():
    """PATH with this environment's scripts first: nbgrader creates a gradebook with the `alembic`
    script of its environment, which is not on PATH when the environment is used without being activated."""
    return os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
