"""Plotting helpers shared by the chapters of the course.

Two kinds of pictures live here:

* time-series plots (:func:`plot_series`), used by the forecasting notebooks;
* diagrams of recurrent networks (:func:`draw_rnn_unrolled`,
  :func:`draw_rnn_compact` and the others below, down to the inside of a GRU
  and an LSTM cell), drawn with plain matplotlib so that the book needs no
  image files and no extra dependency.

The diagrams are built from three small private primitives, ``_box``,
``_arrow`` and ``_label``, working in data coordinates on an Axes with equal
aspect (plus ``_op``, the circle of an elementwise operation, inside gated
cells), so that every chapter's pictures have the same look.  Every function returns the Axes it drew on and
never calls ``plt.show()``.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
from matplotlib import patheffects
from matplotlib.patches import Circle, FancyArrowPatch, FancyBboxPatch, Rectangle
from matplotlib.path import Path
from matplotlib.ticker import MaxNLocator

__all__ = ["plot_series", "plot_histories", "draw_rnn_unrolled", "draw_rnn_compact"]

# One colour per kind of shared parameter, the same in every diagram, so that a
# reader can see at a glance that all arrows of one colour use one matrix.
COLORS = {
    "ax": "#1f77b4",  # input -> hidden, W_ax
    "aa": "#d62728",  # hidden -> hidden, W_aa
    "ya": "#2ca02c",  # hidden -> output, W_ya
    "cell": "#fdf3d8",  # fill of a recurrent cell
    "edge": "#333333",
}
FONTSIZE = 13


# ---------------------------------------------------------------------------
# Time series
# ---------------------------------------------------------------------------
def plot_series(time, series, ax=None, start=0, end=None, label=None, fmt="-"):
    """Plot ``series`` against ``time``, optionally only the slice ``start:end``.

    Parameters
    ----------
    time, series : array-like of the same length
    ax : matplotlib Axes, optional
        Where to draw; a new figure is created when omitted.
    start, end : int, optional
        Slice of the data to show (``end=None`` means up to the last point).
    label : str, optional
        Legend entry; a legend is drawn when given.
    fmt : str
        Matplotlib format string, e.g. ``"-"`` or ``"."``.

    Returns
    -------
    matplotlib.axes.Axes
    """
    if len(time) != len(series):
        raise ValueError(f"time has {len(time)} points but series has {len(series)}")
    if ax is None:
        _, ax = plt.subplots(figsize=(10, 4))
    ax.plot(time[start:end], series[start:end], fmt, label=label)
    ax.set_xlabel("Time")
    ax.set_ylabel("Value")
    ax.grid(True, alpha=0.3)
    if label is not None:
        ax.legend()
    return ax


def plot_histories(histories, key="accuracy", columns=4, empty_text="no stored results yet"):
    """One small panel per run: ``key`` on the training data and on the validation data, epoch by epoch.

    ``histories`` maps a title to a Keras ``History.history`` dict (``key`` and ``"val_" + key`` lists). With no
    run at all, one panel says ``empty_text``, so a page that reads stored results draws before they exist.
    Returns the figure.
    """
    rows = max(1, -(-len(histories) // columns))
    fig, axes = plt.subplots(rows, columns, figsize=(3.3 * columns, 2.8 * rows), squeeze=False, sharey=True)
    for ax, (title, history) in zip(axes.flat, histories.items()):
        epochs = range(1, len(history[key]) + 1)
        ax.plot(epochs, history[key], ".-", label="training")
        ax.plot(epochs, history[f"val_{key}"], ".-", label="validation")
        ax.set_title(title, fontsize=9)
        ax.set_xlabel("epoch")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # epochs are whole numbers
        ax.grid(True, alpha=0.3)
    for ax in axes.flat[len(histories):]:
        ax.axis("off")
    if histories:
        for ax in axes[:, 0]:
            ax.set_ylabel(key)
        axes.flat[0].legend(fontsize=8)
    else:
        axes.flat[0].text(0.5, 0.5, empty_text, ha="center", va="center", transform=axes.flat[0].transAxes)
    fig.tight_layout()
    return fig


# ---------------------------------------------------------------------------
# Drawing primitives (data coordinates, equal aspect)
# ---------------------------------------------------------------------------
def _box(ax, center, width, height, text=None, fill=COLORS["cell"], gid=None):
    """Draw a rounded box centred on ``center``; return its edge positions."""
    cx, cy = center
    patch = FancyBboxPatch(
        (cx - width / 2, cy - height / 2),
        width,
        height,
        boxstyle="round,pad=0,rounding_size=0.08",
        facecolor=fill,
        edgecolor=COLORS["edge"],
        linewidth=1.5,
        zorder=2,
    )
    if gid is not None:
        patch.set_gid(gid)
    ax.add_patch(patch)
    if text is not None:
        _label(ax, center, text, fontsize=FONTSIZE + 1)
    return {
        "left": cx - width / 2,
        "right": cx + width / 2,
        "bottom": cy - height / 2,
        "top": cy + height / 2,
    }


def _arrow(ax, *points, color=COLORS["edge"], gid=None):
    """Draw an arrow through ``points`` (two or more (x, y) pairs, data units).

    The tip lands exactly on the last point; with more than two points the
    arrow follows the polyline, which is how loops are drawn.
    """
    if len(points) < 2:
        raise ValueError("an arrow needs at least two points")
    style = dict(arrowstyle="-|>", mutation_scale=14, linewidth=1.6, color=color,
                 shrinkA=0, shrinkB=0, zorder=3, joinstyle="round")
    if len(points) == 2:
        patch = FancyArrowPatch(points[0], points[1], **style)
    else:
        codes = [Path.MOVETO] + [Path.LINETO] * (len(points) - 1)
        patch = FancyArrowPatch(path=Path(points, codes), **style)
    if gid is not None:
        patch.set_gid(gid)
    ax.add_patch(patch)
    return patch


def _label(ax, xy, text, color="black", fontsize=FONTSIZE, ha="center", va="center"):
    """Write ``text`` (mathtext allowed) at ``xy`` in data coordinates."""
    return ax.text(xy[0], xy[1], text, color=color, fontsize=fontsize, ha=ha, va=va, zorder=4)


def _sup(name, t):
    """Mathtext for a sequence element, e.g. ``_sup('x', 1)`` -> x^<1>."""
    return rf"${name}^{{\langle {t}\rangle}}$"


def _new_axes(ax, width, height):
    if ax is None:
        _, ax = plt.subplots(figsize=(width, height))
    return ax


def _finish(ax, xlim, ylim):
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_aspect("equal")
    ax.axis("off")
    return ax


# ---------------------------------------------------------------------------
# Recurrent network diagrams
# ---------------------------------------------------------------------------
_CELL_W, _CELL_H = 1.0, 0.8  # size of a cell box
_STEP = 2.0  # horizontal distance between two time steps
_IO_GAP = 1.35  # vertical distance from the cell centre to x / y_hat labels


def draw_rnn_unrolled(T_x=4, ax=None, show_outputs=True):
    """Draw a recurrent network unrolled over ``T_x`` time steps.

    Each time step is one box holding the hidden state ``a^<t>``; the input
    ``x^<t>`` enters from below through ``W_ax``, the previous state arrives
    from the left through ``W_aa`` (starting from ``a^<0>``) and, when
    ``show_outputs`` is true, the prediction ``y_hat^<t>`` leaves upwards
    through ``W_ya``.  ``show_outputs="last"`` draws only ``y_hat^<T_x>``
    (a many-to-one network).  Arrows of one colour use one shared matrix,
    which the note under the picture states in words.

    Returns
    -------
    matplotlib.axes.Axes
    """
    if isinstance(T_x, bool) or not isinstance(T_x, int) or T_x < 1:
        raise ValueError(f"T_x must be a positive integer, got {T_x!r}")
    if show_outputs not in (True, False, "last"):
        raise ValueError(f"show_outputs must be True, False or 'last', got {show_outputs!r}")

    x_a0 = 0.0
    xs = [_STEP * t for t in range(1, T_x + 1)]  # centres of the cells
    top = _IO_GAP + 0.35 if show_outputs else _CELL_H / 2 + 0.2
    ax = _new_axes(ax, width=1.0 + 1.55 * T_x, height=1.1 + 0.62 * (top + _IO_GAP + 0.9))

    _label(ax, (x_a0, 0), _sup("a", 0), fontsize=FONTSIZE + 1)
    prev_right = x_a0 + 0.32  # where the arrow out of a^<0> starts
    for t, cx in enumerate(xs, start=1):
        edges = _box(ax, (cx, 0), _CELL_W, _CELL_H, _sup("a", t), gid="rnn-cell")

        # previous hidden state -> this cell, through W_aa
        _arrow(ax, (prev_right, 0), (edges["left"], 0), color=COLORS["aa"])
        mid = (prev_right + edges["left"]) / 2
        _label(ax, (mid, 0.2), "$W_{aa}$", color=COLORS["aa"], fontsize=FONTSIZE - 2)
        prev_right = edges["right"]

        # input x^<t> -> this cell, through W_ax
        _label(ax, (cx, -_IO_GAP), _sup("x", t))
        _arrow(ax, (cx, -_IO_GAP + 0.22), (cx, edges["bottom"]), color=COLORS["ax"])
        _label(ax, (cx + 0.1, (-_IO_GAP + edges["bottom"]) / 2 + 0.1), "$W_{ax}$",
               color=COLORS["ax"], fontsize=FONTSIZE - 2, ha="left")

        # this cell -> prediction y_hat^<t>, through W_ya
        if show_outputs is True or (show_outputs == "last" and t == T_x):
            _label(ax, (cx, _IO_GAP), _sup(r"\hat{y}", t))
            _arrow(ax, (cx, edges["top"]), (cx, _IO_GAP - 0.25), color=COLORS["ya"])
            _label(ax, (cx + 0.1, (edges["top"] + _IO_GAP) / 2 - 0.08), "$W_{ya}$",
                   color=COLORS["ya"], fontsize=FONTSIZE - 2, ha="left")

    shared = r"$W_{ax}$, $W_{aa}$, $W_{ya}$, $b_a$, $b_y$" if show_outputs else r"$W_{ax}$, $W_{aa}$, $b_a$"
    sep = "\n" if T_x <= 2 else " "  # a short picture gets a two-line note
    note_y = -_IO_GAP - (0.75 if T_x <= 2 else 0.6)
    _label(ax, ((x_a0 + xs[-1]) / 2, note_y), f"the same {shared}{sep}at every time step",
           color="#555555", fontsize=FONTSIZE - 2)
    return _finish(ax, (x_a0 - 0.5, xs[-1] + 0.8), (note_y - 0.5, top))


def draw_rnn_compact(ax=None):
    """Draw the compact (folded) picture of a recurrent network.

    One cell holds ``a^<t>``; ``x^<t>`` enters from below through ``W_ax``,
    ``y_hat^<t>`` leaves upwards through ``W_ya`` and a self-loop through
    ``W_aa`` feeds the state back.  The small black square on the loop marks a
    delay of one time step: the state that re-enters is ``a^<t-1>``.

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = _new_axes(ax, width=3.6, height=3.6)
    edges = _box(ax, (0, 0), _CELL_W, _CELL_H, _sup("a", "t"), gid="rnn-cell")

    _label(ax, (0, -_IO_GAP), _sup("x", "t"))
    _arrow(ax, (0, -_IO_GAP + 0.22), (0, edges["bottom"]), color=COLORS["ax"])
    _label(ax, (0.1, (-_IO_GAP + edges["bottom"]) / 2 + 0.1), "$W_{ax}$",
           color=COLORS["ax"], fontsize=FONTSIZE - 2, ha="left")

    _label(ax, (0, _IO_GAP), _sup(r"\hat{y}", "t"))
    _arrow(ax, (0, edges["top"]), (0, _IO_GAP - 0.25), color=COLORS["ya"])
    _label(ax, (0.1, (edges["top"] + _IO_GAP) / 2 - 0.08), "$W_{ya}$",
           color=COLORS["ya"], fontsize=FONTSIZE - 2, ha="left")

    # Self-loop on the right-hand side: out at the top of the right edge,
    # round, and back in at the bottom of the right edge.
    arm, half = 0.6, 0.22
    loop_x = edges["right"] + arm
    _arrow(ax, (edges["right"], half), (loop_x, half), (loop_x, -half), (edges["right"], -half),
           color=COLORS["aa"], gid="rnn-loop")
    size = 0.14
    delay = Rectangle((loop_x - size / 2, -size / 2), size, size, facecolor="black",
                      edgecolor="black", zorder=5, gid="rnn-delay")
    ax.add_patch(delay)
    _label(ax, (loop_x + 0.14, 0.13), "$W_{aa}$", color=COLORS["aa"],
           fontsize=FONTSIZE - 2, ha="left")
    _label(ax, (loop_x + 0.14, -0.15), "delay", color="#555555", fontsize=FONTSIZE - 4,
           ha="left")
    return _finish(ax, (-1.3, 2.0), (-_IO_GAP - 0.35, _IO_GAP + 0.35))


