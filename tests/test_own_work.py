"""Fast checks of what a hostile submission cannot do to the grader (issue 20), without running a notebook.

- Data read from a sandbox that no parser or judge can handle cost that submission's points, never the run.
- The course's implementations of the exercises are not in the sandbox's copy of the course, and a NumPy
  exercise answered with TensorFlow or Keras scores 0, decided by reading the answer outside the sandbox.
- Nothing active of a submission reaches the instructor's browser or spreadsheet.

tests/test_grading.py grades the same attacks end to end (tests/fixtures/attacks.py), beside honest submissions.
"""

import csv
import functools
import types

import nbformat
import numpy as np
import pytest

import fixtures
from autograder import own_work, sanitize, solutions
from autograder.execution import Outcome
from autograder.grade import write_csv
from autograder.judge import judge, parse_answers, verdicts
from autograder.layout import assignment, assignments
from autograder.sandbox import Limits
from autograder.submissions import Row
from fixtures import Edit, apply, attacks, solved_exercise
from rnncourse import references

CH02 = assignment("ch02_rnn_model")
load = functools.cache(solutions.load)
DEEP = '{"question": "test_rnn_cell_forward", "results": ' + "[" * 200_000 + "]" * 200_000 + "}"


@pytest.fixture(scope="module")
def ch02():
    return load(CH02)


# ---- 1. no submission stops the run -----------------------------------------------------------


def test_answers_nested_too_deep_for_the_parser_are_skipped():
    honest = '{"question": "test_rnn_forward", "results": []}'
    assert parse_answers("\n".join([honest, DEEP, "not json", "[" * 5000])) == {"test_rnn_forward": []}


