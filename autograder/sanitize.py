"""What a submission produced, made inert before it reaches the instructor's browser or spreadsheet.

The autograded notebooks (which nbgrader's formgrader opens in the instructor's
Jupyter session) and the feedback pages made from them show a submission's
outputs and text. Any of them may carry HTML with scripts or event handlers, a
JavaScript output, an SVG with a script, or a widget state that loads code.
Here every output becomes one that browsers only display: text, and PNG, JPEG
or GIF images whose data are checked to be base64 (they end up in a ``data:``
URL); everything else is dropped and a line of text says so. Markdown and raw
cells that the student wrote or changed are shown as literal text.

A grades CSV opened in a spreadsheet runs a cell that starts with ``=``, ``+``,
``-`` or ``@`` (and tab or carriage return, which some spreadsheets skip before
one of those) as a formula: ``csv_cell`` prefixes such a cell with a quote, as
OWASP recommends against CSV injection.
"""

import re

import nbformat

TEXT = "text/plain"
IMAGES = {"image/png", "image/jpeg", "image/gif"}
BASE64 = re.compile(r"[A-Za-z0-9+/=\s]*")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
NOTEBOOK_METADATA = ("kernelspec", "language_info")


def removed(kinds):
    return (f"[{', '.join(sorted(kinds))} output removed by the grader: "
            "a submission's HTML, scripts and other active content are not shown]")


def csv_cell(value):
    """``value`` as a CSV cell that no spreadsheet runs as a formula (OWASP: CSV injection)."""
    text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def one_line(text, limit=400):
    """``text`` as one line of a terminal: no control characters (a student's error may hold escape codes)."""
    text = re.sub(r"[\x00-\x1f\x7f-\x9f]+", " ", str(text))
    return text if len(text) <= limit else text[:limit - 3] + "..."


def _text(value):
    """nbformat allows text as a string or a list of strings; anything else is not shown."""
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return "".join(value)
    return None


def safe_output(output):
    """An output that only displays (text, checked images), or None when nothing of it can be kept."""
    if not isinstance(output, dict):
        return None
    kind = output.get("output_type")
    if kind == "stream":
        text = _text(output.get("text", ""))
        name = "stderr" if output.get("name") == "stderr" else "stdout"
        return nbformat.v4.new_output("stream", name=name, text=text) if text is not None else None
    if kind == "error":
        traceback = output.get("traceback", [])
        traceback = [line for line in traceback if isinstance(line, str)] if isinstance(traceback, list) else []
        return nbformat.v4.new_output("error", ename=_text(output.get("ename")) or "Error",
                                      evalue=_text(output.get("evalue")) or "", traceback=traceback)
    if kind in ("display_data", "execute_result"):
        data = output.get("data")
        if not isinstance(data, dict):
            return None
        kept = {}
        for mime, value in data.items():
            if mime == TEXT and _text(value) is not None:
                kept[mime] = _text(value)
            elif mime in IMAGES and isinstance(value, str) and BASE64.fullmatch(value):
                kept[mime] = value
        dropped = set(data) - set(kept)
        if dropped:
            note = removed(str(kind)[:40] for kind in dropped)
            kept[TEXT] = f"{kept[TEXT]}\n{note}" if TEXT in kept else note
        return nbformat.v4.new_output("display_data", data=kept)
    return None


def safe_outputs(outputs):
    """The outputs that can be shown, made safe; one that cannot even be read is left out."""
    shown = []
    for output in outputs if isinstance(outputs, list) else []:
        try:
            output = safe_output(output)
        except Exception:  # noqa: BLE001 (written in the sandbox: may be anything)
            output = None
        if output is not None:
            shown.append(output)
    return shown


def as_literal_text(source):
    """Markdown that shows ``source`` as it is, in a code block: no HTML, link or image of it is rendered."""
    fence = "`" * max(3, 1 + max((len(run) for run in re.findall(r"`+", source)), default=0))
    return f"{fence}text\n{source}\n{fence}"


def safe_notebook(notebook, released):
    """``notebook`` with no active content outside its outputs (those are made safe one by one elsewhere).

    Markdown cells the release has, word for word, are the course's own text and
    kept; every other markdown or raw cell is shown as literal text. Notebook and
    cell metadata are cut to what nbgrader and Jupyter need (widget states, for
    one, would load code).
    """
    own_text = {cell.source for cell in released.cells if cell.cell_type == "markdown"}
    notebook.metadata = {key: notebook.metadata[key] for key in NOTEBOOK_METADATA if key in notebook.metadata}
    for index, cell in enumerate(notebook.cells):
        metadata = {"nbgrader": cell.metadata["nbgrader"]} if "nbgrader" in cell.get("metadata", {}) else {}
        if cell.cell_type == "code":
            cell.metadata = metadata
            continue
        if cell.cell_type == "markdown" and cell.source in own_text and not cell.get("attachments"):
            cell.metadata = metadata
            continue
        literal = nbformat.v4.new_markdown_cell(as_literal_text(str(cell.source)))
        if cell.get("id"):
            literal.id = cell.id
        notebook.cells[index] = literal
    return notebook