# ---------------------------------------------------------------------------
# The types of RNN (chapter 4)
# ---------------------------------------------------------------------------
RNN_TYPES = ("one-to-one", "one-to-many", "many-to-one", "many-to-many", "encoder-decoder")
_FED_BACK = "#7f7f7f"  # the arrow that carries an output back in as the next input
_DECODER_FILL = "#e3eefa"  # the decoder's cells: other parameters than the encoder's


def _input(ax, cx, edges, text):
    _label(ax, (cx, -_IO_GAP), text)
    _arrow(ax, (cx, -_IO_GAP + 0.22), (cx, edges["bottom"]), color=COLORS["ax"])


def _output(ax, cx, edges, t):
    _label(ax, (cx, _IO_GAP), _sup(r"\hat{y}", t))
    _arrow(ax, (cx, edges["top"]), (cx, _IO_GAP - 0.25), color=COLORS["ya"])


def _chain(ax, xs, first_t=1, start=None, fill=COLORS["cell"]):
    """Cells at ``xs`` joined left to right by W_aa arrows; ``start`` is where the first arrow begins."""
    cells, prev_right = [], start
    for t, cx in enumerate(xs, start=first_t):
        edges = _box(ax, (cx, 0), _CELL_W, _CELL_H, _sup("a", t), fill=fill, gid="rnn-cell")
        if prev_right is not None:
            _arrow(ax, (prev_right, 0), (edges["left"], 0), color=COLORS["aa"])
        prev_right = edges["right"]
        cells.append(edges)
    return cells


