"""The fast tier: every question's check against the solution, the untouched exercise and each wrong answer.

No nbgrader and no kernel: the notebooks' code runs in this process
(tests/inprocess.py), and each question's check runs on every case, visible and
hidden, the way the grader runs it: ``collect`` -> plain data -> ``judge``.
A wrong answer must fail exactly the questions it lists, one of them with a
message that names the mistake. tests/test_grading.py (slow) grades a sample of
the same submissions end to end, in the sandbox, and finds the same scores.

Every assignment is here: one without its fixtures module still has its
solution and untouched exercise checked, and fails
test_every_assignment_has_its_wrong_submissions instead of being left out.
"""

import functools
import json
import re

import pytest

import fixtures
import inprocess
from autograder import solutions
from autograder.layout import EXERCISES, assignments
from autograder.judge import Verdict, judge
from fixtures import Edit, apply, solved_exercise
from rnncourse.grading import plain

import nbformat

@functools.cache
def questions(assignment):
    return solutions.load(assignment).questions


ASSIGNMENTS = assignments()
WITH_FIXTURES = [a for a in ASSIGNMENTS if fixtures.exists(a)]
WRONG = [(a, wrong) for a in WITH_FIXTURES for wrong in fixtures.of(a).WRONG_SUBMISSIONS]


def verdict(question, namespace):
    """The grader's verdict on a question, with the data collected in this process."""
    check = getattr(__import__(question.module, fromlist=["_"]), question.check)
    results = []
    for case in question.all_cases():
        try:
            answers = [eval(argument, namespace) for argument in question.args]  # noqa: S307 (names in our notebooks)
            results.append({"data": plain.encode(check.collect(*answers, **case))})
        except Exception as error:  # noqa: BLE001 (wrong answers raise anything)
            results.append({"error": f"{type(error).__name__}: {error}"})
    return judge(question, json.loads(json.dumps(results)))  # as the grader reads them


@functools.cache
def solved_run(assignment):
    return inprocess.run(solved_exercise(assignment))


def verdicts(assignment, run):
    return {q.id: verdict(q, run.namespace) for q in questions(assignment)}


@functools.cache
def solved_verdicts(assignment):
    return verdicts(assignment, solved_run(assignment))


def verdicts_after(assignment, run):
    """Verdicts on a rerun: a question whose answers the rerun did not redefine keeps the solution's verdict."""
    solved = solved_verdicts(assignment)
    return {q.id: verdict(q, run.namespace) if _names(q.args) & run.changed else solved[q.id]
            for q in questions(assignment)}


def _names(expressions):
    return {name for expression in expressions for name in inprocess.names(expression)[1]}


@pytest.mark.parametrize("assignment", ASSIGNMENTS, ids=lambda a: a.name)
def test_solution_passes_every_case(assignment):
    run = solved_run(assignment)
    assert not run.errors, run.errors
    assert solved_verdicts(assignment) == {q.id: Verdict(float(q.points)) for q in questions(assignment)}


@pytest.mark.parametrize("assignment", ASSIGNMENTS, ids=lambda a: a.name)
def test_untouched_exercise_fails_every_question(assignment):
    exercise = nbformat.read(EXERCISES / assignment.name / assignment.notebook, as_version=4)
    failed = {q: v for q, v in verdicts(assignment, inprocess.run(exercise)).items() if v.points == 0}
    assert set(failed) == {q.id for q in questions(assignment)}
    assert all("NotImplementedError" in v.reason or "not defined" in v.reason for v in failed.values()), failed


@pytest.mark.parametrize("assignment, wrong", WRONG, ids=[f"{a.name}-{w.name}" for a, w in WRONG])
def test_wrong_answer_loses_exactly_its_questions_and_says_why(assignment, wrong):
    """Every question is judged, so a mistake that also spoils a later question must list it."""
    solved = solved_exercise(assignment)
    notebook = apply(solved, wrong.edits)
    run = inprocess.rerun(solved_run(assignment), solved, notebook)
    failed = {q_id: v.reason for q_id, v in verdicts_after(assignment, run).items() if v.points == 0}
    assert set(failed) == set(wrong.loses), f"{wrong.mistake}: {failed}"
    assert wrong.says, "say which words the message of this mistake must contain (WrongSubmission.says)"
    assert any(wrong.says in failed[q_id] for q_id in wrong.loses), (
        f"{wrong.mistake}: no message names the mistake ({wrong.says!r}): {failed}")
    for expression in answer_expressions(wrong.edits):
        for q_id in wrong.loses:
            assert expression not in _squeezed(failed[q_id]), (
                f"{wrong.mistake}: the message of {q_id} prints the answer ({expression!r}); "
                f"name the mistake and the equation instead: {failed[q_id]}")


def _squeezed(text):
    return re.sub(r"\s+", "", text)


def answer_expressions(edits, shortest=12):
    """The right-hand sides of the solution's assignments that a wrong answer edits, without spaces.

    A hint that prints one of them hands the student the line to copy; hints
    name the mistake and point to the equation instead. Short ones (``c0``,
    ``np.zeros(...)``) are too common to count as giving an answer away.
    """
    expressions = []
    for edit in edits:
        for line in edit.old.splitlines():
            match = re.match(r"\s*[\w\[\], :.]+?\s*(?:[-+*/@]?=)(?!=)\s*(.+)", line)
            if match and len(_squeezed(match.group(1))) >= shortest:
                expressions.append(_squeezed(match.group(1)))
    return expressions


@pytest.mark.parametrize("assignment", ASSIGNMENTS, ids=lambda a: a.name)
def test_every_assignment_has_its_wrong_submissions(assignment):
    assert fixtures.exists(assignment), (
        f"write tests/fixtures/{assignment.name}.py: see docs/maintainers.md, Adding a chapter")
    assert fixtures.of(assignment).WRONG_SUBMISSIONS


def test_fixture_edit_that_no_longer_applies_fails_loudly():
    assignment = WITH_FIXTURES[0]
    cell = fixtures.of(assignment).WRONG_SUBMISSIONS[0].edits[0].cell
    with pytest.raises(ValueError, match="no longer applies"):
        apply(solved_exercise(assignment), (Edit(cell, "text that is not there", ""),))


@pytest.mark.parametrize("assignment", WITH_FIXTURES, ids=lambda a: a.name)
def test_every_question_is_lost_by_some_plausible_wrong_answer(assignment):
    lost = set().union(*(wrong.loses for wrong in fixtures.of(assignment).WRONG_SUBMISSIONS))
    assert lost == {q.id for q in questions(assignment)}


@pytest.mark.parametrize("assignment", ASSIGNMENTS, ids=lambda a: a.name)
def test_hidden_cases_differ_from_the_visible_ones(assignment):
    for question in questions(assignment):
        assert question.hidden and not set(map(repr, question.hidden)) & set(map(repr, question.cases)), question.id
