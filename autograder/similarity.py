"""Pairs of submissions whose answers are unusually alike, for the instructor to read side by side.

Only the answer cells count (the cells a student writes, nbgrader's solution
cells), and in them only the lines the released notebook did not already have
there (the function's signature, its docstring, the given assignments and
``return`` are left out, and ``# YOUR CODE HERE`` is boilerplate); the given
code around them does not count either. The comparison is MOSS's winnowing as the package
``copydetect`` implements it: each answer is tokenised (names, strings and
comments do not count, so renaming variables changes nothing), its k-grams of
tokens hashed and winnowed, and two answers share the code their common
fingerprints cover. Nothing is decided here: the pairs above the threshold are
listed in the class report with the shared code marked, and no grade changes.
"""

import io
import itertools
from dataclasses import dataclass

from autograder.layout import nbgrader_metadata

THRESHOLD = 0.8  # default: the smaller of the two shares of shared code above which a pair is listed
NOISE = 25  # tokens: a shared run shorter than this is never counted (copydetect's noise threshold)
GUARANTEE = 30  # tokens: a shared run this long is always found (copydetect's guarantee threshold)


@dataclass
class Pair:
    """Two students whose answers share code: each one's share, and where the shared code is in each."""

    first: str
    second: str
    shares: tuple  # (share of first's answer found in second's, the other way round)
    code: tuple  # (first's answer text, second's)
    spans: tuple  # ([(start, end), ...] of shared code in first's text, the same in second's)

    @property
    def similarity(self):
        return min(self.shares)


def answer_text(notebook, released=None):
    """The student's own lines of a notebook's answer cells (nbgrader solution cells that are code).

    A line that the released notebook has in the same cell (the signature, the
    docstring, the given assignments and ``return``) is left out: only what the
    student wrote is compared and shown.
    """
    given = {}
    for cell in (released.cells if released is not None else []):
        given.setdefault(nbgrader_metadata(cell).get("grade_id"), set()).update(
            line.strip() for line in str(cell.source).splitlines() if line.strip())
    texts = []
    for cell in notebook.cells:
        meta = nbgrader_metadata(cell)
        if cell.cell_type != "code" or not meta.get("solution"):
            continue
        own = given.get(meta.get("grade_id"), ())
        lines = [line for line in str(cell.source).splitlines() if line.strip() not in own]
        if any(line.strip() for line in lines):
            texts.append("\n".join(lines).strip("\n"))
    return "\n\n".join(texts)


def _fingerprint(name, text, boilerplate=()):
    from copydetect.detector import CodeFingerprint  # imported on use: it loads matplotlib's pyplot

    return CodeFingerprint(f"{name}.py", NOISE, GUARANTEE - NOISE + 1, boilerplate=list(boilerplate),
                           language="python", fp=io.StringIO(text))


def compare(notebooks, released):
    """Every pair of the submissions ``{student: notebook}``, most similar first (pairs sharing nothing left out).

    ``released`` is the notebook the students were given: its answer cells are boilerplate.
    """
    from copydetect.detector import compare_files

    boilerplate = _fingerprint("released", answer_text(released)).hashes
    prints = {}
    for student, notebook in sorted(notebooks.items()):
        try:
            prints[student] = _fingerprint(student, answer_text(notebook, released), boilerplate)
        except Exception:  # noqa: BLE001 (a submission's text may be anything; it is then simply not compared)
            continue
    pairs = []
    for first, second in itertools.combinations(prints, 2):
        overlap, shares, slices = compare_files(prints[first], prints[second])
        if overlap == 0:
            continue
        spans = tuple(_spans(slice_, len(prints[name].raw_code)) for slice_, name in zip(slices, (first, second)))
        pairs.append(Pair(first, second, (float(shares[0]), float(shares[1])),
                          (prints[first].raw_code, prints[second].raw_code), spans))
    return sorted(pairs, key=lambda pair: (-pair.similarity, pair.first, pair.second))


def _spans(slices, length):
    """copydetect's 2xN array of slice starts and ends, as sorted, merged (start, end) pairs within the text."""
    spans = sorted((max(0, int(start)), min(length, int(end))) for start, end in zip(slices[0], slices[1]))
    merged = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        elif end > start:
            merged.append((start, end))
    return merged
