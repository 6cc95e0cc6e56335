"""Time each solution notebook once, top to bottom, as a student's kernel runs it (nbclient, no grader).

    nice -n 19 .venv/bin/python benchmarks/notebook_times.py [ASSIGNMENT ...]

Prints, per notebook, the wall-clock seconds and the load average of the machine
before and after (the notebooks' "about a minute" comes from here, docs/measurements.md: run it on the
2-core machine while other work shares the cores).
"""

import os
import sys
import time

from nbclient import NotebookClient

from autograder import solutions
from autograder.layout import assignment, assignments


def main(names):
    chosen = [assignment(name) for name in names] or assignments()
    print(f"{os.cpu_count()} cores; load average before: {os.getloadavg()[0]:.1f}", flush=True)
    for item in chosen:
        notebook = solutions.load(item).notebook
        load = os.getloadavg()[0]
        started = time.perf_counter()
        NotebookClient(notebook, timeout=600, kernel_name="python3",
                       resources={"metadata": {"path": str(item.source)}}).execute()
        seconds = time.perf_counter() - started
        print(f"{item.name}: {seconds:.1f} s (load average {load:.1f} -> {os.getloadavg()[0]:.1f})", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
