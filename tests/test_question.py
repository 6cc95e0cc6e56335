"""The parts of a graded question: plain data, the two halves of a check, the verdict, the declaration."""

import json

import numpy as np
import pytest

from autograder import solutions
from autograder.judge import judge, read_answers
from rnncourse.grading import plain
from rnncourse.grading.question import Check, Mistake, Question, diagnose, record, stand_in


def test_plain_data_round_trip_keeps_values_dtypes_and_shapes():
    data = {"a": np.arange(6, dtype="float32").reshape(2, 3), "n": np.int64(3), "ok": True, "s": "x",
            "nested": [1.5, {"b": np.zeros((0, 2))}], "nan": float("nan")}
    back = plain.round_trip(data)
    assert back["a"].dtype == np.float32 and back["a"].shape == (2, 3) and np.array_equal(back["a"], data["a"])
    assert back["n"] == 3 and back["ok"] is True and back["s"] == "x" and back["nested"][1]["b"].shape == (0, 2)
    assert np.isnan(back["nan"])


@pytest.mark.parametrize("value", [object(), np.array([object()]), {1: "key not a string"}, lambda: 0,
                                   np.array(["text"])])
def test_only_plain_data_can_be_encoded(value):
    with pytest.raises(plain.NotPlainData):
        plain.encode(value)


@pytest.mark.parametrize("forged", [
    {"__ndarray__": {"dtype": "object", "shape": [1], "data": [0]}},
    {"__ndarray__": {"dtype": "float64", "shape": [2], "data": [0]}},
    {"__ndarray__": {"dtype": "float64", "shape": [1], "data": ["1"]}},
    {"__ndarray__": {"dtype": "float64", "shape": [1], "data": [1], "extra": 1}},
])
def test_decoding_rejects_forged_arrays(forged):
    with pytest.raises(plain.NotPlainData):
        plain.decode(forged)


def _sum_check():
    def collect(add, n):
        return {"total": add(np.arange(n), 1)}

    def judge_(data, n):
        diagnose("total", data["total"], np.arange(n) + 1, n, [Mistake("you subtract", lambda n: np.arange(n) - 1)])

    return Check("add", collect, judge_)


CHECKS = {"add": _sum_check()}
QUESTION = Question(id="test_add", points=2, title="add", module=__name__, check="add", args=("add",),
                           cases=({"n": 3},), hidden=({"n": 5},))


def test_check_in_the_notebook_runs_both_halves(capsys):
    CHECKS["add"](np.add, n=4)
    assert "add: all checks passed." in capsys.readouterr().out
    with pytest.raises(AssertionError, match="you subtract"):
        CHECKS["add"](np.subtract, n=4)


def __getattr__(name):  # the questions above find their checks in this module, as in a chapter's module
    if name in CHECKS:
        return CHECKS[name]
    raise AttributeError(name)


def test_record_collects_every_case_and_the_judge_decides(tmp_path, monkeypatch):
    answers = tmp_path / "answers.jsonl"
    monkeypatch.setenv("RNNCOURSE_ANSWERS", str(answers))
    record("test_add", __name__, "add", lambda: [np.add], QUESTION.all_cases())
    record("test_wrong", __name__, "add", lambda: [np.subtract], QUESTION.all_cases())
    record("test_broken", __name__, "add", lambda: [undefined_name], QUESTION.all_cases())  # noqa: F821
    recorded = read_answers(answers, max_bytes=10**6)
    assert judge(QUESTION, recorded["test_add"]).points == 2
    wrong = judge(QUESTION, recorded["test_wrong"])
    assert wrong.points == 0 and "visible case 1" in wrong.reason and "you subtract" in wrong.reason
    broken = judge(QUESTION, recorded["test_broken"])
    assert broken.points == 0 and "NameError" in broken.reason


def test_the_judge_trusts_nothing_but_values(tmp_path):
    assert judge(QUESTION, None).points == 0, "a test cell that never reported"
    assert judge(QUESTION, [{"data": plain.encode({"total": np.arange(3) + 1})}]).points == 0, "hidden cases missing"
    forged = [{"data": {"total": {"__ndarray__": {"dtype": "object", "shape": [1], "data": [0]}}}}] * 2
    assert "not plain data" in judge(QUESTION, forged).reason
    assert judge(QUESTION, [{"verdict": "pass"}] * 2).points == 0
    path = tmp_path / "answers.jsonl"
    path.write_text("x" * 100)
    with pytest.raises(ValueError, match="limit"):
        read_answers(path, max_bytes=10)
    path.write_text("not json\n" + json.dumps({"question": "test_add", "results": []}) + "\n")
    assert read_answers(path, max_bytes=10**6) == {"test_add": []}


def test_stand_in_is_removed_afterwards():
    namespace = {}
    exec("def helper(): return 'own'\ndef caller(): return helper()", namespace)  # noqa: S102
    with stand_in(namespace["caller"], "helper", lambda: "stand-in"):
        assert namespace["caller"]() == "stand-in"
    assert namespace["caller"]() == "own"


def test_test_cell_and_points_table_come_from_the_declaration():
    test = QUESTION.test_source()
    assert test.splitlines()[0] == "# Tests of add (2 points)."
    visible, hidden = test.split("### BEGIN HIDDEN TESTS")
    assert "checks.add(add, n=3)" in visible and "checks.add(add, n=5)" in hidden
    assert "n': 5" in QUESTION.collect_source(), "grading collects the hidden cases too"
    assert "| add | 2 |" in solutions.points_table([QUESTION]) and "**2**" in solutions.points_table([QUESTION])


def test_an_undeclared_code_cell_is_an_error(tmp_path):
    folder = tmp_path / "solutions" / "ch99_example"
    folder.mkdir(parents=True)
    (folder / "example.md").write_text("---\njupytext:\n  text_representation:\n    format_name: myst\n---\n\n"
                                       "```{code-cell} ipython3\nx = 1\n```\n")

    class Example:
        name, source, text = "ch99_example", folder, "example.md"

    with pytest.raises(ValueError, match="exactly one of"):
        solutions.load(Example())
