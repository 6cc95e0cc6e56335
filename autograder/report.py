"""The class report of a grading run: what an instructor reads to decide what to reteach.

Written after every run beside the gradebook (``grading/ASSIGNMENT/report.html``
and its PNG figures in ``grading/ASSIGNMENT/report/``), and summed up in a few
printed lines: the distribution of scores; per question, the share of the
students who got it and the mistakes its checks diagnosed, counted (the
``Mistake`` that fired is recorded in each row as data, ``Row.mistakes``); the
reasons of the rows that were rejected, failed or timed out; the time each
submission took; and the pairs of submissions whose answers are unusually
alike (``autograder/similarity.py``), side by side.

Everything in the page that a student can influence (ids, error messages,
code) is escaped, the page holds no script and its Content-Security-Policy
allows none, and its figures are local files: it opens offline, and nothing
in it can act in the instructor's browser.
"""

import html
import re
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from matplotlib.figure import Figure

from autograder import similarity

FIGURES = "report"  # folder of the figures, beside report.html
MAX_PAIRS_SHOWN = 12  # similar pairs whose code is shown side by side (all are listed in the table)
CONTEXT_LINES = 2  # lines of code shown around shared code
NOT_GRADED = ("rejected", "failed", "timed out")
CASE_PREFIX = re.compile(r"^(visible|hidden) case \d+: (AssertionError: )?")
POLICY = "default-src 'none'; img-src 'self' file:; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"


@dataclass
class QuestionSummary:
    id: str
    title: str
    points: float
    got: int  # graded students with full points
    graded: int
    mistakes: Counter = field(default_factory=Counter)  # mistake id -> students
    messages: dict = field(default_factory=dict)  # mistake id or other reason -> the message students saw
    others: Counter = field(default_factory=Counter)  # failures no listed mistake explains: reason -> students
    who: dict = field(default_factory=lambda: defaultdict(list))  # mistake id or reason -> students

    @property
    def share(self):
        return self.got / self.graded if self.graded else 0.0


@dataclass
class ClassReport:
    path: Path
    summary: list  # the printed lines
    questions: list
    pairs: list  # similarity.Pair above the threshold
    compared: int  # pairs compared


def question_summaries(rows, questions):
    """Per question: who got it among the graded rows, and what the others did wrong, counted."""
    graded = [row for row in rows if row.status == "graded"]
    summaries = []
    for question in questions:
        summary = QuestionSummary(question.id, question.title, float(question.points),
                                  sum(row.scores.get(question.id, 0.0) >= question.points for row in graded),
                                  len(graded))
        for row in graded:
            if row.scores.get(question.id, 0.0) >= question.points:
                continue
            message = _reason_for(row, question.id)
            mistake = row.mistakes.get(question.id)
            if mistake:
                summary.mistakes[mistake] += 1
                summary.messages.setdefault(mistake, message)
                summary.who[mistake].append(row.student)
            else:
                summary.others[message] += 1
                summary.who[message].append(row.student)
        summaries.append(summary)
    return summaries


def _reason_for(row, question_id):
    """The message of the row's reason for that question, without the case number (so equal mistakes group)."""
    prefix = f"{question_id}: "
    for reason in row.reasons:
        if reason.startswith(prefix):
            return CASE_PREFIX.sub("", reason[len(prefix):])[:300]
    return "no reason recorded"


def write(workdir, assignment, rows, questions, max_scores, notebooks=None, released=None, threshold=None):
    """Write ``workdir/report.html`` and its figures; returns the ClassReport (its ``summary`` lines to print).

    ``notebooks`` ({student: submitted notebook}) and ``released`` (the notebook
    handed out) are needed for the similar answers; without them that part is left out.
    """
    workdir = Path(workdir)
    threshold = similarity.THRESHOLD if threshold is None else threshold
    figures = workdir / FIGURES
    figures.mkdir(parents=True, exist_ok=True)
    total = sum(max_scores.values())
    rows = sorted(rows, key=lambda row: row.student)
    summaries = question_summaries(rows, questions)
    pairs, compared = [], 0
    comparing = notebooks is not None and released is not None
    if comparing:
        every = similarity.compare(notebooks, released)
        compared = len(notebooks) * (len(notebooks) - 1) // 2
        pairs = [pair for pair in every if pair.similarity >= threshold]
        _similarity_figure(figures / "similarity.png", [pair.similarity for pair in every], compared, threshold)
    _scores_figure(figures / "scores.png", [row.total() for row in rows], total)
    _questions_figure(figures / "questions.png", summaries)
    _times_figure(figures / "times.png", rows)

    summary = _summary_lines(assignment, rows, summaries, total, pairs, compared, threshold,
                             workdir / "report.html", comparing)
    page = _page(assignment, rows, summaries, total, pairs, compared, threshold, summary, comparing)
    (workdir / "report.html").write_text(page, encoding="utf-8")
    return ClassReport(workdir / "report.html", summary, summaries, pairs, compared)


