"""The README and the guides in docs/ point at things that exist.

A guide that names a file, a folder or a section that has moved sends its
reader nowhere; these checks find such a name at once (milliseconds).
"""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
# Folders of the repository whose files the guides name; generated ones (book/_build, grading/) are not checked.
TRACKED = ("rnncourse/", "autograder/", "tests/", "book/", "solutions/", "exercises/", "scripts/", "benchmarks/",
           "binder/", "docs/", ".ci/")


def ids(path):
    return str(path.relative_to(ROOT))


def prose(text):
    """The text without its fenced code blocks (a `# comment` in a block is not a heading)."""
    return re.sub(r"^(`{3,}).*?^\1", "", text, flags=re.M | re.S)


def anchors(path):
    """GitHub's anchors for the headings of a Markdown file."""
    headings = re.findall(r"^#{1,6} +(.+?) *$", prose(path.read_text()), flags=re.M)
    return {re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-") for heading in headings}


def test_the_readme_and_the_guides_are_there():
    assert {path.name for path in DOCUMENTS} >= {
        "README.md", "students.md", "instructors.md", "maintainers.md", "measurements.md"}


@pytest.mark.parametrize("document", DOCUMENTS, ids=ids)
def test_every_relative_link_reaches_a_file_and_its_section(document):
    for target in re.findall(r"\]\(([^)\s]+)\)", document.read_text()):
        if re.match(r"[a-z]+:", target):
            continue  # a web address
        path, _, anchor = target.partition("#")
        linked = (document.parent / path).resolve() if path else document
        assert linked.exists(), f"{ids(document)} links to {target}, which does not exist"
        if anchor:
            assert anchor in anchors(linked), f"{ids(document)} links to {target}: no such section in {linked.name}"


@pytest.mark.parametrize("document", DOCUMENTS, ids=ids)
def test_every_file_of_the_course_it_names_exists(document):
    names = re.findall(r"`([^`\s]+)`", prose(document.read_text()))
    paths = {name.rstrip("/").split("::")[0] for name in names if name.startswith(TRACKED)}
    placeholders = re.compile(r"NN|[A-Z]{3,}|_build|\*")  # chNN_topic, ASSIGNMENT, generated, globs
    missing = [path for path in sorted(paths) if not placeholders.search(path) and not (ROOT / path).exists()]
    assert not missing, f"{ids(document)} names files that do not exist: {missing}"


def test_the_readme_gives_the_command_ci_runs():
    command = (ROOT / ".ci" / "run").read_text().strip().splitlines()[-1]
    assert command == "make test"
    assert re.search(rf"^{command} +#", (ROOT / "README.md").read_text(), flags=re.M), (
        "the README's set-up shows the test command that .ci/run runs")
