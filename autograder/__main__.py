"""Command line of the instructor's tools: ``python -m autograder --help``."""

import argparse
import os
import sys
import time

from autograder.layout import EXERCISES, ROOT, assignment, assignments
from autograder.sandbox import CELL_TIMEOUT, NOTEBOOK_TIMEOUT, GiB, MiB, Limits
from autograder.similarity import THRESHOLD


def main(argv=None):
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # the judges import TensorFlow: no C++ start-up messages
    parser = argparse.ArgumentParser(prog="python -m autograder", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    commands.add_parser("list", help="list the assignments")

    commands.add_parser("links", help="print each exercise notebook's launch links (nbgitpuller for a JupyterHub, "
                                      "Binder, Colab), from exercise_launch in book/_config.yml")

    generate = commands.add_parser("generate", help="regenerate exercises/ from solutions/ (nbgrader generate_assignment)")
    generate.add_argument("assignments", nargs="*", help="assignment names (default: all)")

    grade = commands.add_parser("grade", help="grade a folder of submissions and write a grades CSV")
    grade.add_argument("assignment", help="assignment name, e.g. ch02_rnn_model")
    grade.add_argument("submissions", help="folder of STUDENT.ipynb files, or of STUDENT/ASSIGNMENT/*.ipynb (nbgrader's layout)")
    grade.add_argument("--out", default="grades.csv", help="grades CSV to write (default: %(default)s)")
    grade.add_argument("--workdir", help="nbgrader working folder, rebuilt on each run; holds the autograded "
                                         "notebooks and the gradebook (default: grading/ASSIGNMENT)")
    grade.add_argument("--cell-timeout", type=int, default=CELL_TIMEOUT,
                       help="seconds a cell may run (default: %(default)s)")
    grade.add_argument("--notebook-timeout", type=int, default=NOTEBOOK_TIMEOUT, help="seconds a whole submission may take (default: %(default)s)")
    grade.add_argument("--jobs", type=int, help="submissions graded side by side (default: one per core)")
    grade.add_argument("--scheduler", help="address of a Dask scheduler (tcp://HOST:8786) whose workers grade the "
                                           "submissions; they need the course installed (see the README)")
    grade.add_argument("--memory-limit", type=float, default=Limits.memory / GiB,
                       help="GiB of memory a submission may use (default: %(default)g)")
    grade.add_argument("--process-limit", type=int, default=Limits.processes,
                       help="processes and threads a submission may run (default: %(default)s)")
    grade.add_argument("--output-limit", type=float, default=Limits.output / MiB,
                       help="MiB a submission may write, and the largest answers file (default: %(default)g)")
    grade.add_argument("--unsandboxed", action="store_true",
                       help="run the submissions without a sandbox when none is available (only for code you "
                            "trust: every row then says so)")
    grade.add_argument("--feedback", action="store_true", help="also write an HTML feedback page per student "
                                                               "(shows the hidden tests' output) in WORKDIR/feedback")
    grade.add_argument("--similarity-threshold", type=float, default=THRESHOLD, metavar="SHARE",
                       help="the class report (WORKDIR/report.html) lists the pairs of students whose answer cells "
                            "share at least this share of their code, each (default: %(default)g; no grade changes)")
    grade.add_argument("--roster", help="the LMS's roster as CSV with a column student_id: also write OUT's grades "
                                        "for Canvas and Moodle beside OUT (see the export command)")

    export = commands.add_parser("export", help="grades CSVs of the course -> CSVs that Canvas and Moodle import")
    export.add_argument("grades", nargs="+", help="grades CSVs written by grade --out (one column per assignment)")
    export.add_argument("--roster", required=True,
                        help="CSV exported from the LMS, with an added column student_id (the course's id of each "
                             "student); Canvas needs Student and ID (or SIS User ID / SIS Login ID), Moodle one of "
                             "ID number, Username, Email address")
    export.add_argument("--canvas", help="Canvas grade import CSV to write")
    export.add_argument("--moodle", help="Moodle grade import CSV to write")
    export.add_argument("--column", action="append", default=[], metavar="ASSIGNMENT=HEADER",
                        help="the LMS's column name for an assignment, e.g. 'ch02_rnn_model=RNN model (1234)' "
                             "(default: the assignment's name)")

    args = parser.parse_args(argv)
    if args.command == "list":
        for item in assignments():
            print(f"{item.name}/{item.notebook}")
    elif args.command == "links":
        from autograder.launch import print_links

        print_links()
    elif args.command == "generate":
        from autograder.generate import generate, remove_stale

        chosen = [assignment(name) for name in args.assignments] or assignments()
        for item in chosen:
            print(f"generated {generate(item).relative_to(ROOT)}/{item.notebook}")
        if not args.assignments:
            remove_stale(EXERCISES, keep={item.name for item in chosen})
    elif args.command == "grade":
        from autograder.grade import grade_folder

        from autograder.sandbox import Unavailable

        item = assignment(args.assignment)
        limits = Limits(memory=int(args.memory_limit * GiB), processes=args.process_limit,
                        output=int(args.output_limit * MiB))
        started = time.perf_counter()
        try:
            rows, max_scores = grade_folder(item, args.submissions, args.out,
                                            args.workdir or ROOT / "grading" / item.name,
                                            args.cell_timeout, args.notebook_timeout, args.feedback, jobs=args.jobs,
                                            scheduler=args.scheduler, limits=limits, sandboxed=not args.unsandboxed,
                                            similarity_threshold=args.similarity_threshold)
        except Unavailable as error:
            raise SystemExit(f"Not grading: {error}")
        print(f"graded {len(rows)} submissions in {time.perf_counter() - started:.0f} s; grades in {args.out}")
        if args.roster:
            stem = os.path.splitext(args.out)[0]
            export_grades([args.out], args.roster, f"{stem}-canvas.csv", f"{stem}-moodle.csv", [], strict=False)
    elif args.command == "export":
        if not (args.canvas or args.moodle):
            parser.error("export: say where to write, with --canvas and/or --moodle")
        export_grades(args.grades, args.roster, args.canvas, args.moodle, args.column)
    return 0


def export_grades(grades_files, roster, canvas_out, moodle_out, columns, strict=True):
    """Write the LMS files that are asked for. A roster that does not fit one LMS stops with what it lacks
    (``strict``), or, after grading, only skips that LMS with the reason."""
    from autograder import export

    headers = dict(column.split("=", 1) for column in columns if "=" in column)
    try:
        grades = export.read_grades(grades_files)
    except (export.ExportError, OSError) as error:
        raise SystemExit(f"Not exported: {error}")
    for name, write, out in (("Canvas", export.canvas, canvas_out), ("Moodle", export.moodle, moodle_out)):
        if not out:
            continue
        try:
            unknown = write(roster, grades, out, headers)
        except (export.ExportError, OSError) as error:
            if strict:
                raise SystemExit(f"Not exported for {name}: {error}")
            print(f"Not exported for {name}: {error}")
            continue
        print(f"{name} grades in {out}" + (f"; not in the roster, so not exported: {', '.join(unknown)}"
                                             if unknown else ""))


if __name__ == "__main__":
    sys.exit(main())