# ---- the printed summary ---------------------------------------------------------------------


def _summary_lines(assignment, rows, summaries, total, pairs, compared, threshold, path, compared_any):
    statuses = Counter(row.status for row in rows)
    scores = [row.total() for row in rows]
    lines = [f"class report: {path}"]
    counts = ", ".join(f"{statuses[status]} {status}" for status in ("graded", *NOT_GRADED) if statuses[status])
    if scores:
        lines.append(f"  {len(rows)} student{'s' * (len(rows) != 1)} ({counts}); "
                     f"score mean {statistics.mean(scores):.1f}/{total:g}, median {statistics.median(scores):g}")
    for summary in summaries:
        line = f"  {summary.id}: {summary.got}/{summary.graded} got it"
        if summary.mistakes:
            mistake, count = summary.mistakes.most_common(1)[0]
            line += f"; most frequent mistake ({count}): {_shorten(summary.messages[mistake], 90)}"
        lines.append(line)
    seconds = [row.seconds for row in rows if row.seconds]
    if seconds:
        lines.append(f"  time per submission: median {statistics.median(seconds):.0f} s, max {max(seconds):.0f} s")
    if compared_any:
        lines.append(f"  similar answers: {len(pairs)} pair{'s' * (len(pairs) != 1)} at or above {threshold:g} "
                     f"of {compared} compared (read them in the report; no grade was changed)")
    return lines


def _shorten(text, length):
    text = " ".join(str(text).split())
    return text if len(text) <= length else text[:length - 3] + "..."


# ---- figures (Agg, no pyplot state: safe beside the grading threads) --------------------------


def _save(figure, path):
    figure.tight_layout()
    figure.savefig(path, dpi=110)


def _scores_figure(path, scores, total):
    figure = Figure(figsize=(6.4, 3.2))
    axes = figure.add_subplot()
    top = max(int(total), 1)
    axes.hist(scores, bins=[b - 0.5 for b in range(top + 2)], color="#3a6ea5", edgecolor="white")
    axes.set_xlabel(f"score (of {total:g})")
    axes.set_ylabel("students")
    axes.set_xlim(-0.5, top + 0.5)
    axes.yaxis.get_major_locator().set_params(integer=True)
    axes.set_title("Score distribution")
    _save(figure, path)


def _questions_figure(path, summaries):
    figure = Figure(figsize=(6.4, 0.5 + 0.45 * max(len(summaries), 1)))
    axes = figure.add_subplot()
    names = [summary.id for summary in summaries][::-1]
    shares = [100 * summary.share for summary in summaries][::-1]
    axes.barh(names, shares, color="#4c9a5f")
    for y, share in enumerate(shares):
        inside = share > 85
        axes.text(share - 1 if inside else share + 1, y, f"{share:.0f}%", va="center", fontsize=8,
                  ha="right" if inside else "left", color="white" if inside else "black")
    axes.set_xlim(0, 100)
    axes.set_xlabel("graded students with full points (%)")
    axes.set_title("Share of students who got each question")
    _save(figure, path)


def _times_figure(path, rows):
    figure = Figure(figsize=(6.4, 3.2))
    axes = figure.add_subplot()
    timed = sorted((row.seconds for row in rows if row.seconds), reverse=True)
    axes.bar(range(len(timed)), timed, color="#a5673a")
    axes.set_xlabel("submissions, slowest first")
    axes.set_ylabel("seconds")
    axes.set_title("Time per submission (in its sandbox)")
    _save(figure, path)


