"""Grades in the CSV formats that learning management systems import: Canvas and Moodle.

The input is the course's own grades CSV (``grade --out``), one file per
assignment, and a roster the instructor exports from the LMS and gives a
column ``student_id``: the id the course knows each student by (the name of
their submission). The output has one row per student of the roster and one
column of points per assignment:

- Canvas (Grades > Import): ``Student``, ``ID``, ``SIS User ID``,
  ``SIS Login ID``, ``Section``, then one column per assignment. Canvas
  finds the student by ``ID`` or one of the SIS columns; a column named like an
  existing assignment of Canvas's own export (``Name (1234)``) fills it, a new
  name creates an assignment.
- Moodle (Grades > Import > CSV file): the roster's identifying columns
  (``ID number``, ``Username``, ``Email address``; names if present), then one
  column per assignment; Moodle asks which column identifies the user and
  which grade item each column goes to.

A cell stays empty for a student with no row for that assignment (both LMSs
then leave the grade as it is). Every field that starts with ``=``, ``+``,
``-``, ``@``, a tab or a carriage return gets a leading ``'``, as OWASP
advises against CSV injection, so that no spreadsheet reads it as a formula.
"""

import csv
import os
import tempfile
from pathlib import Path

from autograder.sanitize import csv_cell

CANVAS_COLUMNS = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
CANVAS_IDS = ("ID", "SIS User ID", "SIS Login ID")
MOODLE_IDS = ("ID number", "Username", "Email address")
MOODLE_NAMES = ("First name", "Last name")


class ExportError(ValueError):
    """A roster or grades file that cannot be exported, with what to fix."""


def neutralized(value):
    """A CSV field that no spreadsheet evaluates (``sanitize.csv_cell``); ``None`` is an empty field."""
    return "" if value is None else csv_cell(value)


def read_grades(paths):
    """{assignment: {student_id: score}} from the course's grades CSVs, in the order given."""
    grades = {}
    for path in paths:
        with open(path, newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            missing = {"student_id", "assignment", "score"} - set(reader.fieldnames or ())
            if missing:
                raise ExportError(f"{path} is not a grades CSV of the course (no column {', '.join(sorted(missing))})")
            for row in reader:
                grades.setdefault(row["assignment"], {})[row["student_id"]] = row["score"]
    return grades


def read_roster(path):
    """The roster's rows (dicts), each with a non-empty ``student_id``; duplicates are an error."""
    with open(path, newline="", encoding="utf-8-sig") as handle:  # LMS exports often start with a BOM
        reader = csv.DictReader(handle)
        columns = reader.fieldnames or []
        if "student_id" not in columns:
            raise ExportError(f"the roster {path} needs a column student_id (the course's id of each student, "
                              f"the name of their submission); its columns: {', '.join(columns) or 'none'}")
        rows = [row for row in reader if (row.get("student_id") or "").strip()]
    seen = set()
    for row in rows:
        row["student_id"] = row["student_id"].strip()
        if row["student_id"] in seen:
            raise ExportError(f"the roster {path} lists student_id {row['student_id']!r} twice")
        seen.add(row["student_id"])
    return columns, rows


def canvas(roster_path, grades, out, headers=None):
    """Write Canvas' grade import CSV; returns the graded students missing from the roster."""
    columns, roster = read_roster(roster_path)
    if "Student" not in columns or not set(CANVAS_IDS) & set(columns):
        raise ExportError(f"for Canvas the roster needs the column Student and one of {', '.join(CANVAS_IDS)} "
                          "(as in Canvas' gradebook export)")
    return _write(out, roster, grades, CANVAS_COLUMNS, headers)


def moodle(roster_path, grades, out, headers=None):
    """Write a CSV for Moodle's grade import; returns the graded students missing from the roster."""
    columns, roster = read_roster(roster_path)
    ids = [column for column in MOODLE_IDS if column in columns]
    if not ids:
        raise ExportError(f"for Moodle the roster needs one of the columns {', '.join(MOODLE_IDS)} "
                          "(as in Moodle's grade export)")
    names = [column for column in MOODLE_NAMES if column in columns]
    return _write(out, roster, grades, (*names, *ids), headers)


def _write(out, roster, grades, identity, headers):
    headers = headers or {}
    assignments = list(grades)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", newline="", encoding="utf-8", dir=out.parent, delete=False,
                                     suffix=".tmp") as handle:
        writer = csv.writer(handle)
        writer.writerow([neutralized(column) for column in (*identity, *(headers.get(a, a) for a in assignments))])
        for student in roster:
            writer.writerow([neutralized(student.get(column, "")) for column in identity]
                            + [neutralized(grades[a].get(student["student_id"], "")) for a in assignments])
    os.replace(handle.name, out)
    listed = {student["student_id"] for student in roster}
    return sorted({student for scores in grades.values() for student in scores} - listed)
