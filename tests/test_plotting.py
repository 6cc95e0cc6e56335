"""Fast checks of rnncourse.plotting (Agg backend, nothing is shown)."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402

from rnncourse import plotting  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def texts(ax):
    return [t.get_text() for t in ax.texts]


def cells(ax):
    return [p for p in ax.patches if p.get_gid() == "rnn-cell"]


def sup(name, t):
    return rf"${name}^{{\langle {t}\rangle}}$"


@pytest.mark.parametrize("T_x", [1, 2, 4, 7])
def test_unrolled_has_one_cell_and_one_label_per_step(T_x):
    ax = plotting.draw_rnn_unrolled(T_x)
    assert isinstance(ax, Axes)
    assert len(cells(ax)) == T_x
    labels = texts(ax)
    assert sup("a", 0) in labels
    for t in range(1, T_x + 1):
        assert sup("x", t) in labels
        assert sup("a", t) in labels
        assert sup(r"\hat{y}", t) in labels
    assert sup("x", T_x + 1) not in labels
    # one shared-weight label per arrow of each kind
    assert labels.count("$W_{ax}$") == T_x
    assert labels.count("$W_{aa}$") == T_x
    assert labels.count("$W_{ya}$") == T_x
    assert not ax.axison


def test_unrolled_without_outputs_and_with_last_output_only():
    ax = plotting.draw_rnn_unrolled(3, show_outputs=False)
    labels = texts(ax)
    assert not any(r"\hat{y}" in s for s in labels)
    assert "$W_{ya}$" not in labels

    ax = plotting.draw_rnn_unrolled(3, show_outputs="last")
    labels = texts(ax)
    assert [s for s in labels if r"\hat{y}" in s] == [sup(r"\hat{y}", 3)]
    assert labels.count("$W_{ya}$") == 1


def test_unrolled_says_parameters_are_shared():
    labels = texts(plotting.draw_rnn_unrolled(3))
    assert any("same" in s and "every time step" in s for s in labels)


@pytest.mark.parametrize("bad", [0, -1, 2.0, True, "3"])
def test_unrolled_rejects_bad_lengths(bad):
    with pytest.raises(ValueError):
        plotting.draw_rnn_unrolled(bad)


def test_unrolled_rejects_bad_show_outputs():
    with pytest.raises(ValueError):
        plotting.draw_rnn_unrolled(3, show_outputs="first")


def test_unrolled_draws_on_a_given_axes():
    fig, ax = plt.subplots()
    assert plotting.draw_rnn_unrolled(2, ax=ax) is ax
    assert len(fig.axes) == 1


def test_compact_has_one_cell_a_self_loop_and_a_delay():
    ax = plotting.draw_rnn_compact()
    assert isinstance(ax, Axes)
    assert len(cells(ax)) == 1
    gids = {p.get_gid() for p in ax.patches}
    assert {"rnn-loop", "rnn-delay"} <= gids
    labels = texts(ax)
    for expected in (sup("x", "t"), sup("a", "t"), sup(r"\hat{y}", "t"),
                     "$W_{ax}$", "$W_{aa}$", "$W_{ya}$", "delay"):
        assert expected in labels
    assert not ax.axison


def assert_labels_fit(ax):
    """Draw the figure: every label renders, lies inside the figure and overlaps no other label.

    Drawing resolves the mathtext, so a malformed label raises here; a label
    placed off the figure, or on top of another, fails the assertions.
    """
    figure = ax.figure
    figure.canvas.draw()
    renderer = figure.canvas.get_renderer()
    boxes = [(text.get_text(), text.get_window_extent(renderer)) for text in ax.texts if text.get_text()]
    assert boxes, "no label was drawn"
    inside = figure.bbox.padded(0.5)  # half a pixel of rounding
    for label, box in boxes:
        assert box.width > 0 and box.height > 0, f"{label!r} renders as nothing"
        assert inside.contains(box.x0, box.y0) and inside.contains(box.x1, box.y1), (
            f"{label!r} is cut off: {box.bounds} outside the figure {figure.bbox.bounds}")
    overlapping = [(a, b) for i, (a, box_a) in enumerate(boxes) for b, box_b in boxes[i + 1:] if box_a.overlaps(box_b)]
    assert not overlapping, f"labels drawn on top of each other: {overlapping}"


def test_diagrams_render_with_every_label_inside_and_apart():
    for ax in (plotting.draw_rnn_unrolled(3), plotting.draw_rnn_compact()):
        assert_labels_fit(ax)


def test_labels_that_leave_the_figure_or_overlap_fail_the_layout_check():
    ax = plotting.draw_rnn_compact()
    ax.text(0.5, 0.5, "$W_{ax}$ twice", transform=ax.transAxes)
    ax.text(0.5, 0.5, "$W_{ax}$ again", transform=ax.transAxes)
    with pytest.raises(AssertionError, match="on top of each other"):
        assert_labels_fit(ax)
    ax = plotting.draw_rnn_compact()
    ax.text(1.5, 0.5, "outside", transform=ax.transAxes)
    with pytest.raises(AssertionError, match="cut off"):
        assert_labels_fit(ax)


def test_plot_series_slices_and_labels():
    time = np.arange(50)
    series = time**2
    ax = plotting.plot_series(time, series, start=10, end=20, label="squares", fmt=".")
    assert isinstance(ax, Axes)
    (line,) = ax.get_lines()
    np.testing.assert_array_equal(line.get_xdata(), time[10:20])
    np.testing.assert_array_equal(line.get_ydata(), series[10:20])
    assert ax.get_legend() is not None
    # a second call adds to the same Axes
    assert plotting.plot_series(time, series, ax=ax) is ax
    assert len(ax.get_lines()) == 2


def test_plot_series_rejects_mismatched_lengths():
    with pytest.raises(ValueError):
        plotting.plot_series(np.arange(3), np.arange(4))


def test_plot_histories_draws_training_and_validation_per_run_and_says_when_there_is_none():
    histories = {"a": {"loss": [3, 2, 1], "val_loss": [3, 3, 4]}, "b": {"loss": [1], "val_loss": [2]}}
    fig = plotting.plot_histories(histories, key="loss", columns=3)
    first, second, spare = fig.axes
    np.testing.assert_array_equal(first.get_lines()[1].get_ydata(), [3, 3, 4])
    assert [ax.get_title() for ax in (first, second)] == ["a", "b"] and not spare.axison
    empty = plotting.plot_histories({}, empty_text="nothing measured")
    assert [t.get_text() for t in empty.axes[0].texts] == ["nothing measured"]


# ---- draw_rnn_type (chapter 4) ----------------------------------------------------


def test_rnn_types_have_the_right_cells_inputs_and_outputs():
    def count(labels, name):
        return sum(1 for s in labels if s.startswith(f"${name}"))

    ax = plotting.draw_rnn_type("one-to-one")
    labels = texts(ax)
    assert len(cells(ax)) == 1 and "$x$" in labels and r"$\hat{y}$" in labels
    assert "$W_{aa}$" not in labels  # no recurrence

    ax = plotting.draw_rnn_type("one-to-many", T_y=3)
    labels = texts(ax)
    assert len(cells(ax)) == 3
    assert count(labels, "x") == 1 and count(labels, r"\hat{y}") == 3
    assert sum(p.get_gid() == "fed-back" for p in ax.patches) == 2  # y_hat<t> -> input of step t+1

    ax = plotting.draw_rnn_type("many-to-one", T_x=5)
    labels = texts(ax)
    assert len(cells(ax)) == 5 and count(labels, "x") == 5
    assert [s for s in labels if r"\hat{y}" in s] == [sup(r"\hat{y}", 5)]

    ax = plotting.draw_rnn_type("many-to-many", T_x=3)
    assert len(cells(ax)) == 3 and count(texts(ax), r"\hat{y}") == 3

    ax = plotting.draw_rnn_type("encoder-decoder", T_x=4, T_y=2)
    labels = texts(ax)
    assert len(cells(ax)) == 6
    assert {"encoder", "decoder"} <= set(labels)
    assert count(labels, r"\hat{y}") == 2  # only the decoder predicts
    assert sup("x", 4) in labels and sup("x", 5) not in labels
    fills = {p.get_facecolor() for p in cells(ax)}
    assert len(fills) == 2, "encoder and decoder cells look different: they have different parameters"


@pytest.mark.parametrize("kind", ["one-to-one", "one-to-many", "many-to-one", "many-to-many", "encoder-decoder"])
def test_rnn_types_render_with_every_label_inside_and_apart(kind):
    assert kind in plotting.RNN_TYPES
    ax = plotting.draw_rnn_type(kind)
    assert not ax.axison
    assert_labels_fit(ax)


def test_rnn_types_reject_bad_arguments():
    with pytest.raises(ValueError):
        plotting.draw_rnn_type("two-to-one")
    with pytest.raises(ValueError):
        plotting.draw_rnn_type("one-to-many", T_y=0)
    with pytest.raises(ValueError):
        plotting.draw_rnn_type("many-to-many", T_x=3, T_y=4)


# ---- draw_bptt (chapter 3) ----------------------------------------------------------------


@pytest.mark.parametrize("T_x", [1, 3, 5])
def test_bptt_has_a_cell_and_a_loss_per_step_and_gradients_back_to_a0(T_x):
    ax = plotting.draw_bptt(T_x)
    assert isinstance(ax, Axes)
    assert len(cells(ax)) == T_x
    gids = [p.get_gid() for p in ax.patches]
    assert gids.count("bptt-loss") == T_x
    assert gids.count("bptt-total") == 1
    # per step: loss -> y_hat, y_hat -> cell, cell -> previous state (the last one into a^<0>)
    assert gids.count("bptt-grad") == 3 * T_x
    labels = texts(ax)
    for t in range(1, T_x + 1):
        for name in ("x", "a", r"\hat{y}", "L", "y"):
            assert sup(name, t) in labels
    assert sup("a", 0) in labels
    assert any(s.startswith("$L =") for s in labels)
    assert not ax.axison


def test_bptt_gradient_arrows_are_dashed_and_point_right_to_left():
    ax = plotting.draw_bptt(3)
    grads = [p for p in ax.patches if p.get_gid() == "bptt-grad"]
    assert all(p.get_linestyle() != "-" for p in grads)
    horizontal = []
    for p in grads:
        (x0, y0), (x1, y1) = p._posA_posB
        if y0 == y1:
            horizontal.append((x0, x1))
    assert len(horizontal) == 3 and all(x1 < x0 for x0, x1 in horizontal)


@pytest.mark.parametrize("bad", [0, -2, 1.5, False])
def test_bptt_rejects_bad_lengths(bad):
    with pytest.raises(ValueError):
        plotting.draw_bptt(bad)


def test_bptt_renders_with_every_label_inside_and_apart():
    assert_labels_fit(plotting.draw_bptt(4))


@pytest.mark.parametrize("T_x", [1, 3, 5])
def test_brnn_has_two_cells_per_step(T_x):
    ax = plotting.draw_brnn(T_x)
    assert len(cells(ax)) == T_x
    assert len([p for p in ax.patches if p.get_gid() == "brnn-backward-cell"]) == T_x
    labels = texts(ax)
    assert sup(r"a_{\mathrm{bwd}}", T_x + 1) in labels and sup(r"a_{\mathrm{fwd}}", 0) in labels
    assert all(sup("x", t) in labels and sup(r"\hat{y}", t) in labels for t in range(1, T_x + 1))


@pytest.mark.parametrize("L, T_x", [(1, 2), (3, 4)])
def test_deep_rnn_has_one_cell_per_layer_and_step(L, T_x):
    ax = plotting.draw_deep_rnn(L, T_x)
    assert len(cells(ax)) == L * T_x
    labels = texts(ax)
    assert rf"$a^{{[{L}]\langle {T_x}\rangle}}$" in labels and f"layer {L}" in labels
    with pytest.raises(ValueError):
        plotting.draw_deep_rnn(0, 2)


# ---- gated cells (chapters 7 and 8) and sampling (chapter 5) ------------------------------

from matplotlib.patches import Circle  # noqa: E402


def arrow_points(patch):
    """The (x, y) points an arrow was drawn through, in data units."""
    if patch._posA_posB is not None:
        return [tuple(p) for p in patch._posA_posB]
    return [tuple(p) for p in patch._path_original.vertices]


def arrows(ax, gid):
    return [arrow_points(p) for p in ax.patches if p.get_gid() == gid]


def block(ax, gid):
    """Edges of the box with this gid (there must be exactly one)."""
    (patch,) = [p for p in ax.patches if p.get_gid() == gid]
    x, y, w, h = patch.get_x(), patch.get_y(), patch.get_width(), patch.get_height()
    return {"left": x, "right": x + w, "bottom": y, "top": y + h, "x": x + w / 2, "y": y + h / 2}


def operations(ax):
    """Each elementwise operation as (x, y, symbol), from the circles and the text written on them."""
    found = []
    for circle in (p for p in ax.patches if isinstance(p, Circle) and p.get_gid() == "cell-op"):
        cx, cy = circle.center
        (symbol,) = [t.get_text() for t in ax.texts if np.allclose(t.get_position(), (cx, cy))]
        found.append((cx, cy, symbol))
    return found


def memory_row(ax):
    """The memory line: its arrows, their common height, and the operations on it from left to right."""
    memory = arrows(ax, "memory")
    heights = {y for points in memory for _, y in points}
    assert len(heights) == 1, f"the memory line is not straight: heights {heights}"
    (y,) = heights
    on_line = sorted((x, symbol) for x, oy, symbol in operations(ax) if oy == y)
    return memory, y, on_line


@pytest.mark.parametrize("full", [True, False])
def test_gru_cell_has_the_course_labels_and_its_gates(full):
    ax = plotting.draw_gru_cell(full=full)
    labels = texts(ax)
    for expected in (sup("c", "t-1"), sup("c", "t"), sup("x", "t"), sup(r"\hat{y}", "t"), sup(r"\tilde c", "t"),
                     r"$\Gamma_u$"):
        assert expected in labels
    assert (r"$\Gamma_r$" in labels) is full
    assert r"$\Gamma_f$" not in labels and r"$\Gamma_o$" not in labels  # those are the LSTM's
    gids = {p.get_gid() for p in ax.patches}
    assert {"gate-u", "gate-c"} <= gids and ("gate-r" in gids) is full
    assert not ax.axison
    assert_labels_fit(ax)


@pytest.mark.parametrize("draw", [plotting.draw_gru_cell, plotting.draw_lstm_cell], ids=["GRU", "LSTM"])
def test_the_memory_runs_along_the_top_from_left_to_right_through_a_product_then_a_sum(draw):
    ax = draw()
    memory, y, on_line = memory_row(ax)
    outline = block(ax, "gru-cell" if draw is plotting.draw_gru_cell else "lstm-cell")
    # above every gate and every other operation, inside the cell's outline
    blocks = {p.get_gid() for p in ax.patches if (p.get_gid() or "").startswith("gate-")}
    assert blocks and all(y > block(ax, gid)["top"] for gid in blocks)
    assert all(oy <= y for _, oy, _ in operations(ax))
    assert outline["bottom"] < y < outline["top"]
    # one unbroken path, left to right, entering on the left of the cell and leaving on its right
    memory.sort()
    assert all(end[0] > start[0] for start, end in memory)
    assert memory[0][0][0] < outline["left"] and memory[-1][-1][0] > outline["right"]
    assert [symbol for _, symbol in on_line] == [r"$\times$", "$+$"]
    for (_, end), (start, _) in zip(memory, memory[1:]):
        assert any(end[0] < x < start[0] for x, _ in on_line), "the memory's arrows meet at an operation"
    # c^<t-1> is written at its left end, c^<t> at its right end
    (left,) = [t for t in ax.texts if t.get_text() == sup("c", "t-1")]
    (right,) = [t for t in ax.texts if t.get_text() == sup("c", "t")]
    assert left.get_position()[1] == y == right.get_position()[1]
    assert left.get_position()[0] < memory[0][0][0] and right.get_position()[0] > memory[-1][-1][0]


def test_gru_update_gate_scales_the_old_memory_by_one_minus_itself_and_the_candidate_by_itself():
    ax = plotting.draw_gru_cell()
    _, y, on_line = memory_row(ax)
    (carry_x, _), (plus_x, _) = on_line
    gate_u, candidate = block(ax, "gate-u"), block(ax, "gate-c")
    ops = operations(ax)
    ends = {}
    for points in arrows(ax, "gamma-u"):
        assert points[0] == pytest.approx((gate_u["x"], gate_u["top"]))
        end = points[-1]
        ends[min(ops, key=lambda op: np.hypot(op[0] - end[0], op[1] - end[1]))] = end
    symbols = {op[2]: op for op in ends}
    assert set(symbols) == {r"$1\!-$", r"$\times$"}
    one_minus, update = symbols[r"$1\!-$"], symbols[r"$\times$"]
    assert one_minus[0] == carry_x and one_minus[1] < y  # 1 - Gamma_u goes up into the carry product
    assert update[0] == plus_x == candidate["x"]  # Gamma_u * c~ goes up into the sum


def test_full_gru_relevance_gate_multiplies_the_old_memory_before_the_candidate_reads_it():
    ax = plotting.draw_gru_cell(full=True)
    _, y, on_line = memory_row(ax)
    carry_x = on_line[0][0]
    gate_r, candidate = block(ax, "gate-r"), block(ax, "gate-c")
    (gamma_r,) = arrows(ax, "gamma-r")
    reset = [op for op in operations(ax) if op[1] == gate_r["y"] and op[2] == r"$\times$"]
    assert len(reset) == 1 and gate_r["right"] < reset[0][0] < candidate["left"]
    assert gamma_r[-1][0] == pytest.approx(reset[0][0] - plotting._OP_R)
    # c^<t-1> comes down into that product from the memory line, before the carry product changes it
    from_memory = [points for points in arrows(ax, "state-in") if points[-1][0] == reset[0][0]]
    assert len(from_memory) == 1
    start = from_memory[0][0]
    assert start[0] < carry_x and start[1] == pytest.approx(y, abs=0.05)
    # and the candidate reads x^<t> on its own: an input arrow ends at its bottom
    assert any(points[-1] == pytest.approx((candidate["x"], candidate["bottom"])) for points in arrows(ax, "input-x"))


def test_simplified_gru_candidate_reads_the_stacked_input_directly():
    ax = plotting.draw_gru_cell(full=False)
    candidate = block(ax, "gate-c")
    assert arrows(ax, "gamma-r") == [] and len(arrows(ax, "input-x")) == 1
    assert any(points[-1] == pytest.approx((candidate["x"], candidate["bottom"]))
               for points in arrows(ax, "stacked-input"))


def test_lstm_cell_has_three_gates_a_candidate_and_the_two_states():
    ax = plotting.draw_lstm_cell()
    labels = texts(ax)
    for expected in (sup("c", "t-1"), sup("c", "t"), sup("a", "t-1"), sup("a", "t"), sup("x", "t"),
                     sup(r"\hat{y}", "t"), sup(r"\tilde c", "t"), r"$\Gamma_f$", r"$\Gamma_u$", r"$\Gamma_o$"):
        assert expected in labels
    assert r"$\Gamma_r$" not in labels
    gates = {name: block(ax, f"gate-{name}") for name in "fuco"}
    # the gates and the candidate all read [a^<t-1>; x^<t>], on one row
    assert len({g["y"] for g in gates.values()}) == 1
    assert len(arrows(ax, "stacked-input")) == 4
    assert "tanh" in labels and labels.count(r"$\sigma$") == 3
    assert_labels_fit(ax)


def test_lstm_forget_gate_feeds_the_product_on_the_memory_and_the_output_reads_the_new_memory():
    ax = plotting.draw_lstm_cell()
    _, y, on_line = memory_row(ax)
    (forget_x, _), (plus_x, _) = on_line
    gate_f, gate_u, gate_o = (block(ax, f"gate-{name}") for name in "fuo")
    (gamma_f,) = arrows(ax, "gamma-f")
    assert gamma_f[0] == pytest.approx((gate_f["x"], gate_f["top"]))
    assert gamma_f[-1] == pytest.approx((forget_x, y - plotting._OP_R))
    (gamma_u,) = arrows(ax, "gamma-u")
    assert gamma_u[0][0] == gate_u["x"] and gamma_u[-1][0] < plus_x  # into Gamma_u * c~, under the sum
    # a^<t> = Gamma_o * tanh(c^<t>): the tanh hangs from the memory after the sum, the output gate feeds its product
    squash = block(ax, "gate-tanh")
    assert squash["x"] > plus_x and squash["top"] < y
    (gamma_o,) = arrows(ax, "gamma-o")
    assert gamma_o[0][0] == pytest.approx(gate_o["right"])
    assert gamma_o[-1][0] == pytest.approx(squash["x"] - plotting._OP_R)
    (state_out,) = arrows(ax, "state-out")
    (a_t,) = [t for t in ax.texts if t.get_text() == sup("a", "t")]
    assert state_out[0][0] == squash["x"] and state_out[-1][1] == a_t.get_position()[1]
    assert state_out[-1][0] < a_t.get_position()[0]


def test_gated_cells_reject_bad_arguments():
    with pytest.raises(ValueError):
        plotting.draw_gru_cell(full="yes")


@pytest.mark.parametrize("T_y", [1, 2, 5])
def test_sampling_feeds_each_drawn_token_back_as_the_next_input(T_y):
    ax = plotting.draw_sampling(T_y)
    drawn = cells(ax)
    assert len(drawn) == T_y
    centres = sorted(p.get_x() + p.get_width() / 2 for p in drawn)
    labels = texts(ax)
    assert r"$x^{\langle 1\rangle} = \vec{0}$" in labels and sup("a", 0) in labels
    for t in range(1, T_y + 1):
        assert sup(r"\hat{y}", t) in labels and sup("y", t) in labels
        assert (sup("x", t) in labels) is (t > 1)
    assert len(arrows(ax, "sample")) == T_y  # y^<t> drawn from y_hat^<t>, at every step
    fed_back = sorted(arrows(ax, "fed-back"))
    assert len(fed_back) == T_y - 1
    position = {t.get_text(): t.get_position() for t in ax.texts}
    for t, points in enumerate(fed_back, start=1):
        start, end = points[0], points[-1]
        # from beside y^<t>, above step t ...
        assert start[1] == position[sup("y", t)][1] and abs(start[0] - centres[t - 1]) < 0.5
        # ... down to the left of x^<t+1>, below step t + 1, passing between the two cells
        assert end[1] == position[sup("x", t + 1)][1] and centres[t] - 0.5 < end[0] < centres[t]
        assert all(centres[t - 1] < x < centres[t] for x, _ in points)
    assert all(p.get_linestyle() != "-" for p in ax.patches if p.get_gid() == "fed-back")  # dashed, as in chapter 4


def test_sampling_writes_the_drawn_tokens_and_stops_at_the_last():
    ax = plotting.draw_sampling(tokens=["k", "a", "y", "<EOS>"])
    labels = texts(ax)
    assert len(cells(ax)) == 4 and len(arrows(ax, "fed-back")) == 3
    assert {"“k”", "“a”", "“y”", "<EOS>"} <= set(labels)
    assert_labels_fit(ax)
    for bad in ({"T_y": 0}, {"T_y": 2.0}, {"tokens": []}):
        with pytest.raises(ValueError):
            plotting.draw_sampling(**bad)