def _similarity_figure(path, similarities, compared, threshold):
    figure = Figure(figsize=(6.4, 3.2))
    axes = figure.add_subplot()
    values = similarities + [0.0] * (compared - len(similarities))  # pairs sharing nothing
    axes.hist(values, bins=[i / 20 for i in range(21)], color="#7a5ca5", edgecolor="white")
    axes.axvline(threshold, color="black", linestyle="--", label=f"threshold {threshold:g}")
    axes.set_xlabel("shared answer code (smaller share of the pair)")
    axes.set_ylabel("pairs of students")
    axes.legend()
    axes.set_title("Similarity of every pair of submissions")
    _save(figure, path)


# ---- the page --------------------------------------------------------------------------------


def e(value):
    """Escaped for HTML text and attributes: every student-influenced string goes through here."""
    return html.escape(str(value), quote=True)


def course_text(value):
    """A title of the course's (Markdown with `code`), escaped, its code spans shown as code."""
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", e(value))


STYLE = """
body { font-family: system-ui, sans-serif; margin: 1.5em auto; max-width: 72em; padding: 0 1em; color: #222; }
h1 { font-size: 1.6em; } h2 { margin-top: 1.6em; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; margin: 0.5em 0; } td, th { border: 1px solid #ccc; padding: 0.25em 0.5em;
  text-align: left; vertical-align: top; } th { background: #f2f2f2; }
td.n { text-align: right; } img { max-width: 100%; height: auto; }
.pair { display: grid; grid-template-columns: 1fr 1fr; gap: 0.8em; }
pre { background: #f7f7f7; padding: 0.6em; overflow-x: auto; font-size: 0.85em; white-space: pre-wrap;
  word-break: break-all; } mark { background: #ffe28a; }
.note { color: #555; } .who { color: #555; font-size: 0.9em; }
"""


def _page(assignment, rows, summaries, total, pairs, compared, threshold, summary, compared_any):
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{e(POLICY)}">',
        '<meta name="referrer" content="no-referrer">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>Class report: {e(assignment.name)}</title><style>{STYLE}</style></head><body>",
        f"<h1>Class report: {e(assignment.name)}</h1>",
        "<pre>" + e("\n".join(summary)) + "</pre>",
        "<h2>Scores</h2>",
        _image("scores.png", "Histogram of the students' total scores"),
        _scores_table(rows, total),
        "<h2>Questions</h2>",
        _image("questions.png", "Bar chart: share of graded students with full points on each question"),
        *(_question_section(summary_) for summary_ in summaries),
        "<h2>Not graded</h2>",
        _not_graded(rows),
        "<h2>Time per submission</h2>",
        _image("times.png", "Bar chart of the seconds each submission took, slowest first"),
        _times(rows),
    ]
    if compared_any:
        parts += ["<h2>Similar answers</h2>", _similar_section(pairs, compared, threshold)]
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def _image(name, alt):
    return f'<p><img src="{FIGURES}/{e(name)}" alt="{e(alt)}"></p>'


def _scores_table(rows, total):
    scores = [row.total() for row in rows]
    if not scores:
        return "<p>No submissions.</p>"
    head = ("<table><tr><th>students</th><th>mean</th><th>median</th><th>lowest</th><th>highest</th>"
            "<th>full marks</th><th>zero</th></tr>")
    cells = [len(scores), f"{statistics.mean(scores):.2f}", f"{statistics.median(scores):g}", f"{min(scores):g}",
             f"{max(scores):g}", sum(score >= total for score in scores), sum(score == 0 for score in scores)]
    return head + "<tr>" + "".join(f'<td class="n">{e(cell)}</td>' for cell in cells) + "</tr></table>"


def _question_section(summary):
    parts = [f"<h3>{e(summary.id)} ({summary.points:g} points)</h3>",
             f"<p>{course_text(summary.title)}: <strong>{summary.got} of {summary.graded}</strong> "
             "graded students got it "
             f"({100 * summary.share:.0f}%).</p>"]
    if summary.mistakes or summary.others:
        parts.append("<table><tr><th>students</th><th>diagnosed mistake</th><th>message</th><th>who</th></tr>")
        for mistake, count in summary.mistakes.most_common():
            parts.append(f'<tr><td class="n">{count}</td><td><code>{e(mistake)}</code></td>'
                         f"<td>{e(summary.messages[mistake])}</td>"
                         f'<td class="who">{e(", ".join(summary.who[mistake]))}</td></tr>')
        for message, count in summary.others.most_common():
            parts.append(f'<tr><td class="n">{count}</td><td>(no listed mistake)</td><td>{e(message)}</td>'
                         f'<td class="who">{e(", ".join(summary.who[message]))}</td></tr>')
        parts.append("</table>")
    return "\n".join(parts)


