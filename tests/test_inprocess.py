"""The fast tier's rerun: what an edit to one cell makes it run again."""

import nbformat
from nbformat.v4 import new_code_cell, new_notebook

import inprocess


def notebook(*sources):
    return new_notebook(cells=[new_code_cell(source) for source in sources])


def ran(run):
    """The cells that ran, as each appends its number to ``log``."""
    return run.namespace["log"]


ORIGINAL = notebook(
    "log = []; index = 10",
    "def step(x):\n    index = x + 1  # a local variable, not the global\n    return index\nlog.append(1)",
    "log.append(2); total = index * 2",  # uses the global index only
    "log.append(3); result = step(1)",  # calls the edited function
)


def test_a_cell_is_rerun_when_it_uses_what_the_edit_redefines_and_not_for_a_local_name():
    base = inprocess.run(ORIGINAL)
    edited = nbformat.from_dict(ORIGINAL)
    edited.cells[1].source = edited.cells[1].source.replace("x + 1", "x + 2")
    base.namespace["log"] = []
    run = inprocess.rerun(base, ORIGINAL, edited)
    assert ran(run) == [1, 3]
    assert run.namespace["result"] == 3 and run.namespace["total"] == 20
    assert run.changed == {"step", "result"}


def test_a_name_the_edited_cell_no_longer_defines_is_gone():
    base = inprocess.run(ORIGINAL)
    edited = nbformat.from_dict(ORIGINAL)
    edited.cells[1].source = "log.append(1)"
    run = inprocess.rerun(base, ORIGINAL, edited)
    assert "step" not in run.namespace and "result" not in run.namespace
    assert 3 in run.errors  # NameError, as in a fresh kernel
