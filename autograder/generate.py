"""Generate the student notebooks in exercises/ from the instructor notebooks in solutions/."""

import shutil
import tempfile
from pathlib import Path

from autograder.course import EXERCISES, run_nbgrader, write_config


def generate(assignment, release_directory=EXERCISES):
    """nbgrader generate_assignment: solutions/NAME -> RELEASE/NAME, without outputs or hidden tests."""
    with tempfile.TemporaryDirectory(prefix="nbgrader-generate-") as workdir:
        write_config(workdir, Path(release_directory).resolve())
        result = run_nbgrader(workdir, "generate_assignment", assignment.name, "--force")
        if result.returncode != 0:
            raise RuntimeError(f"nbgrader generate_assignment {assignment.name} failed:\n{result.stdout}")
    # nbgrader leaves a copy of its database config behind only in workdir; nothing else to clean.
    return Path(release_directory) / assignment.name


def remove_stale(release_directory=EXERCISES, keep=()):
    """Remove exercise folders whose solution no longer exists."""
    for path in Path(release_directory).iterdir():
        if path.is_dir() and path.name not in keep:
            shutil.rmtree(path)