def _not_graded(rows):
    missing = [row for row in rows if row.status in NOT_GRADED]
    if not missing:
        return "<p>Every submission was graded.</p>"
    counts = Counter(row.status for row in missing)
    parts = ["<p>" + e(", ".join(f"{count} {status}" for status, count in sorted(counts.items())))
             + " (zero points each).</p>",
             "<table><tr><th>student</th><th>status</th><th>seconds</th><th>reasons</th></tr>"]
    for row in missing:
        parts.append(f"<tr><td>{e(row.student)}</td><td>{e(row.status)}</td><td class=\"n\">{row.seconds:.0f}</td>"
                     f"<td>{e('; '.join(row.reasons))}</td></tr>")
    parts.append("</table>")
    return "\n".join(parts)


def _times(rows):
    timed = sorted((row for row in rows if row.seconds), key=lambda row: -row.seconds)
    if not timed:
        return ""
    seconds = [row.seconds for row in timed]
    slowest = ", ".join(f"{e(row.student)} ({row.seconds:.0f} s, {e(row.status)})" for row in timed[:5])
    return (f"<p>{len(timed)} submissions ran: median {statistics.median(seconds):.0f} s, "
            f"total {sum(seconds):.0f} s. Slowest: {slowest}.</p>")


def _similar_section(pairs, compared, threshold):
    parts = [f"<p>{compared} pairs of submissions were compared on their answer cells (the given code and the "
             "released notebook's text left out; names, strings and comments do not count), with MOSS's winnowing "
             f"(copydetect). Listed: the {len(pairs)} pair{'s' * (len(pairs) != 1)} where each answer shares at "
             f"least {threshold:g} of its code with the other (<code>--similarity-threshold</code>). "
             "<strong>Nothing is decided here</strong>: similar answers to a short exercise can be honest; read "
             "them. Shared code is marked.</p>",
             _image("similarity.png", "Histogram of the similarity of every pair of submissions, with the threshold")]
    if pairs:
        parts.append("<table><tr><th>students</th><th>share of the first's answer found in the second's</th>"
                     "<th>the other way round</th></tr>")
        parts += [f"<tr><td>{e(pair.first)} and {e(pair.second)}</td><td class=\"n\">{pair.shares[0]:.0%}</td>"
                  f"<td class=\"n\">{pair.shares[1]:.0%}</td></tr>" for pair in pairs]
        parts.append("</table>")
    if len(pairs) > MAX_PAIRS_SHOWN:
        parts.append(f"<p>The code of the {MAX_PAIRS_SHOWN} most similar pairs:</p>")
    for pair in pairs[:MAX_PAIRS_SHOWN]:
        parts.append(f"<h3>{e(pair.first)} and {e(pair.second)}: {pair.shares[0]:.0%} and {pair.shares[1]:.0%} "
                     "shared</h3>")
        parts.append('<div class="pair">' + "".join(
            f"<div><p>{e(student)}</p><pre>{_marked(code, spans)}</pre></div>"
            for student, code, spans in zip((pair.first, pair.second), pair.code, pair.spans)) + "</div>")
    return "\n".join(parts)


def _marked(code, spans, context=CONTEXT_LINES):
    """The code escaped, the shared spans in <mark>, and only the lines near shared code (gaps shown as ...)."""
    lines, start = [], 0
    for line in code.split("\n"):
        lines.append((start, start + len(line)))
        start += len(line) + 1
    shared = {number for number, (first, last) in enumerate(lines)
              for a, b in spans if a < max(last, first + 1) and b > first}
    kept = sorted({near for number in shared for near in range(number - context, number + context + 1)
                   if 0 <= near < len(lines)})
    out, previous = [], -1
    for number in kept:
        if number != previous + 1:
            out.append("...")
        first, last = lines[number]
        out.append(_mark_line(code, first, last, spans))
        previous = number
    if kept and kept[-1] != len(lines) - 1:
        out.append("...")
    return "\n".join(out)


def _mark_line(code, first, last, spans):
    out, at = [], first
    for a, b in spans:
        a, b = max(a, first), min(b, last)
        if a >= b:
            continue
        out += [e(code[at:a]), "<mark>", e(code[a:b]), "</mark>"]
        at = b
    out.append(e(code[at:last]))
    return "".join(out)
