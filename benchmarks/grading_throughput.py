"""How fast the grader is: submissions per minute with 1 and N jobs, and its cost over a bare run.

    .venv/bin/python benchmarks/grading_throughput.py [--assignment ch02_rnn_model] [--submissions 8] [--jobs N]

Grades a folder of identical solved submissions once with one job and once with
N (default: one per core), and executes the same notebook bare (nbclient in
this process's environment, no sandbox, its own visible tests in the kernel)
as often as there are submissions, first one after the other, then N side by
side: the bare speed-up is the most N jobs could gain on this machine, since the
notebook's own kernel already uses more than one core. Prints the times, the
throughputs, both speed-ups and the overhead of grading one submission against
executing it bare. Not a test: the figures depend on the machine and on what
else runs on it.
"""

import argparse
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from autograder.layout import assignment as find_assignment  # noqa: E402
from autograder.grade import default_jobs, grade_folder  # noqa: E402
from fixtures import solved_exercise  # noqa: E402


def bare_seconds(notebook, times):
    """Seconds to execute the notebook with nbclient, ``times`` times one after the other."""
    from nbclient import NotebookClient

    started = time.perf_counter()
    for _ in range(times):
        NotebookClient(nbformat.from_dict(notebook), timeout=600, startup_timeout=300, kernel_name="python3",
                       resources={"metadata": {"path": tempfile.gettempdir()}}).execute()
    return time.perf_counter() - started


def bare_side_by_side_seconds(notebook, times, jobs):
    """Seconds to execute the notebook bare ``times`` times, ``jobs`` executions at once (separate processes)."""
    started = time.perf_counter()
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        shares = [times // jobs + (i < times % jobs) for i in range(jobs)]
        list(pool.map(bare_seconds, [notebook] * jobs, shares))
    return time.perf_counter() - started


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--assignment", default="ch02_rnn_model")
    parser.add_argument("--submissions", type=int, default=8)
    parser.add_argument("--jobs", type=int, default=default_jobs())
    args = parser.parse_args()

    assignment = find_assignment(args.assignment)
    solved = solved_exercise(assignment)
    with tempfile.TemporaryDirectory(prefix="grading-benchmark-") as tmp:
        folder = Path(tmp, "submitted")
        folder.mkdir()
        for index in range(args.submissions):
            nbformat.write(solved, folder / f"student{index:03d}.ipynb")
        timings = {}
        for jobs in (1, args.jobs):
            started = time.perf_counter()
            rows, max_scores = grade_folder(assignment, folder, Path(tmp, f"grades-{jobs}.csv"),
                                            Path(tmp, f"work-{jobs}"), jobs=jobs, log=lambda *_: None)
            timings[jobs] = time.perf_counter() - started
            print(f"  grade --jobs {jobs}: {timings[jobs]:.1f} s", flush=True)
            full = sum(max_scores.values())
            assert all(row.total() == full for row in rows), [(r.student, r.reasons) for r in rows]
        bare = bare_seconds(solved, args.submissions)
        print(f"  bare: {bare:.1f} s", flush=True)
        bare_parallel = bare_side_by_side_seconds(solved, args.submissions, args.jobs)
        print(f"  bare, {args.jobs} at once: {bare_parallel:.1f} s", flush=True)

    n = args.submissions
    print(f"{assignment.name}: {n} solved submissions on {default_jobs()} cores")
    print(f"  bare nbclient, one after the other: {bare:6.1f} s  {60 * n / bare:5.1f} notebooks/minute")
    print(f"  bare nbclient, {args.jobs} at once:        {bare_parallel:6.1f} s  {60 * n / bare_parallel:5.1f} "
          f"notebooks/minute")
    for jobs, seconds in timings.items():
        print(f"  grade --jobs {jobs}:                  {seconds:6.1f} s  {60 * n / seconds:5.1f} submissions/minute")
    print(f"  speed-up of {args.jobs} jobs over 1: {timings[1] / timings[args.jobs]:.2f}x "
          f"(bare notebooks, {args.jobs} at once over one after the other: {bare / bare_parallel:.2f}x)")
    print(f"  overhead of grading with 1 job over bare execution (set-up, sandbox, collecting, judging): "
          f"{timings[1] / bare - 1:+.0%}")


if __name__ == "__main__":
    main()