@pytest.mark.parametrize("results", [
    {"not": "a list"}, [[[]]] * 9, ["x"] * 9, [{"error": [[[[]]]] * 3}] * 9, [{"data": {"__ndarray__": 3}}] * 9,
    [{"data": [[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]}] * 9,
])
def test_any_recorded_data_get_a_verdict_and_a_reason(ch02, results):
    verdict = judge(ch02.question("test_rnn_cell_forward"), results)
    assert verdict.points == 0 and verdict.reason


def test_a_submission_whose_answers_cannot_be_read_loses_only_its_own_points(ch02, tmp_path):
    """The attack of issue 20: graded beside an honest row, every row and the CSV come out."""
    questions = ch02.questions
    attacked = Outcome("mallory", answers=DEEP + "\n", runner={"status": "completed"})
    honest = Outcome("alice", answers="", runner={"status": "completed"})
    rows = []
    for outcome in (attacked, honest):
        status, scores, reasons = verdicts(questions, outcome, Limits())
        rows.append(Row(outcome.student, status, scores, reasons))
    assert [row.status for row in rows] == ["graded", "graded"]
    assert all("did not report" in reason for row in rows for reason in row.reasons)
    write_csv(tmp_path / "grades.csv", CH02, rows, {q.id: float(q.points) for q in questions})
    with open(tmp_path / "grades.csv", newline="") as handle:
        assert [row["student_id"] for row in csv.DictReader(handle)] == ["alice", "mallory"]


def test_a_verdict_that_raises_anything_fails_that_row_with_a_reason(ch02, monkeypatch):
    import autograder.judge as judging

    def broken(*args):
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr(judging, "_verdicts", broken)
    status, scores, reasons = verdicts(ch02.questions, Outcome("x", runner={"status": "completed"}), Limits())
    assert status == "failed" and set(scores.values()) == {0.0} and "could not be read" in reasons[0]


# ---- 2. the answers are the student's own -----------------------------------------------------


def _module(name, text):
    module = types.ModuleType(name)
    exec(compile(text, name, "exec"), module.__dict__)  # noqa: S102 (the course's own source, stubbed)
    return module


def test_the_sandbox_copy_of_the_cells_has_no_implementation(ch02):
    modules = own_work.Rules(CH02, ch02).sandbox_modules()
    text = modules["rnncourse.cells"]
    assert "np.tanh(p['W_aa'] @ a_prev" not in text and "def step" in text
    cells = _module("rnncourse.cells", text)
    parameters, x_t, a_prev = cells.random_problem(3, 4, 2, 5, seed=0)  # what collect and given code use stays
    with pytest.raises(references.ReferenceNotAvailable, match="course's own implementation"):
        cells.SIMPLE_RNN.step(x_t, (a_prev,), parameters)
    with pytest.raises(references.ReferenceNotAvailable):
        cells.deep_forward([cells.SIMPLE_RNN], x_t[:, :, None], [a_prev], [parameters])


def test_the_sandbox_copy_of_the_checks_collects_but_cannot_judge(ch02):
    """The collect half still runs the solution; the judges and their reference code raise."""
    text = own_work.Rules(CH02, ch02).sandbox_modules()["rnncourse.grading.ch02_rnn_model"]
    checks = _module("rnncourse.grading.ch02_rnn_model", text)
    namespace = {}
    solved = solved_exercise(CH02)
    cell = next(c for c in solved.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "rnn_cell_forward")
    exec("import numpy as np\nfrom rnncourse.activations import softmax\n" + cell.source, namespace)  # noqa: S102
    data = checks.rnn_cell_forward.collect(namespace["rnn_cell_forward"], n_x=3, n_a=5, n_y=2, m=4, seed=1)
    assert data["returned"] == 3
    with pytest.raises(references.ReferenceNotAvailable):
        checks.rnn_cell_forward.judge(data, n_x=3, n_a=5, n_y=2, m=4, seed=1)
    with pytest.raises(references.ReferenceNotAvailable):
        checks._keras_cell(np.zeros((3, 4)), np.zeros((5, 4)), {})


@pytest.mark.parametrize("name", ["ch09_bidirectional", "ch10_deep_rnns"])
def test_what_a_notebook_hands_out_stays(name):
    hidden = references.hidden_names(name)["rnncourse.cells"]
    assert set(hidden).isdisjoint(references.HANDED_OUT[name]["rnncourse.cells"])
    assert "bidirectional_forward" in hidden


@pytest.mark.parametrize("item", assignments(), ids=lambda a: a.name)
def test_every_sandbox_copy_compiles_and_keeps_what_the_notebook_takes_from_its_checks(item):
    loaded = load(item)
    rules = own_work.Rules(item, loaded)
    for module, text in rules.sandbox_modules().items():
        compile(text, module, "exec")
    own = references.hidden_names(item.name, rules.notebook_names, rules.collect_names).get(
        f"rnncourse.grading.{item.name}", ())
    assert not set(own) & (rules.notebook_names | rules.collect_names)


def _with_cell(notebook, old, new):
    return apply(notebook, (Edit(attacks.CELL, old, new),))


@pytest.mark.parametrize("answer, found", [
    ("a_next = keras.ops.tanh(W_aa @ a_prev + W_ax @ x_t + b_a)", "keras"),
    ("import tensorflow as tf\n    a_next = tf.tanh(W_aa @ a_prev + W_ax @ x_t + b_a).numpy()", "tensorflow"),
    ("a_next = checks._keras_cell(x_t, a_prev, parameters)[0]", "checks"),
    ("a_next = __import__('ker' + 'as').ops.tanh(W_aa @ a_prev + W_ax @ x_t + b_a)", "__import__"),
    ("a_next = getattr(np, 'tan' + 'h')(W_aa @ a_prev + W_ax @ x_t + b_a)", "getattr with a computed name"),
])
def test_a_numpy_exercise_answered_otherwise_scores_zero(ch02, answer, found):
    rules = own_work.Rules(CH02, ch02)
    notebook = _with_cell(solved_exercise(CH02), attacks.STATE_LINE, answer)
    borrowed = rules.borrowed(notebook)
    assert set(borrowed) == {"test_rnn_cell_forward", "test_rnn_forward"}
    assert found in borrowed["test_rnn_cell_forward"] and "NumPy exercise" in borrowed["test_rnn_cell_forward"]


@pytest.mark.parametrize("code", ["%run -i helper.py\n", "exec(open('helper.py').read())\n",
                                  "from rnncourse.handouts import *\n", "%%bash\n"])
def test_code_that_redefines_an_answer_unseen_costs_the_numpy_exercises(ch02, code):
    """A cell magic, %run, exec or a star import in any answer cell could redefine rnn_cell_forward with Keras."""
    rules = own_work.Rules(CH02, ch02)
    notebook = apply(solved_exercise(CH02), (Edit("build_fibonacci_model", "", code),))
    assert set(rules.borrowed(notebook)) == rules.numpy


@pytest.mark.parametrize("code", ["%%time\n", "%matplotlib inline\n", "%time x = 1\n"])
def test_magics_that_only_time_or_plot_are_read_through(ch02, code):
    rules = own_work.Rules(CH02, ch02)
    notebook = apply(solved_exercise(CH02), (Edit("build_fibonacci_model", "", code),))
    assert rules.borrowed(notebook) == {}
    notebook = apply(solved_exercise(CH02), (Edit(attacks.CELL, "", code),
                                             Edit(attacks.CELL, attacks.STATE_LINE, "a_next = tf.tanh(W_aa @ a_prev)")))
    assert "test_rnn_cell_forward" in rules.borrowed(notebook)


@pytest.mark.parametrize("metadata", [{}, {"nbgrader": {"grade": True, "solution": False, "locked": True,
                                                         "grade_id": "setup", "schema_version": 3}}])
def test_a_cell_the_student_added_is_read_whatever_it_claims(ch02, metadata):
    rules = own_work.Rules(CH02, ch02)
    notebook = solved_exercise(CH02)
    index = next(i for i, c in enumerate(notebook.cells) if c.metadata.get("nbgrader", {}).get("grade_id") == attacks.CELL)
    added = nbformat.v4.new_code_cell("def rnn_cell_forward(x_t, a_prev, parameters):\n    return keras.ops.tanh(x_t)",
                                      metadata=metadata)
    notebook.cells.insert(index + 1, added)
    assert "test_rnn_cell_forward" in rules.borrowed(notebook)


def test_an_answer_defined_inside_a_block_is_read_too(ch02):
    rules = own_work.Rules(CH02, ch02)
    notebook = solved_exercise(CH02)
    cell = next(c for c in notebook.cells if c.metadata.get("nbgrader", {}).get("grade_id") == attacks.CELL)
    cell.source = "if True:\n" + "\n".join("    " + line for line in cell.source.replace(
        attacks.STATE_LINE, "a_next = keras.ops.tanh(W_aa @ a_prev + W_ax @ x_t + b_a)").splitlines())
    assert "test_rnn_cell_forward" in rules.borrowed(notebook)


def test_honest_answers_are_not_flagged():
    for item in assignments():
        rules = own_work.Rules(item, load(item))
        solved = solved_exercise(item)
        assert rules.borrowed(solved) == {}, item.name
        for wrong in fixtures.of(item).WRONG_SUBMISSIONS if fixtures.exists(item) else []:
            assert rules.borrowed(apply(solved, wrong.edits)) == {}, (item.name, wrong.name)


def test_numpy_exercises_are_the_ones_whose_solution_uses_no_keras(ch02):
    assert own_work.Rules(CH02, ch02).numpy == {"test_rnn_cell_forward", "test_rnn_forward"}


def test_the_students_test_cell_warns_before_submission(capsys):
    from rnncourse.cells import SIMPLE_RNN
    from rnncourse.keras_bridge import keras_rnn_forward

    namespace = {"SIMPLE_RNN": SIMPLE_RNN, "keras_rnn_forward": keras_rnn_forward, "np": np}
    exec("def own(x):\n    return np.tanh(x)\n"  # noqa: S102
         "def borrowed(x, a, p):\n    return SIMPLE_RNN.step(x, (a,), p)\n"
         "def keras_one(x, a, p):\n    return keras_rnn_forward(x, a, p)\n"
         "def calls_it(x, a, p):\n    return keras_one(x, a, p)\n", namespace)
    references.warn_if_not_own("ch02_rnn_model", namespace["own"])
    assert capsys.readouterr().out == ""
    references.warn_if_not_own("ch02_rnn_model", namespace["borrowed"])
    assert "simple RNN.step" in capsys.readouterr().out
    references.warn_if_not_own("ch09_bidirectional", namespace["borrowed"])  # handed out there
    assert capsys.readouterr().out == ""
    references.warn_if_not_own("ch02_rnn_model", namespace["calls_it"])
    assert "keras_rnn_forward" in capsys.readouterr().out


def test_every_notebook_states_the_rule():
    for item in assignments():
        notebook = load(item).notebook
        assert any("**Your own code.**" in cell.source for cell in notebook.cells if cell.cell_type == "markdown")


# ---- 3. nothing active reaches the instructor ---------------------------------------------------


def test_outputs_keep_only_what_browsers_only_display():
    outputs = [
        nbformat.v4.new_output("display_data", data={"text/html": attacks.SCRIPT, "text/plain": "<HTML object>"}),
        nbformat.v4.new_output("display_data", data={"application/javascript": "alert(1)"}),
        nbformat.v4.new_output("display_data", data={"image/svg+xml": "<svg onload=alert(1)/>",
                                                     "image/png": "iVBORw0KGgo=", "text/markdown": "<b>x</b>"}),
        nbformat.v4.new_output("display_data", data={"image/png": "\"><script>alert(1)</script>"}),
        nbformat.v4.new_output("stream", name="stdout", text=attacks.SCRIPT),
        {"output_type": "something else", "data": {"text/html": attacks.SCRIPT}},
        "not even a dict",
    ]
    safe = sanitize.safe_outputs(outputs)
    assert len(safe) == 5
    kinds = {kind for output in safe for kind in output.get("data", {})}
    assert kinds == {"text/plain", "image/png"}
    assert safe[2].data["image/png"] == "iVBORw0KGgo=" and "removed by the grader" in safe[3].data["text/plain"]


def test_the_feedback_page_of_a_hostile_notebook_runs_nothing():
    """The notebook as nbconvert (nbgrader's feedback) renders it: payloads appear as text, never as markup."""
    from nbconvert import HTMLExporter

    released = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# The course's text")])
    notebook = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("# The course's text"),
        nbformat.v4.new_markdown_cell(f"My notes {attacks.SCRIPT} {attacks.HANDLER} [x](javascript:alert(1)) ```"),
        nbformat.v4.new_raw_cell(attacks.SCRIPT, metadata={"format": "text/html"}),
        nbformat.v4.new_code_cell("x = 1", outputs=[
            nbformat.v4.new_output("display_data", data={"text/html": attacks.HANDLER}),
            nbformat.v4.new_output("error", ename="E", evalue=attacks.SCRIPT, traceback=[attacks.HANDLER])]),
    ], metadata={"widgets": {"application/vnd.jupyter.widget-state+json": {"state": {}}}})
    safe = sanitize.safe_notebook(notebook, released)
    for cell in safe.cells:
        if cell.cell_type == "code":
            cell.outputs = sanitize.safe_outputs(cell.outputs)
    assert "widgets" not in safe.metadata and [c.cell_type for c in safe.cells] == ["markdown"] * 3 + ["code"]
    html, _ = HTMLExporter().from_notebook_node(safe)
    for payload in (attacks.SCRIPT, attacks.HANDLER, 'href="javascript:'):
        assert payload not in html
    assert "PWNED" in html and "The course&#39;s text" in html or "The course's text" in html


