"""Generate the student notebooks in exercises/ from the solution notebooks in solutions/."""

import shutil
import tempfile
from pathlib import Path

from autograder import source
from autograder.course import EXERCISES, run_nbgrader, write_config


def generate(assignment, release_directory=EXERCISES):
    """solutions/NAME/topic.md -> nbgrader source notebook -> RELEASE/NAME/topic.ipynb.

    nbgrader generate_assignment removes the solutions and the hidden tests and
    locks the given cells and the tests.
    """
    with tempfile.TemporaryDirectory(prefix="nbgrader-generate-") as workdir:
        built = source.build(assignment, Path(workdir) / "source")
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
