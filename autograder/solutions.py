"""The solution notebooks as text, and what is generated from them.

``solutions/NAME/topic.md`` is a MyST notebook (jupytext) whose code cells say
what they are in their options:

- ``:given: ID``: code handed to students, locked;
- ``:answer: ID``: a student's answer, the solution between
  ``### BEGIN SOLUTION`` and ``### END SOLUTION``;
- a graded question, declared once::

      ---
      question: test_rnn_cell_forward   # the test cell's id
      points: 3
      title: "`rnn_cell_forward`: one time step"   # its row in the points table
      check: rnn_cell_forward           # in rnncourse.grading.NAME
      args: [rnn_cell_forward]          # notebook names handed to the check
      cases: [{n_x: 3, n_a: 5, seed: 1}]        # visible: run by students
      hidden: [{n_x: 7, n_a: 4, seed: 2718}]    # only when grading
      ---
      # What the tests check, in a sentence or two (becomes the test cell's comment).

The generator puts one more cell before the first code cell: ``get_course``
(autograder/launch.py), which says what the notebook needs and installs the
course where it is missing.

From that declaration come the test cell's code, its nbgrader metadata, the
"(N points)" comment and the notebook's points table (where a markdown cell
says ``<!-- points table -->``), and, when grading, the cell that collects the
answers for the grader (``collect_source``).
"""

from dataclasses import dataclass
from pathlib import Path

import jupytext
import nbformat

from autograder import launch
from rnncourse.grading.question import Question

POINTS_TABLE = "<!-- points table -->"
KINDS = ("given", "answer", "question")
FIRST_CELL_ID = "get_course"


@dataclass
class Source:
    notebook: nbformat.NotebookNode  # the nbgrader source notebook
    questions: list

    def question(self, question_id):
        return next(question for question in self.questions if question.id == question_id)


def load(assignment):
    """Read ``solutions/NAME/topic.md`` and build the nbgrader source notebook and its questions."""
    path = assignment.source / assignment.text
    text = jupytext.read(path, fmt="md:myst")
    module = f"rnncourse.grading.{assignment.name}"
    cells, questions = [], []
    for index, cell in enumerate(text.cells):
        if cell.cell_type == "markdown":
            cells.append(nbformat.v4.new_markdown_cell(cell.source, id=f"text-{index:02d}"))
            continue
        kinds = [kind for kind in KINDS if kind in cell.metadata]
        if len(kinds) != 1:
            raise ValueError(f"{path}, code cell {index}: say what the cell is with exactly one of "
                             f":given: ID, :answer: ID or a question declaration (found {kinds or 'none'}).")
        kind = kinds[0]
        if kind == "question":
            question = _question(cell, module, path)
            questions.append(question)
            cells.append(_nbgrader_cell(question.test_source(), question.id, grade=True, points=question.points))
        else:
            cells.append(_nbgrader_cell(cell.source, str(cell.metadata[kind]), solution=kind == "answer"))
    # The notebook's first code cell gets the course where it is missing (Colab, a downloaded notebook).
    first_code = next(index for index, cell in enumerate(cells) if cell.cell_type == "code")
    cells.insert(first_code, _nbgrader_cell(launch.first_cell(), FIRST_CELL_ID))
    _check_unique_ids(cells, path)
    from autograder.own_work import numpy_questions

    numpy = numpy_questions(nbformat.v4.new_notebook(cells=cells), questions)
    for cell in cells:
        question = next((q for q in questions if q.id == cell.id), None)
        if question is not None and question.id in numpy:
            cell.source = question.test_source(numpy_only=True)
    table = points_table(questions) + "\n\n" + own_work_rule(assignment.name, [q for q in questions if q.id in numpy])
    for cell in cells:
        if cell.cell_type == "markdown" and POINTS_TABLE in cell.source:
            cell.source = cell.source.replace(POINTS_TABLE, table)
    notebook = nbformat.v4.new_notebook(cells=cells, metadata={
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
    })
    return Source(notebook, questions)


def build(assignment, folder):
    """Write the nbgrader source notebook to ``folder/NAME/topic.ipynb``; returns ``folder``."""
    target = Path(folder) / assignment.name / assignment.notebook
    target.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(load(assignment).notebook, target)
    return Path(folder)


def points_table(questions):
    parts = any(question.part for question in questions)
    header = ["| part | what is graded | points |", "| --- | --- | --- |"] if parts else \
        ["| what is graded | points |", "| --- | --- |"]
    rows = [f"| {question.part} | {question.title} | {question.points:g} |" if parts
            else f"| {question.title} | {question.points:g} |" for question in questions]
    total = sum(question.points for question in questions)
    footer = [f"| | **total** | **{total:g}** |" if parts else f"| **total** | **{total:g}** |"]
    return "\n".join(header + rows + footer)


def own_work_rule(assignment, numpy):
    """The rule of rnncourse/references.py in a paragraph of the notebook, under its points table."""
    from rnncourse.references import HANDED_OUT

    handed = HANDED_OUT.get(assignment, {}).get("rnncourse.cells", ())
    # One name per method: every cell class writes its own step_with_gates.
    methods = " and ".join(dict.fromkeys(f"`cell.{qualname.rpartition('.')[2]}`" for qualname in handed))
    kept = f" This notebook hands you {methods}: use {'them' if ' and ' in methods else 'it'}." if handed else ""
    return ("**Your own code.** The answers must be your own code. When this notebook is graded, the course's own "
            "implementations are not available (the `step` and `forward` of `SIMPLE_RNN`, `GRU` and `LSTM`, "
            "`merge`, `bidirectional_forward`, `deep_forward`, and the reference code inside the checks): an answer "
            f"that calls one of them scores 0 for its question.{kept}"
            + (" The NumPy exercises (their test cells say so) must be answered with NumPy: one that uses TensorFlow, Keras, "
               "the course's Keras-backed helpers (`rnncourse.keras_bridge`, `rnncourse.handouts`) or the checks "
               "scores 0 for its question. Their test cells warn you before you hand the notebook in." if numpy else ""))


def _question(cell, module, path):
    meta = cell.metadata
    missing = [key for key in ("question", "points", "title", "check", "args", "cases", "hidden") if key not in meta]
    if missing:
        raise ValueError(f"{path}: question {meta.get('question')!r} lacks {missing}.")
    if not meta["hidden"]:
        raise ValueError(f"{path}: question {meta['question']!r} has no hidden case (other shapes and seeds).")
    return Question(
        id=meta["question"], points=meta["points"], title=meta["title"], module=module, check=meta["check"],
        args=tuple(meta["args"]), cases=tuple(meta["cases"]), hidden=tuple(meta["hidden"]),
        about=cell.source.strip(), part=str(meta.get("part", "")),
    )


def _nbgrader_cell(source, grade_id, grade=False, solution=False, points=None):
    meta = {"grade": grade, "grade_id": grade_id, "locked": not solution, "schema_version": 3,
            "solution": solution, "task": False}
    if points is not None:
        meta["points"] = points
    return nbformat.v4.new_code_cell(source, id=grade_id, metadata={"nbgrader": meta})


def _check_unique_ids(cells, path):
    seen = set()
    for cell in cells:
        if cell.id in seen:
            raise ValueError(f"{path}: two cells have the id {cell.id!r}.")
        seen.add(cell.id)
