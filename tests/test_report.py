"""The class report, the similar answers and the LMS exports, on a sample class graded in this process.

The class (tests/sample_class.py) holds the solution, an honest answer in
other words, a disguised copy of it, the same copy with script in its code
and its error message, wrong answers, the attacks' submissions and rows that
were not graded. The same report is written after the sandboxed grading of
chapter 2 (tests/test_grading.py) and opened in Chromium
(tests/test_report_browser.py).
"""

import csv
import html.parser
from collections import Counter

import pytest

import sample_class
from autograder import export, report
from autograder.__main__ import main
from fixtures import attacks
from rnncourse.grading import ch02_rnn_model
from rnncourse.grading.question import Mistake

FIGURES = ("scores.png", "questions.png", "times.png", "similarity.png")
PNG = b"\x89PNG\r\n\x1a\n"
SCRIPT_PARTS = ("<script", "<img src=x")  # as markup; escaped, they are text


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("report")
    class_report, rows = sample_class.class_report(workdir)
    return class_report, rows, (workdir / "report.html").read_text(encoding="utf-8")


def mistake_id(hint):
    return Mistake(hint, None).id


# The state mistakes chapter 2 lists, in its order (a mistake's id comes from its hint, whatever the probe).
STATE_MISTAKES = dict(zip(["bias missing, probed alone", "sigmoid", "relu", "W_aa transposed", "bias missing"],
                          ch02_rnn_model._state_mistakes(())))


def test_report_and_its_figures_are_written(written):
    class_report, _, page = written
    for name in FIGURES:
        figure = class_report.path.parent / report.FIGURES / name
        assert figure.read_bytes()[:8] == PNG and figure.stat().st_size > 5_000, name
        assert f'src="{report.FIGURES}/{name}"' in page


def test_each_question_counts_who_got_it_and_the_mistakes_diagnosed(written):
    class_report, rows, page = written
    graded = [row for row in rows if row.status == "graded"]
    by_id = {summary.id: summary for summary in class_report.questions}
    cell = by_id["test_rnn_cell_forward"]
    assert cell.graded == len(graded)
    assert cell.got == sum(row.scores["test_rnn_cell_forward"] == cell.points for row in graded)
    # Every attack is built on missing_bias, and the sample has it twice.
    assert cell.mistakes == Counter({
        STATE_MISTAKES["bias missing, probed alone"].id: 2 + len(attacks.ATTACKS),
        STATE_MISTAKES["sigmoid"].id: 1,
        STATE_MISTAKES["W_aa transposed"].id: 1})
    (other, count), = cell.others.items()  # the untouched exercise: no listed mistake explains it
    assert "NotImplementedError" in other and count == 1
    loop = by_id["test_rnn_forward"]
    zeros = mistake_id("the first step received zeros as a_prev: start from the given a0.")
    assert loop.mistakes == Counter({zeros: 1})
    assert f'<td class="n">{2 + len(attacks.ATTACKS)}</td>' in page and "add the bias b_a" in page
    # The row records which mistake fired as data, not only its text.
    sigmoid = next(row for row in rows if row.student == "sigmoid_state")
    assert sigmoid.mistakes["test_rnn_cell_forward"] == STATE_MISTAKES["sigmoid"].id


def test_rows_not_graded_are_listed_with_their_reasons(written):
    class_report, _, page = written
    section = page[page.index("<h2>Not graded</h2>"):page.index("<h2>Time per submission</h2>")]
    for student, reason in (("endless_loop", "grading stopped after 600 s"), ("kills_kernel", "kernel died"),
                            ("empty", "the submitted file is empty")):
        assert student in section and reason in section
    assert "1 failed, 1 rejected, 1 timed out" in section
    assert any("1 rejected, 1 failed, 1 timed out" in line for line in class_report.summary)


def test_similar_pairs_are_listed_side_by_side_and_honest_ones_are_not(written):
    class_report, _, page = written
    pairs = {(pair.first, pair.second): pair for pair in class_report.pairs}
    assert pairs[("own_words", "renamed_copy")].similarity == 1.0  # names and comments do not hide a copy
    assert ("own_words", "solution") not in pairs  # the same task in other words is not listed
    assert all(pair.similarity >= 0.8 for pair in pairs.values())
    copy = pairs[("own_words", "renamed_copy")]
    shared = "".join(copy.code[1][start:end] for start, end in copy.spans[1])
    assert "pre_activation" in shared and "np.dot" in shared  # the shared code is the answer, renamed
    assert '"""' not in copy.code[1] and "return a_next" not in copy.code[1]  # the given lines are left out
    assert "<mark>" in page and "own_words and renamed_copy" in page
    assert f"{len(class_report.pairs)} pairs at or above 0.8 of {class_report.compared} compared" in \
        "\n".join(class_report.summary)


def test_the_threshold_is_a_setting_and_changes_no_grade(tmp_path, written):
    strict, rows = sample_class.class_report(tmp_path, threshold=1.0)
    assert {(pair.first, pair.second) for pair in strict.pairs} >= {("own_words", "renamed_copy")}
    assert len(strict.pairs) < len(written[0].pairs)
    assert [(row.student, row.scores) for row in rows] == [(row.student, row.scores) for row in written[1]]