def draw_rnn_type(kind, ax=None, T_x=None, T_y=None):
    """Draw one of the five input/output patterns of a recurrent network.

    ``kind`` is one of :data:`RNN_TYPES`:

    * ``"one-to-one"``: one input, one output, no recurrence (a standard network);
    * ``"one-to-many"``: one input ``x`` at the first step (possibly empty), then
      each prediction fed back as the next input (grey arrows), ``T_y`` outputs;
    * ``"many-to-one"``: ``T_x`` inputs, one prediction from the last state;
    * ``"many-to-many"``: an output at every step, ``T_y = T_x``;
    * ``"encoder-decoder"``: an encoder reads ``T_x`` inputs without predicting;
      its last state is the initial state of a decoder (other parameters, blue
      cells) that makes ``T_y`` predictions, from inputs ``x_dec``.

    ``many-to-one`` and ``many-to-many`` are :func:`draw_rnn_unrolled`.

    Returns
    -------
    matplotlib.axes.Axes
    """
    if kind not in RNN_TYPES:
        raise ValueError(f"kind must be one of {', '.join(RNN_TYPES)}; got {kind!r}")
    for name, value in (("T_x", T_x), ("T_y", T_y)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
            raise ValueError(f"{name} must be a positive integer, got {value!r}")

    if kind == "many-to-many":
        if T_y is not None and T_x is not None and T_y != T_x:
            raise ValueError("a many-to-many network with T_y != T_x is an encoder-decoder")
        return draw_rnn_unrolled(T_x or T_y or 4, ax=ax)
    if kind == "many-to-one":
        return draw_rnn_unrolled(T_x or 4, ax=ax, show_outputs="last")

    if kind == "one-to-one":
        ax = _new_axes(ax, width=1.6, height=3.4)
        edges = _box(ax, (0, 0), _CELL_W, _CELL_H, "$a$", gid="rnn-cell")
        _label(ax, (0, -_IO_GAP), "$x$")
        _arrow(ax, (0, -_IO_GAP + 0.22), (0, edges["bottom"]), color=COLORS["ax"])
        _label(ax, (0, _IO_GAP), r"$\hat{y}$")
        _arrow(ax, (0, edges["top"]), (0, _IO_GAP - 0.25), color=COLORS["ya"])
        return _finish(ax, (-0.8, 0.8), (-_IO_GAP - 0.5, _IO_GAP + 0.4))

    if kind == "one-to-many":
        T_y = T_y or 4
        xs = [_STEP * t for t in range(1, T_y + 1)]
        ax = _new_axes(ax, width=1.0 + 1.55 * T_y, height=3.6)
        _label(ax, (0, 0), _sup("a", 0), fontsize=FONTSIZE + 1)
        cells = _chain(ax, xs, start=0.32)
        _input(ax, xs[0], cells[0], "$x$")
        for t, (cx, edges) in enumerate(zip(xs, cells), start=1):
            _output(ax, cx, edges, t)
            if t > 1:  # the previous prediction is this step's input
                _arrow(ax, (cx, -_IO_GAP + 0.05), (cx, edges["bottom"]), color=COLORS["ax"])
                back = _arrow(ax, (xs[t - 2] + 0.3, _IO_GAP), (cx - 0.62, _IO_GAP),
                              (cx - 0.62, -_IO_GAP), (cx - 0.08, -_IO_GAP), color=_FED_BACK, gid="fed-back")
                back.set_linestyle("--")
        return _finish(ax, (-0.5, xs[-1] + 0.8), (-_IO_GAP - 0.5, _IO_GAP + 0.4))

    # encoder-decoder
    T_x, T_y = T_x or 3, T_y or 2
    xs_enc = [_STEP * t for t in range(1, T_x + 1)]
    xs_dec = [_STEP * (T_x + t) + 0.4 for t in range(1, T_y + 1)]
    ax = _new_axes(ax, width=1.2 + 1.55 * (T_x + T_y), height=3.8)
    _label(ax, (0, 0), _sup("a", 0), fontsize=FONTSIZE + 1)
    encoder = _chain(ax, xs_enc, start=0.32)
    for t, (cx, edges) in enumerate(zip(xs_enc, encoder), start=1):
        _input(ax, cx, edges, _sup("x", t))
    decoder = _chain(ax, xs_dec, first_t=T_x + 1, start=encoder[-1]["right"], fill=_DECODER_FILL)
    for t, (cx, edges) in enumerate(zip(xs_dec, decoder), start=1):
        _input(ax, cx, edges, rf"$x_{{\mathrm{{dec}}}}^{{\langle {t}\rangle}}$")
        _output(ax, cx, edges, t)
    top = _IO_GAP + 0.35
    for name, xs in (("encoder", xs_enc), ("decoder", xs_dec)):
        _label(ax, ((xs[0] + xs[-1]) / 2, top + 0.25), name, color="#555555", fontsize=FONTSIZE - 1)
    return _finish(ax, (-0.5, xs_dec[-1] + 0.8), (-_IO_GAP - 0.5, top + 0.55))


__all__.append("draw_rnn_type")


# Backpropagation through time (chapter 3): the unrolled graph with a loss per step.
COLORS.setdefault("grad", "#ff7f0e")  # gradients, drawn dashed, flowing right to left
COLORS.setdefault("loss", "#fde0dc")  # fill of a loss box


def draw_bptt(T_x=4, ax=None):
    """Draw backpropagation through time on a recurrent network unrolled over ``T_x`` steps.

    The forward pass (solid arrows) is that of :func:`draw_rnn_unrolled`, with
    the loss of each step ``L^<t>`` computed from ``y_hat^<t>`` and the target
    ``y^<t>``, and the total loss ``L``, their sum, on top.  The backward pass
    (dashed orange arrows) goes down from each loss to its state and from each
    state to the one before it, right to left, down to ``a^<0>``.

    Returns
    -------
    matplotlib.axes.Axes
    """
    if isinstance(T_x, bool) or not isinstance(T_x, int) or T_x < 1:
        raise ValueError(f"T_x must be a positive integer, got {T_x!r}")

    xs = [_STEP * t for t in range(1, T_x + 1)]  # centres of the cells
    loss_y, total_y, loss_w, loss_h = 2.65, 3.95, 0.8, 0.5
    ax = _new_axes(ax, width=1.0 + 1.55 * T_x, height=5.4)

    def backward(*points):
        arrow = _arrow(ax, *points, color=COLORS["grad"], gid="bptt-grad")
        arrow.set_linestyle((0, (3, 2)))
        return arrow

    total = _box(ax, ((xs[0] + xs[-1]) / 2, total_y), max(xs[-1] - xs[0] + loss_w, 2.2), loss_h,
                 fill=COLORS["loss"], gid="bptt-total")
    terms = "+".join(_sup("L", t)[1:-1] for t in ([1, T_x] if T_x > 3 else range(1, T_x + 1)))
    if T_x > 3:
        terms = terms.replace("+", r"+\cdots+")
    _label(ax, ((xs[0] + xs[-1]) / 2, total_y), f"$L = {terms}$")

    _label(ax, (0, 0), _sup("a", 0), fontsize=FONTSIZE + 1)
    prev_right = 0.32  # right end of the a^<0> label
    for t, cx in enumerate(xs, start=1):
        edges = _box(ax, (cx, 0), _CELL_W, _CELL_H, _sup("a", t), gid="rnn-cell")

        # forward: previous state -> this cell (W_aa) above the axis, backward below it
        _arrow(ax, (prev_right, 0.15), (edges["left"], 0.15), color=COLORS["aa"])
        backward((edges["left"], -0.2), (prev_right, -0.2))
        prev_right = edges["right"]

        _label(ax, (cx, -_IO_GAP), _sup("x", t))
        _arrow(ax, (cx, -_IO_GAP + 0.22), (cx, edges["bottom"]), color=COLORS["ax"])

        # forward: cell -> y_hat -> loss (with the target y^<t> from the right)
        _label(ax, (cx, _IO_GAP), _sup(r"\hat{y}", t))
        _arrow(ax, (cx + 0.12, edges["top"]), (cx + 0.12, _IO_GAP - 0.25), color=COLORS["ya"])
        loss = _box(ax, (cx, loss_y), loss_w, loss_h, _sup("L", t), fill=COLORS["loss"], gid="bptt-loss")
        _arrow(ax, (cx + 0.12, _IO_GAP + 0.25), (cx + 0.12, loss["bottom"]), color=COLORS["edge"])
        _label(ax, (cx + 0.85, loss_y - 0.6), _sup("y", t), fontsize=FONTSIZE - 1)
        _arrow(ax, (cx + 0.72, loss_y - 0.38), (loss["right"], loss_y - 0.12), color=COLORS["edge"])
        _arrow(ax, (cx + 0.12, loss["top"]), (cx + 0.12, total["bottom"]), color=COLORS["edge"])

        # backward: loss -> y_hat -> cell, on the left of the forward arrows
        backward((cx - 0.12, loss["bottom"]), (cx - 0.12, _IO_GAP + 0.25))
        backward((cx - 0.12, _IO_GAP - 0.25), (cx - 0.12, edges["top"]))

    note_y = -_IO_GAP - 0.65
    _label(ax, ((xs[0] + xs[-1]) / 2, note_y),
           "solid: forward pass    dashed: gradients, from right to left",
           color="#555555", fontsize=FONTSIZE - 2)
    return _finish(ax, (-0.5, max(xs[-1] + 1.2, 3.4)), (note_y - 0.4, total_y + 0.45))


__all__.append("draw_bptt")


# Bidirectional and deep RNNs (chapters 9 and 10).
COLORS.setdefault("bwd", "#e3eefa")  # fill of the backward direction's cells: weights of their own
COLORS.setdefault("bwd_edge", "#9467bd")  # the backward recurrence, right to left


def draw_brnn(T_x=4, ax=None):
    """Draw a bidirectional RNN unrolled over ``T_x`` steps.

    The forward cells ``a_fwd^<t>`` (yellow) are chained left to right from
    ``a_fwd^<0>``; the backward cells ``a_bwd^<t>`` (blue, weights of their own)
    right to left from ``a_bwd^<T_x+1>``. Each input ``x^<t>`` feeds both cells of
    its step, and each prediction ``y_hat^<t>`` reads both: the graph has no cycle.

    Returns
    -------
    matplotlib.axes.Axes
    """
    if isinstance(T_x, bool) or not isinstance(T_x, int) or T_x < 1:
        raise ValueError(f"T_x must be a positive integer, got {T_x!r}")
    xs = [_STEP * t for t in range(1, T_x + 1)]
    y_fwd, y_bwd, y_x, y_out = 0.0, 1.2, -1.35, 2.65
    ax = _new_axes(ax, width=1.4 + 1.55 * T_x, height=5.0)
    sup2 = lambda name, t: rf"${name}^{{\langle {t}\rangle}}$"  # noqa: E731

    _label(ax, (-0.1, y_fwd), sup2(r"a_{\mathrm{fwd}}", 0), fontsize=FONTSIZE)
    _label(ax, (xs[-1] + _STEP + 0.05, y_bwd), sup2(r"a_{\mathrm{bwd}}", T_x + 1), fontsize=FONTSIZE)
    forward = [_box(ax, (cx, y_fwd), _CELL_W * 1.15, _CELL_H * 0.8, sup2(r"a_{\mathrm{fwd}}", t), gid="rnn-cell")
               for t, cx in enumerate(xs, start=1)]
    backward = [_box(ax, (cx, y_bwd), _CELL_W * 1.15, _CELL_H * 0.8, sup2(r"a_{\mathrm{bwd}}", t), fill=COLORS["bwd"],
                     gid="brnn-backward-cell") for t, cx in enumerate(xs, start=1)]
    prev = 0.4
    for edges in forward:
        _arrow(ax, (prev, y_fwd), (edges["left"], y_fwd), color=COLORS["aa"])
        prev = edges["right"]
    prev = xs[-1] + _STEP - 0.6
    for edges in reversed(backward):
        _arrow(ax, (prev, y_bwd), (edges["right"], y_bwd), color=COLORS["bwd_edge"])
        prev = edges["left"]
    for t, (cx, fwd, bwd) in enumerate(zip(xs, forward, backward), start=1):
        _label(ax, (cx, y_x), _sup("x", t))
        _arrow(ax, (cx, y_x + 0.22), (cx, fwd["bottom"]), color=COLORS["ax"])
        # x^<t> also feeds the backward cell, around the forward one
        _arrow(ax, (cx - 0.15, y_x + 0.22), (cx - 0.62, y_x + 0.6), (cx - 0.62, y_bwd - 0.55),
               (cx - 0.3, bwd["bottom"]), color=COLORS["ax"])
        _label(ax, (cx, y_out), _sup(r"\hat{y}", t))
        _arrow(ax, (cx, bwd["top"]), (cx, y_out - 0.25), color=COLORS["ya"])
        _arrow(ax, (cx + 0.3, fwd["top"]), (cx + 0.62, fwd["top"] + 0.2), (cx + 0.62, y_out - 0.5),
               (cx + 0.15, y_out - 0.25), color=COLORS["ya"])
    note_y = y_x - 0.6
    _label(ax, ((xs[0] + xs[-1]) / 2, note_y), "forward: left to right    backward: right to left, weights of its own",
           color="#555555", fontsize=FONTSIZE - 3)
    return _finish(ax, (-0.6, xs[-1] + _STEP + 0.7), (note_y - 0.35, y_out + 0.4))


__all__.append("draw_brnn")


def draw_deep_rnn(L=3, T_x=4, ax=None):
    """Draw a deep RNN of ``L`` stacked recurrent layers unrolled over ``T_x`` steps.

    Cell ``a^[l]<t>`` receives ``a^[l]<t-1>`` from the left (layer l's recurrent
    weights) and ``a^[l-1]<t>`` from below (``x^<t>`` for layer 1); the
    predictions ``y_hat^<t>`` read the top layer.

    Returns
    -------
    matplotlib.axes.Axes
    """
    for name, value in (("L", L), ("T_x", T_x)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}")
    xs = [_STEP * t for t in range(1, T_x + 1)]
    rise = 1.3
    ys = [rise * l for l in range(L)]
    ax = _new_axes(ax, width=1.4 + 1.55 * T_x, height=2.6 + 1.0 * L)
    below = [None] * T_x
    for l, cy in enumerate(ys, start=1):
        _label(ax, (0, cy), rf"$a^{{[{l}]\langle 0\rangle}}$", fontsize=FONTSIZE - 1)
        prev = 0.42
        for t, cx in enumerate(xs, start=1):
            edges = _box(ax, (cx, cy), _CELL_W * 1.1, _CELL_H * 0.8, rf"$a^{{[{l}]\langle {t}\rangle}}$",
                         gid="rnn-cell")
            _arrow(ax, (prev, cy), (edges["left"], cy), color=COLORS["aa"])
            prev = edges["right"]
            if l == 1:
                _label(ax, (cx, cy - _IO_GAP), _sup("x", t))
                _arrow(ax, (cx, cy - _IO_GAP + 0.22), (cx, edges["bottom"]), color=COLORS["ax"])
            else:
                _arrow(ax, (cx, below[t - 1]["top"]), (cx, edges["bottom"]), color=COLORS["ax"])
            below[t - 1] = edges
        _label(ax, (xs[-1] + 1.05, cy), f"layer {l}", color="#555555", fontsize=FONTSIZE - 3, ha="left")
    for t, cx in enumerate(xs, start=1):
        _label(ax, (cx, ys[-1] + _IO_GAP), _sup(r"\hat{y}", t))
        _arrow(ax, (cx, below[t - 1]["top"]), (cx, ys[-1] + _IO_GAP - 0.25), color=COLORS["ya"])
    return _finish(ax, (-0.6, xs[-1] + 2.2), (-_IO_GAP - 0.4, ys[-1] + _IO_GAP + 0.4))


__all__.append("draw_deep_rnn")


# ---------------------------------------------------------------------------
# Inside a cell: the GRU (chapter 7) and the LSTM (chapter 8)
# ---------------------------------------------------------------------------
COLORS.setdefault("memory", "#8c564b")  # the memory cell c, along the top of a gated cell
COLORS.setdefault("gate", "#ece3f6")  # fill of a sigmoid gate
COLORS.setdefault("tanh", "#e2f0e2")  # fill of a tanh block
_OP_R = 0.22  # radius of an elementwise operation (x, +, 1-)
_GATE_W, _GATE_H = 0.9, 0.62  # size of a gate or tanh block
_MEMORY_Y, _OPS_Y, _GATES_Y, _BUS_Y = 5.0, 3.7, 2.4, 1.0  # rows of a gated cell, top to bottom
_CELL_Y, _CELL_HEIGHT = 2.825, 5.25  # the cell's outline, from y = 0.2 to 5.45
COLORS.setdefault("inside", "#fbf8ee")  # fill of a gated cell's outline


def _op(ax, center, symbol, gid="cell-op"):
    """An elementwise operation: a small white circle holding ``symbol``; returns its edges like ``_box``."""
    cx, cy = center
    ax.add_patch(Circle(center, _OP_R, facecolor="white", edgecolor=COLORS["edge"], linewidth=1.5,
                        zorder=3.5, gid=gid))
    _label(ax, center, symbol, fontsize=FONTSIZE - 4 if "-" in symbol else FONTSIZE)
    return {"left": cx - _OP_R, "right": cx + _OP_R, "bottom": cy - _OP_R, "top": cy + _OP_R}


def _gate(ax, cx, kind, name):
    """A sigmoid gate (``kind="sigma"``) or a tanh block on the gates' row, with the gid ``gate-<name>``."""
    edges = _box(ax, (cx, _GATES_Y), _GATE_W, _GATE_H, fill=COLORS["gate" if kind == "sigma" else "tanh"],
                 gid=f"gate-{name}")
    _tanh_or_sigma(ax, (cx, _GATES_Y), kind)
    return edges


def _tanh_or_sigma(ax, center, kind):
    """The name of a block's function, small enough for "tanh" to fit in a gate-sized box."""
    if kind == "sigma":
        return _label(ax, center, r"$\sigma$", fontsize=FONTSIZE + 1)
    return _label(ax, center, "tanh", fontsize=FONTSIZE - 2)


def _over(arrow):
    """Draw ``arrow`` with a white rim, so that where it crosses another arrow it is seen to pass over it."""
    arrow.set_path_effects([patheffects.Stroke(linewidth=6, foreground="white"), patheffects.Normal()])
    arrow.set_zorder(3.2)
    return arrow


def _gated_inputs(ax, junction_x, feeds):
    """The inputs of a gated cell, bottom left: ``a^<t-1>`` or ``c^<t-1>`` and ``x^<t>`` meet at a junction.

    From there one arrow per entry of ``feeds`` (the x positions of the blocks on the gates' row) carries the
    stacked column [a^<t-1>; x^<t>] up into that block.
    """
    _label(ax, (junction_x, -0.55), _sup("x", "t"))
    _arrow(ax, (junction_x, -0.3), (junction_x, _BUS_Y), color=COLORS["ax"], gid="input-x")
    ax.add_patch(Circle((junction_x, _BUS_Y), 0.06, color=COLORS["edge"], zorder=3.5))
    for cx in feeds:
        _arrow(ax, (junction_x, _BUS_Y), (cx, _BUS_Y), (cx, _GATES_Y - _GATE_H / 2), gid="stacked-input")


def _memory_line(ax, stops, x_end, gid="memory"):
    """The memory cell's path along the top: an arrow from each stop to the next, ending at ``x_end``.

    ``stops`` are (x, edges) pairs, the first the start of the line (edges None), the others operations.
    """
    arrows = []
    for (x0, e0), (x1, e1) in zip(stops, stops[1:] + [(x_end, None)]):
        start = x0 if e0 is None else e0["right"]
        end = x1 if e1 is None else e1["left"]
        arrow = _arrow(ax, (start, _MEMORY_Y), (end, _MEMORY_Y), color=COLORS["memory"], gid=gid)
        arrow.set_linewidth(2.6)
        arrow.set_zorder(3.4)  # over the arrows that leave it
        arrows.append(arrow)
    return arrows


def draw_gru_cell(full=True, ax=None):
    """Draw one step of a GRU in the course's notation (chapter 7).

    The memory ``c^<t-1>`` (which is also the state ``a^<t-1>``) runs along the top, is multiplied by
    ``1 - Gamma_u`` and added to ``Gamma_u * c~^<t>``, and leaves as ``c^<t>``, from which ``y_hat^<t>`` is read.
    Below, ``c^<t-1>`` and ``x^<t>`` feed the update gate ``Gamma_u`` and the candidate ``c~^<t>`` (a tanh);
    with ``full=True`` they also feed the relevance gate ``Gamma_r``, which multiplies ``c^<t-1>`` before the
    candidate reads it (the candidate then gets ``x^<t>`` on its own). Blocks have gids ``gate-u``,
    ``gate-r``, ``gate-c``; the memory's arrows ``memory``.

    Returns
    -------
    matplotlib.axes.Axes
    """
    if full not in (True, False):
        raise ValueError(f"full must be True or False, got {full!r}")
    junction, branch = 1.1, 0.3
    # x positions: update gate; relevance gate and its product (full GRU only); the carry product and
    # its 1 - Gamma_u; the candidate, with above it the update product and the sum on the memory line.
    x_u, x_r, x_reset = 2.2, 3.4, 4.5
    x_carry, x_cand = (5.4, 6.5) if full else (3.9, 5.3)
    x_right = x_cand + 1.3
    ax = _new_axes(ax, width=7.4 if full else 5.8, height=5.6)
    _box(ax, ((branch - 0.2 + x_right) / 2, _CELL_Y), x_right - branch + 0.2, _CELL_HEIGHT, fill=COLORS["inside"],
         gid="gru-cell")

    _label(ax, (-0.9, _MEMORY_Y), _sup("c", "t-1"))
    carry = _op(ax, (x_carry, _MEMORY_Y), r"$\times$")
    plus = _op(ax, (x_cand, _MEMORY_Y), "$+$")
    _memory_line(ax, [(-0.45, None), (x_carry, carry), (x_cand, plus)], x_right + 0.5)
    _label(ax, (x_right + 0.95, _MEMORY_Y), _sup("c", "t"))

    # c^<t-1> is also the state the gates read: down the left edge to meet x^<t>
    _arrow(ax, (branch, _MEMORY_Y), (branch, _BUS_Y), (junction, _BUS_Y), color=COLORS["aa"], gid="state-in")
    _gated_inputs(ax, junction, [x_u, x_r] if full else [x_u, x_cand])

    gate_u = _gate(ax, x_u, "sigma", "u")
    cand = _gate(ax, x_cand, "tanh", "c")
    one_minus = _op(ax, (x_carry, _OPS_Y), r"$1\!-$")
    update = _op(ax, (x_cand, _OPS_Y), r"$\times$")
    gamma_y = 3.15  # the row along which Gamma_u travels to the right
    _arrow(ax, (x_u, gate_u["top"]), (x_u, gamma_y), (x_carry, gamma_y), (x_carry, one_minus["bottom"]),
           gid="gamma-u")
    _arrow(ax, (x_u, gate_u["top"]), (x_u, gamma_y), (x_cand - 0.5, gamma_y), (x_cand - 0.5, _OPS_Y),
           (update["left"], _OPS_Y),
           gid="gamma-u")
    _label(ax, (x_u - 0.12, 2.93), r"$\Gamma_u$", ha="right", fontsize=FONTSIZE - 1)
    _arrow(ax, (x_carry, one_minus["top"]), (x_carry, carry["bottom"]))
    _arrow(ax, (x_cand, cand["top"]), (x_cand, update["bottom"]))
    _label(ax, (x_cand + 0.12, 3.05), _sup(r"\tilde c", "t"), ha="left", fontsize=FONTSIZE - 1)
    _arrow(ax, (x_cand, update["top"]), (x_cand, plus["bottom"]))

    if full:
        gate_r = _gate(ax, x_r, "sigma", "r")
        reset = _op(ax, (x_reset, _GATES_Y), r"$\times$")
        _arrow(ax, (gate_r["right"], _GATES_Y), (reset["left"], _GATES_Y), gid="gamma-r")
        _label(ax, ((gate_r["right"] + reset["left"]) / 2, _GATES_Y + 0.25), r"$\Gamma_r$", fontsize=FONTSIZE - 1)
        # c^<t-1>, before the carry product, down into the relevance product (over Gamma_u's row)
        _over(_arrow(ax, (x_reset, _MEMORY_Y - 0.03), (x_reset, reset["top"]), color=COLORS["aa"], gid="state-in"))
        _arrow(ax, (reset["right"], _GATES_Y), (cand["left"], _GATES_Y))
        # the candidate reads x^<t> on its own
        _arrow(ax, (junction, -0.3), (junction, 0.5), (x_cand, 0.5), (x_cand, cand["bottom"]),
               color=COLORS["ax"], gid="input-x")

    # the new memory is the new state: y_hat^<t> is read from it, above the cell
    x_out = x_right - 0.3
    _arrow(ax, (x_out, _MEMORY_Y), (x_out, 6.05), color=COLORS["ya"], gid="output-y")
    _label(ax, (x_out, 6.35), _sup(r"\hat{y}", "t"))
    return _finish(ax, (-1.5, x_right + 1.5), (-0.95, 6.65))


__all__.append("draw_gru_cell")


def draw_lstm_cell(ax=None):
    """Draw one step of an LSTM in the course's notation, after the lecture's "LSTM in pictures" (chapter 8).

    The memory cell ``c`` runs along the top, from ``c^<t-1>`` on the left to ``c^<t>`` on the right: multiplied
    by the forget gate ``Gamma_f``, then added to ``Gamma_u * c~^<t>``. Below, ``a^<t-1>`` and ``x^<t>`` feed the
    three gates and the candidate; ``tanh(c^<t>)`` times the output gate ``Gamma_o`` is the new state
    ``a^<t>``, which leaves on the right and gives ``y_hat^<t>``. Blocks have gids ``gate-f``, ``gate-u``,
    ``gate-c``, ``gate-o``; the memory's arrows ``memory``.

    Returns
    -------
    matplotlib.axes.Axes
    """
    x_f, x_u, x_c, x_o, x_out = 2.2, 3.4, 4.6, 5.8, 7.0
    junction, x_right = 1.1, 7.7
    ax = _new_axes(ax, width=7.6, height=5.2)
    _box(ax, ((0.1 + x_right) / 2, _CELL_Y), x_right - 0.1, _CELL_HEIGHT, fill=COLORS["inside"], gid="lstm-cell")

    _label(ax, (-0.9, _MEMORY_Y), _sup("c", "t-1"))
    forget = _op(ax, (x_f, _MEMORY_Y), r"$\times$")
    plus = _op(ax, (x_c, _MEMORY_Y), "$+$")
    _memory_line(ax, [(-0.45, None), (x_f, forget), (x_c, plus)], x_right + 0.6)
    _label(ax, (x_right + 1.05, _MEMORY_Y), _sup("c", "t"))

    _label(ax, (-0.9, _BUS_Y), _sup("a", "t-1"))
    _arrow(ax, (-0.4, _BUS_Y), (junction, _BUS_Y), color=COLORS["aa"], gid="state-in")
    _gated_inputs(ax, junction, [x_f, x_u, x_c, x_o])
    gate_f, gate_u = _gate(ax, x_f, "sigma", "f"), _gate(ax, x_u, "sigma", "u")
    cand, gate_o = _gate(ax, x_c, "tanh", "c"), _gate(ax, x_o, "sigma", "o")

    _arrow(ax, (x_f, gate_f["top"]), (x_f, forget["bottom"]), gid="gamma-f")
    _label(ax, (x_f - 0.12, 3.3), r"$\Gamma_f$", ha="right", fontsize=FONTSIZE - 1)
    update = _op(ax, (x_c, _OPS_Y), r"$\times$")
    _arrow(ax, (x_u, gate_u["top"]), (x_u, _OPS_Y), (update["left"], _OPS_Y), gid="gamma-u")
    _label(ax, (x_u - 0.12, 3.3), r"$\Gamma_u$", ha="right", fontsize=FONTSIZE - 1)
    _arrow(ax, (x_c, cand["top"]), (x_c, update["bottom"]))
    _label(ax, (x_c + 0.12, 3.05), _sup(r"\tilde c", "t"), ha="left", fontsize=FONTSIZE - 1)
    _arrow(ax, (x_c, update["top"]), (x_c, plus["bottom"]))

    # the output: tanh of the new memory, times Gamma_o, is a^<t>
    squash = _box(ax, (x_out, _OPS_Y), _GATE_W, 0.5, fill=COLORS["tanh"], gid="gate-tanh")
    _tanh_or_sigma(ax, (x_out, _OPS_Y), "tanh")
    _arrow(ax, (x_out, _MEMORY_Y), (x_out, squash["top"]), color=COLORS["memory"])
    show = _op(ax, (x_out, _GATES_Y), r"$\times$")
    _arrow(ax, (x_out, squash["bottom"]), (x_out, show["top"]))
    _arrow(ax, (gate_o["right"], _GATES_Y), (show["left"], _GATES_Y), gid="gamma-o")
    _label(ax, ((gate_o["right"] + show["left"]) / 2, _GATES_Y + 0.25), r"$\Gamma_o$", fontsize=FONTSIZE - 1)
    _arrow(ax, (x_out, show["bottom"]), (x_out, _BUS_Y), (x_right + 0.6, _BUS_Y), color=COLORS["aa"],
           gid="state-out")
    _label(ax, (x_right + 1.05, _BUS_Y), _sup("a", "t"))
    # y_hat^<t> is read from a^<t>, to the right of the cell and below the memory
    x_y = x_right + 0.35
    _arrow(ax, (x_y, _BUS_Y), (x_y, 2.75), color=COLORS["ya"], gid="output-y")
    _label(ax, (x_y, 3.1), _sup(r"\hat{y}", "t"))
    return _finish(ax, (-1.5, x_right + 1.6), (-0.95, 5.75))


__all__.append("draw_lstm_cell")


# ---------------------------------------------------------------------------
# Sampling from a language model (chapter 5)
# ---------------------------------------------------------------------------
def draw_sampling(T_y=4, tokens=None, ax=None):
    """Draw how a trained language model writes a sequence: each sampled token is the next input.

    From ``a^<0>`` and ``x^<1> = 0``, step ``t`` outputs the distribution ``y_hat^<t>``; a token ``y^<t>`` is
    drawn from it at random, and that token is fed back (dashed grey arrows, gid ``fed-back``) as the next
    input ``x^<t+1>``. With ``tokens`` (e.g. ``["k", "a", "y", "<EOS>"]``) the drawn tokens are written above
    their steps and ``T_y`` is their number; the last token is not fed back.

    Returns
    -------
    matplotlib.axes.Axes
    """
    if tokens is not None:
        tokens = [str(token) for token in tokens]
        if not tokens:
            raise ValueError("tokens must hold at least one token")
        T_y = len(tokens)
    if isinstance(T_y, bool) or not isinstance(T_y, int) or T_y < 1:
        raise ValueError(f"T_y must be a positive integer, got {T_y!r}")
    xs = [_STEP * t for t in range(1, T_y + 1)]
    y_drawn = _IO_GAP + 1.25  # height of the drawn tokens y^<t>
    ax = _new_axes(ax, width=1.2 + 1.55 * T_y, height=4.4)
    _label(ax, (0, 0), _sup("a", 0), fontsize=FONTSIZE + 1)
    cells = _chain(ax, xs, start=0.32)
    _input(ax, xs[0], cells[0], rf"$x^{{\langle 1\rangle}} = \vec{{0}}$")
    for t, (cx, edges) in enumerate(zip(xs, cells), start=1):
        _output(ax, cx, edges, t)
        _arrow(ax, (cx, _IO_GAP + 0.25), (cx, y_drawn - 0.25), gid="sample")
        _label(ax, (cx - 0.1, (_IO_GAP + y_drawn) / 2), "draw", color="#555555", fontsize=FONTSIZE - 4, ha="right")
        _label(ax, (cx, y_drawn), _sup("y", t))
        if tokens is not None:
            token = tokens[t - 1]
            _label(ax, (cx, y_drawn + 0.45), token if token.startswith("<") else f"“{token}”", fontsize=FONTSIZE - 1)
        if t > 1:  # this step's input is the token drawn at the step before
            _label(ax, (cx, -_IO_GAP), _sup("x", t))
            _arrow(ax, (cx, -_IO_GAP + 0.22), (cx, edges["bottom"]), color=COLORS["ax"])
            back = _over(_arrow(ax, (xs[t - 2] + 0.3, y_drawn), (cx - 1.0, y_drawn), (cx - 1.0, -_IO_GAP),
                                (cx - 0.32, -_IO_GAP), color=_FED_BACK, gid="fed-back"))
            back.set_linestyle("--")
    top = y_drawn + (0.75 if tokens is not None else 0.35)
    return _finish(ax, (-0.5, xs[-1] + 0.8), (-_IO_GAP - 0.45, top))


__all__.append("draw_sampling")