@pytest.mark.parametrize("text, cell", [
    ("=HYPERLINK(\"http://x\",\"y\")", "'=HYPERLINK(\"http://x\",\"y\")"), ("+1", "'+1"), ("-2+3", "'-2+3"),
    ("@SUM(A1)", "'@SUM(A1)"), ("\t=1", "'\t=1"), ("\r=1", "'\r=1"), ("alice", "alice"), ("7", "7"),
])
def test_csv_cells_never_start_a_formula(text, cell):
    assert sanitize.csv_cell(text) == cell


def test_the_grades_csv_neutralizes_every_field_a_student_influences(tmp_path):
    rows = [Row("bob", "graded", {"test_rnn_cell_forward": 3.0}, ["=cmd|' /C calc'!A0", "-1+1"])]
    write_csv(tmp_path / "grades.csv", CH02, rows, {"test_rnn_cell_forward": 3.0})
    with open(tmp_path / "grades.csv", newline="") as handle:
        row = next(csv.DictReader(handle))
    assert row["reasons"].startswith("'=cmd") and row["score"] == "3"


def test_console_lines_are_one_line_without_escape_codes():
    assert sanitize.one_line("alice: 3/12 (AssertionError: x\n\x1b[2J\x1b]0;owned\x07)") == \
        "alice: 3/12 (AssertionError: x [2J ]0;owned )"