class Tags(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.attributes = Counter(), []

    def handle_starttag(self, tag, attrs):
        self.tags[tag] += 1
        self.attributes += [(tag, name, value) for name, value in attrs]


def test_nothing_active_and_every_student_string_escaped(written):
    class_report, _, page = written
    parser = Tags()
    parser.feed(page)
    allowed = {"html", "head", "meta", "title", "style", "body", "h1", "h2", "h3", "p", "pre", "img", "table", "tr",
               "th", "td", "code", "strong", "div", "mark"}
    assert set(parser.tags) <= allowed, set(parser.tags) - allowed
    assert not [a for a in parser.attributes if a[1].startswith("on") or "javascript:" in (a[2] or "").lower()]
    sources = [value for tag, name, value in parser.attributes if tag == "img" and name == "src"]
    assert sorted(sources) == sorted(f"{report.FIGURES}/{name}" for name in FIGURES)
    for part in SCRIPT_PARTS:
        assert part not in page.lower(), part
    # The hostile strings did reach the page, escaped: in the error message and in the code shown.
    assert page.count("&lt;script&gt;alert(&quot;report&quot;)&lt;/script&gt;") >= 2
    assert "Content-Security-Policy" in page and "default-src &#x27;none&#x27;" in page


def test_summary_is_short_and_names_the_report(written):
    class_report, _, _ = written
    assert class_report.summary[0] == f"class report: {class_report.path}"
    assert len(class_report.summary) <= 12
    assert any(line.startswith("  test_rnn_cell_forward: ") and "most frequent mistake" in line
               for line in class_report.summary)


# ---- exports ---------------------------------------------------------------------------------


HOSTILE_NAMES = ['=HYPERLINK("http://example.invalid","x")', "+1+1", "-2", "@SUM(A1)", "\t=1"]


@pytest.fixture
def course_csvs(tmp_path):
    """Two assignments' grades CSVs as ``grade --out`` writes them, and a roster exported from an LMS."""
    for name, scores in (("ch01_notation", {"ana": "4", "ben": "2"}),
                         ("ch02_rnn_model", {"ana": "12", "ben": "7", "not_enrolled": "3"})):
        with open(tmp_path / f"{name}.csv", "w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["student_id", "assignment", "score", "max_score", "status", "reasons"])
            for student, score in scores.items():
                writer.writerow([student, name, score, "12", "graded", ""])
    with open(tmp_path / "roster.csv", "w", newline="", encoding="utf-8-sig") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "Email address", "student_id"])
        writer.writerow(["Ana Lima", "101", "s101", "ana@uni", "A", "ana@uni.example", "ana"])
        writer.writerow(["Ben Okafor", "102", "s102", "ben@uni", "A", "ben@uni.example", "ben"])
        for number, name in enumerate(HOSTILE_NAMES):
            writer.writerow([name, str(200 + number), "", "", name, f"x{number}@uni.example", f"late{number}"])
    return tmp_path


def read(path):
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


def test_canvas_and_moodle_have_one_column_per_assignment(course_csvs, capsys):
    grades = [str(course_csvs / "ch01_notation.csv"), str(course_csvs / "ch02_rnn_model.csv")]
    main(["export", *grades, "--roster", str(course_csvs / "roster.csv"), "--canvas", str(course_csvs / "c.csv"),
          "--moodle", str(course_csvs / "m.csv"), "--column", "ch02_rnn_model=RNN model (1234)"])
    canvas = read(course_csvs / "c.csv")
    assert canvas[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "ch01_notation", "RNN model (1234)"]
    assert canvas[1] == ["Ana Lima", "101", "s101", "ana@uni", "A", "4", "12"]
    assert canvas[2] == ["Ben Okafor", "102", "s102", "ben@uni", "A", "2", "7"]
    assert canvas[3][5:] == ["", ""]  # not graded: left empty, so the LMS keeps what it has
    moodle = read(course_csvs / "m.csv")
    assert moodle[0] == ["Email address", "ch01_notation", "RNN model (1234)"]
    assert moodle[1] == ["ana@uni.example", "4", "12"]
    assert "not in the roster, so not exported: not_enrolled" in capsys.readouterr().out


def test_no_exported_field_starts_like_a_formula(course_csvs):
    grades = export.read_grades([course_csvs / "ch02_rnn_model.csv"])
    export.canvas(course_csvs / "roster.csv", grades, course_csvs / "c.csv")
    rows = read(course_csvs / "c.csv")
    fields = [field for row in rows for field in row]
    assert not [field for field in fields if field[:1] in ("=", "+", "-", "@", "\t", "\r")]
    assert [row[0] for row in rows[3:]] == ["'" + name for name in HOSTILE_NAMES]


def test_a_roster_without_the_lms_columns_says_what_it_lacks(course_csvs):
    (course_csvs / "bare.csv").write_text("student_id,Email address\nana,ana@uni.example\n")
    grades = export.read_grades([course_csvs / "ch02_rnn_model.csv"])
    with pytest.raises(export.ExportError, match="needs the column Student and one of ID"):
        export.canvas(course_csvs / "bare.csv", grades, course_csvs / "c.csv")
    (course_csvs / "no_id.csv").write_text("Student,ID\nAna,101\n")
    with pytest.raises(SystemExit, match="needs a column student_id"):
        main(["export", str(course_csvs / "ch02_rnn_model.csv"), "--roster", str(course_csvs / "no_id.csv"),
              "--moodle", str(course_csvs / "m.csv")])


def test_after_grading_a_roster_that_fits_one_lms_only_skips_the_other(course_csvs, capsys):
    from autograder.__main__ import export_grades

    (course_csvs / "moodle_only.csv").write_text("student_id,Email address\nana,ana@uni.example\n")
    export_grades([course_csvs / "ch02_rnn_model.csv"], course_csvs / "moodle_only.csv", course_csvs / "c.csv",
                  course_csvs / "m.csv", [], strict=False)
    assert "Not exported for Canvas: for Canvas the roster needs the column Student" in capsys.readouterr().out
    assert not (course_csvs / "c.csv").exists()
    assert read(course_csvs / "m.csv") == [["Email address", "ch02_rnn_model"], ["ana@uni.example", "12"]]
