"""Where the course's notebooks live: the assignments, and the nbgrader metadata that says what a cell is."""

from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS = ROOT / "solutions"
EXERCISES = ROOT / "exercises"


@dataclass(frozen=True)
class Assignment:
    """An assignment is a folder of solutions/ holding one notebook."""

    name: str

    @property
    def source(self):
        return SOLUTIONS / self.name

    @property
    def text(self):
        """File name of the solution notebook as MyST text, e.g. ``rnn_model.md`` (see autograder/solutions.py)."""
        texts = sorted(self.source.glob("*.md"))
        if len(texts) != 1:
            raise ValueError(f"{self.source} should hold exactly one MyST notebook (.md), found {len(texts)}.")
        return texts[0].name

    @property
    def notebook(self):
        """File name of the notebook students get, e.g. ``rnn_model.ipynb``."""
        return Path(self.text).with_suffix(".ipynb").name


def nbgrader_metadata(cell):
    return cell.get("metadata", {}).get("nbgrader", {})


def grade_id(cell):
    return nbgrader_metadata(cell).get("grade_id")


def is_test_cell(cell):
    """An autograded test cell: it has points and holds no student answer."""
    meta = nbgrader_metadata(cell)
    return bool(meta.get("grade")) and not meta.get("solution")


def assignments():
    return [Assignment(path.name) for path in sorted(SOLUTIONS.iterdir()) if path.is_dir() and any(path.glob("*.md"))]


def assignment(name):
    names = [a.name for a in assignments()]
    if name not in names:
        raise SystemExit(f"Unknown assignment {name!r}; the assignments are: {', '.join(names)}.")
    return Assignment(name)
