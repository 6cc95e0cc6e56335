"""Lines of code and text per folder and per chapter, as `wc -l` counts them.

    .venv/bin/python scripts/line_counts.py                 # the files git tracks, as they are on disk
    .venv/bin/python scripts/line_counts.py --rev 11dbebd   # a commit, read from git (no checkout needed)
    .venv/bin/python scripts/line_counts.py --rev 11dbebd --compare   # that commit beside the work tree

Only files git tracks count, so caches, builds and the virtual environment never
do. A chapter is its grading module, its solution text, its page and its
wrong-answer fixtures; the folders are the parts an engineer taking the course
over reads. Written to compare the code before and after a refactoring.
"""

import argparse
import fnmatch
import re
import subprocess
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TOTAL = "total (each file once)"

# (row, glob patterns over the tracked paths); a file may count in several rows.
FOLDERS = [
    ("rnncourse (without grading/)", ["rnncourse/*.py"]),
    ("rnncourse/grading", ["rnncourse/grading/*.py"]),
    ("autograder", ["autograder/*.py"]),
    ("tests (with fixtures/)", ["tests/*.py", "tests/fixtures/*.py"]),
    ("book/*.md", ["book/*.md"]),
    ("solutions (*.md)", ["solutions/*/*.md"]),
    ("scripts + benchmarks", ["scripts/*.py", "benchmarks/*.py"]),
    ("README.md + docs/*.md", ["README.md", "docs/*.md"]),
]

# A chapter's parts, by where its name chNN_topic appears.
PARTS = [
    ("grading", "rnncourse/grading/{name}.py"),
    ("solution", "solutions/{name}/*.md"),
    ("page", "book/{name}.md"),
    ("fixtures", "tests/fixtures/{name}.py"),
]


def tracked(rev):
    command = ["git", "ls-tree", "-r", "--name-only", rev] if rev else ["git", "ls-files"]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True).stdout.splitlines()


def line_count(path, rev):
    """The number of newline characters, as `wc -l` counts them."""
    if rev:
        data = subprocess.run(["git", "show", f"{rev}:{path}"], cwd=ROOT, capture_output=True, check=True).stdout
    else:
        data = (ROOT / path).read_bytes()
    return data.count(b"\n")


def matching(paths, patterns):
    # fnmatch's * crosses "/", so each pattern must match as many path parts as it has.
    return [path for path in paths for pattern in patterns
            if path.count("/") == pattern.count("/") and fnmatch.fnmatch(path, pattern)]


def counts(rev=None):
    """{row: (files, lines)} for the folders, then for each chapter part and chapter."""
    paths = tracked(rev)
    cache = {}

    def lines(selected):
        for path in selected:
            if path not in cache:
                cache[path] = line_count(path, rev)
        return len(selected), sum(cache[path] for path in selected)

    table = {label: lines(matching(paths, patterns)) for label, patterns in FOLDERS}
    table[TOTAL] = lines(sorted(set(matching(paths, [p for _, patterns in FOLDERS for p in patterns]))))
    chapters = sorted(m.group(1) for path in paths if (m := re.fullmatch(r"rnncourse/grading/(ch\d\d_\w+)\.py", path)))
    per_chapter = defaultdict(dict)
    for name in chapters:
        for part, pattern in PARTS:
            per_chapter[name][part] = lines(matching(paths, [pattern.format(name=name)]))[1]
    return table, dict(per_chapter)


def render(columns):
    """Rows of folders and chapters, one column of line counts per (title, counts) pair."""
    titles = [title for title, _ in columns]
    out = ["lines per folder".ljust(30) + "".join(f"{t:>22}" for t in titles)]
    for label in [label for label, _ in FOLDERS] + [TOTAL]:
        out.append(label.ljust(30) + "".join(
            f"{c[0][label][1]:>11,} ({c[0][label][0]:>3} files)" for _, c in columns))
    out.append("")
    names = sorted(set().union(*(c[1] for _, c in columns)))
    header = "lines per chapter".ljust(30) + "".join(f"{t:>22}" for t in titles)
    out.append(header + "    (grading + solution + page + fixtures)")
    for name in names:
        row = name.ljust(30)
        parts = []
        for _, (_, chapters) in columns:
            chapter = chapters.get(name, {})
            row += f"{sum(chapter.values()):>22,}"
            parts.append(" + ".join(str(chapter.get(part, 0)) for part, _ in PARTS))
        out.append(row + "    " + " | ".join(parts))
    return "\n".join(out)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rev", help="a commit to count instead of the work tree")
    parser.add_argument("--compare", action="store_true", help="print --rev beside the work tree")
    args = parser.parse_args(argv)
    if args.compare and not args.rev:
        parser.error("--compare needs --rev")
    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    columns = [(args.rev, counts(args.rev))] if args.rev else []
    if not args.rev or args.compare:
        columns.append((f"work tree ({head})", counts()))
    print(render(columns))


if __name__ == "__main__":
    main()
