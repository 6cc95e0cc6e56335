"""Every solution notebook runs top to bottom, hidden tests included, in about a minute."""

import time

import pytest
from nbclient import NotebookClient

from autograder import solutions
from autograder.layout import assignments, is_test_cell, nbgrader_metadata

pytestmark = pytest.mark.slow

# On the course's reference machine (2 CPU cores, no GPU) a notebook takes about 20 s.
TIME_BUDGET = 120


@pytest.mark.parametrize("assignment", assignments(), ids=lambda a: a.name)
def test_solution_runs_and_passes_its_own_tests(assignment, record_property):
    notebook = solutions.load(assignment).notebook
    started = time.perf_counter()
    NotebookClient(notebook, timeout=TIME_BUDGET, kernel_name="python3",
                   resources={"metadata": {"path": str(assignment.source)}}).execute()
    seconds = time.perf_counter() - started
    record_property("seconds", round(seconds, 1))
    print(f"{assignment.name}: {seconds:.1f} s")

    for cell in filter(is_test_cell, notebook.cells):
        grade_id = nbgrader_metadata(cell)["grade_id"]
        streams = [output for output in cell.outputs if output.output_type == "stream"]
        # nbgrader would score a test cell that writes to stderr as failed.
        assert all(output.name == "stdout" for output in streams), (grade_id, streams)
        assert "all checks passed" in "".join(output.text for output in streams), grade_id
    assert seconds < TIME_BUDGET
