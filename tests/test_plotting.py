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


def test_diagrams_render_without_error():
    # Drawing resolves the mathtext, so a malformed label would fail here.
    for ax in (plotting.draw_rnn_unrolled(3), plotting.draw_rnn_compact()):
        ax.figure.canvas.draw()


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
def test_rnn_types_render_without_error(kind):
    assert kind in plotting.RNN_TYPES
    ax = plotting.draw_rnn_type(kind)
    assert not ax.axison
    ax.figure.canvas.draw()


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


def test_bptt_renders_without_error():
    plotting.draw_bptt(4).figure.canvas.draw()


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
