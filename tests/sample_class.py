"""A sample class of chapter 2 for the class report, graded in this process in seconds.

The students: the solution; an honest answer written another way (``own_words``);
a copy of it with other names and comments (``renamed_copy``); the same copy
with HTML and script in its code and in the error its loop raises
(``script_in_answer``); wrong answers of tests/fixtures/ch02_rnn_model.py (one
of them twice); the attacks of tests/fixtures/attacks.py (their text only: they
are not run here; each is recorded with the row of the honest answer it is
built on, which is what the sandboxed grader gives them, tests/test_grading.py);
and rows for a timed-out, a failed and a rejected submission, with the reasons
the grader writes.

The notebooks run in this process (tests/inprocess.py) up to the training
cell, and each question is judged by the grader's own judge on the collected
plain data (tests/test_checks.py's ``verdict``). Training costs half a minute,
so the training question is not judged here: no student here changes the
training, and each gets that question's points, as the sandboxed grader gives
such submissions.
"""

import time

import nbformat

import inprocess
from autograder import solutions
from autograder.judge import RUNNER_FAILURES
from autograder.layout import EXERCISES, assignment, nbgrader_metadata
from autograder.submissions import Row
from fixtures import Edit, apply, attacks, solved_exercise
from fixtures.ch02_rnn_model import CELL, LOOP, WRONG_SUBMISSIONS
from test_checks import verdict

ASSIGNMENT = assignment("ch02_rnn_model")
TRAINING = "test_fibonacci_predictions"  # not judged here (see above)
WRONG = {wrong.name: wrong for wrong in WRONG_SUBMISSIONS}
SOLVED_CELL = "    a_next = np.tanh(W_aa @ a_prev + W_ax @ x_t + b_a)\n    y_hat_t = softmax(W_ya @ a_next + b_y)"
SOLVED_LOOP_START = "    a_next = a0\n    for t in range(T_x):"

OWN_WORDS = (
    Edit(CELL, SOLVED_CELL, """    z = np.dot(W_ax, x_t) + np.dot(W_aa, a_prev) + b_a
    a_next = np.tanh(z)
    scores = np.dot(W_ya, a_next) + b_y
    y_hat_t = softmax(scores)"""),
    Edit(LOOP, """    a_next = a0
    for t in range(T_x):
        a_next, y_hat_t, cache = rnn_cell_forward(x[:, :, t], a_next, parameters)
        a[:, :, t] = a_next
        y_hat[:, :, t] = y_hat_t
        caches.append(cache)""", """    state = a0
    step = 0
    while step < T_x:
        state, prediction, step_cache = rnn_cell_forward(x[..., step], state, parameters)
        a[..., step], y_hat[..., step] = state, prediction
        caches += [step_cache]
        step += 1"""),
)
RENAMED = {"z =": "pre_activation =", "np.tanh(z)": "np.tanh(pre_activation)", "scores": "logits",
           "state": "h", "prediction": "out", "step_cache": "c", "step": "i"}
SCRIPT = '</pre><script>alert("report")</script><img src=x onerror=alert(1)>'


def renamed(edits, comment=""):
    """The same code with other names and a comment: what copying and disguising looks like."""
    changed = []
    for edit in edits:
        new = edit.new
        for old, name in RENAMED.items():
            new = new.replace(old, name)
        changed.append(Edit(edit.cell, edit.old, f"    # {comment or 'my own solution'}\n" + new))
    return tuple(changed)


def submissions():
    """{student: notebook} of the class, and the names of the attacks among them (recorded, not run)."""
    solved = solved_exercise(ASSIGNMENT)
    copy = renamed(OWN_WORDS)
    class_ = {
        "solution": solved,
        "own_words": apply(solved, OWN_WORDS),
        "renamed_copy": apply(solved, copy),
        "script_in_answer": apply(solved, (*renamed(OWN_WORDS, SCRIPT),
                                           Edit(LOOP, "    h = a0", f"    raise ValueError({SCRIPT!r})\n    h = a0"))),
        "missing_bias": apply(solved, WRONG["missing_bias"].edits),
        "missing_bias_too": apply(solved, WRONG["missing_bias"].edits),
        "sigmoid_state": apply(solved, WRONG["sigmoid_state"].edits),
        "transposed_W_aa": apply(solved, WRONG["transposed_W_aa"].edits),
        "zeros_instead_of_a0": apply(solved, WRONG["zeros_instead_of_a0"].edits),
        "extra_dense_layer": apply(solved, WRONG["extra_dense_layer"].edits),
        "untouched": nbformat.read(EXERCISES / ASSIGNMENT.name / ASSIGNMENT.notebook, as_version=4),
    }
    honest = WRONG[attacks.HONEST]
    for attack in attacks.submissions(honest, port=9):
        class_[attack.name] = apply(solved, attack.edits)
    return class_, {attack.name for attack in attacks.ATTACKS}


def _before_training(notebook):
    """The notebook up to its training cell: enough for every question but the training one."""
    notebook = nbformat.from_dict(notebook)
    ids = [nbgrader_metadata(cell).get("grade_id") for cell in notebook.cells]
    notebook.cells = notebook.cells[:ids.index("train")]
    return notebook


def grade(notebooks, recorded_as=None):
    """Rows as the grader makes them (scores, reasons, mistakes), judged here; attacks get the honest row."""
    recorded_as = recorded_as or {}
    questions = solutions.load(ASSIGNMENT).questions
    base_notebook = _before_training(notebooks["solution"])
    base = inprocess.run(base_notebook)
    rows, by_student = [], {}
    for student, notebook in notebooks.items():
        if student in recorded_as:
            continue
        started = time.monotonic()
        run = inprocess.rerun(base, base_notebook, _before_training(notebook)) if student != "solution" else base
        row = Row(student)
        for question in questions:
            if question.id == TRAINING:
                row.scores[question.id] = float(question.points)
                continue
            result = verdict(question, run.namespace)
            row.scores[question.id] = result.points
            if result.reason:
                row.reasons.append(f"{question.id}: {result.reason}")
            if result.mistake:
                row.mistakes[question.id] = result.mistake
        row.seconds = time.monotonic() - started
        rows.append(row)
        by_student[student] = row
    for student, like in recorded_as.items():
        own = by_student[like]
        rows.append(Row(student, own.status, dict(own.scores), list(own.reasons), own.seconds, dict(own.mistakes)))
    zero = {question.id: 0.0 for question in questions}
    rows += [
        Row("endless_loop", "timed out", dict(zero), ["grading stopped after 600 s (an endless loop?)"], 600.0),
        Row("kills_kernel", "failed", dict(zero), [f"not graded: {RUNNER_FAILURES['dead kernel']}"], 41.0),
        Row("empty", "rejected", dict(zero), ["the submitted file is empty"]),
    ]
    return rows, {question.id: float(question.points) for question in questions}, questions


def released():
    return nbformat.read(EXERCISES / ASSIGNMENT.name / ASSIGNMENT.notebook, as_version=4)


def class_report(workdir, threshold=None):
    """Grade the sample class here and write its report into ``workdir``; (ClassReport, rows)."""
    from autograder import report

    notebooks, attack_names = submissions()
    rows, max_scores, questions = grade(notebooks, {name: attacks.HONEST for name in attack_names})
    written = report.write(workdir, ASSIGNMENT, rows, questions, max_scores, notebooks, released(), threshold)
    return written, rows