def test_recording_a_row_in_the_gradebook_prints_no_library_warning(tmp_path, monkeypatch):
    """nbgrader's gradebook calls make SQLAlchemy warn (SAWarning) for every new student: the console stays clean."""
    import os
    import sys
    import warnings
    from pathlib import Path

    from nbgrader.api import Gradebook

    from autograder.grade import Grader

    monkeypatch.setenv("PATH", os.pathsep.join([str(Path(sys.executable).parent), os.environ["PATH"]]))  # alembic
    with Gradebook(f"sqlite:///{tmp_path / 'gradebook.db'}") as gradebook:
        gradebook.add_assignment(CH02.name)
        gradebook.add_notebook("rnn_model", CH02.name)
        gradebook.add_grade_cell("test_rnn_cell_forward", "rnn_model", CH02.name, max_score=3, cell_type="code")
    grader = Grader.__new__(Grader)  # only what _record needs: no nbgrader run
    grader.workdir, grader.assignment = tmp_path, CH02
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        grader._record(Row("zoe", "graded", {"test_rnn_cell_forward": 3.0}))
    assert not [warning for warning in caught if "SAWarning" in warning.category.__name__]
    with Gradebook(f"sqlite:///{tmp_path / 'gradebook.db'}") as gradebook:
        assert gradebook.find_submission(CH02.name, "zoe").score == 3.0
