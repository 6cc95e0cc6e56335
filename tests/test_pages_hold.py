"""What keeps the pages true between builds: the course's notation, and how every stored result was made.

Fast: reads text and JSON only. The claims about runs are asserted on the pages themselves, in hidden cells that
stop the build with the claim's name when a rebuild no longer shows it.
"""

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGES = sorted((ROOT / "book").glob("*.md"))
NOTEBOOKS = sorted((ROOT / "solutions").glob("*/*.md"))
RESULTS = ROOT / "book" / "results"

# Symbols that once meant two things, or one thing under two names. (pattern, what the course writes instead)
NOT_THE_NOTATION = [
    (r"W_y(?![a-z{])|W_\{y\}", "W_ya: the output weights carry both subscripts, as in the assignments"),
    (r"J\^\{?\\langle|J\^<t>|J<t>", "D<t> for the Jacobian of a step: J is the cost"),
    (r"\\odot", "* for the elementwise product"),
    (r"\bc_\{?t(?:-1)?\}?(?![a-z_])", "y<t> for a token: c<t> is the memory cell"),
    (r"""["'(]T = \{?temperature|f"T = \{t""", "τ (temperature) for the temperature: T is a number of steps"),
]
# Symbols every chapter may use only once the Notation section of intro.md defines them.
DEFINED_IN_INTRO = [r"D^{\langle t\rangle}", r"\tau", r"\Gamma_u", r"\Gamma_r", r"\Gamma_f", r"\Gamma_o",
                    r"c^{\langle t\rangle}", r"\tilde c", r"a_{fwd}", r"a_{bwd}", r"^{[l]}", r"$J$",
                    r"\mathcal{L}", r"W_{ha}", r"W_{yh}", r"$*$"]
# A figure caption is not parsed for roles: a raw label such as "equation (vanishing-bound)" would show as it is.
RAW_EQUATION_LABEL = re.compile(r"equation \([a-z]+(?:-[a-z]+)+\)")
# What every stored result records of how it was made.
PROVENANCE = {"commit", "date", "python", "tensorflow", "keras", "numpy", "cpu_count", "load_average_at_start"}


@pytest.mark.parametrize("path", PAGES + NOTEBOOKS, ids=lambda p: str(p.relative_to(ROOT)))
def test_pages_and_notebooks_keep_to_the_notation(path):
    text = path.read_text()
    for pattern, instead in NOT_THE_NOTATION:
        found = [m.group(0) for m in re.finditer(pattern, text)]
        assert not found, f"{path.name}: {found[:3]}; the course writes {instead} (book/intro.md, Notation)"


def test_the_notation_section_defines_every_symbol_the_chapters_use():
    intro = (ROOT / "book" / "intro.md").read_text()
    section = intro[intro.index("## Notation"):intro.index("## The chapters")]
    missing = [symbol for symbol in DEFINED_IN_INTRO if symbol not in section]
    assert not missing, f"the Notation section of book/intro.md does not define {missing}"


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.name)
def test_no_raw_equation_label_on_a_page(path):
    found = RAW_EQUATION_LABEL.findall(path.read_text())
    assert not found, f"{path.name}: {found}: write {{eq}}`label` in the text, or words in a caption"


def environments(node, where=""):
    """Every 'environment' record in a stored result, with where it is."""
    if isinstance(node, dict):
        if "environment" in node:
            yield where or "top", node["environment"]
        for key, value in node.items():
            if key != "environment":
                yield from environments(value, f"{where}/{key}")


@pytest.mark.parametrize("path", sorted(RESULTS.glob("*.json")), ids=lambda p: p.name)
def test_every_stored_result_records_how_it_was_made(path):
    results = json.loads(path.read_text())
    assert results.get("command", "").startswith("python -m rnncourse."), f"{path.name} records no command"
    found = list(environments(results))
    assert found, f"{path.name} records no environment"
    for where, env in found:
        missing = PROVENANCE - set(env)
        assert not missing, f"{path.name} {where}: no {sorted(missing)}"
        assert env["commit"], f"{path.name} {where}: empty commit"


def test_chapter_10_grades_depth_where_the_stored_measurement_separates_the_models():
    """The deep model must beat a threshold that every single layer of the same size missed, and every stack met."""
    from autograder import solutions
    from autograder.layout import assignments

    results = json.loads((RESULTS / "depth.json").read_text())
    recipe, runs = results["recipe"], results["runs"]
    assert not results["short"] and len(recipe["seeds"]) >= 3
    stacks = [run["test_accuracy"] for run in runs if run["units"] == recipe["units"]]
    single = [run["test_accuracy"] for run in runs if run["units"] == [results["single_layer_units"]]]
    assert len(stacks) == len(single) == len(recipe["seeds"])
    assert all(run["params"] <= single_run["params"] for run in runs if run["units"] == recipe["units"]
               for single_run in runs if run["layers"] == 1)
    chapter = next(a for a in assignments() if a.name == "ch10_deep_rnns")
    question = next(q for q in solutions.load(chapter).questions if q.id == "test_deep_tagger_accuracy")
    for case in question.all_cases():
        assert max(single) < case["min_accuracy"] <= min(stacks), (case, stacks, single)
        assert case["compared_with"] == recipe["units"] and case["train_sequences"] == recipe["train_sequences"]
        assert case["T_x"] == recipe["T_x"] and case["batch_size"] == recipe["batch_size"]
