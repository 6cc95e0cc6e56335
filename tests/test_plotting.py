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
