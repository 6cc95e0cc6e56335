"""The judge of a forward loop, shared by chapters 2, 7 and 8: a stand-in cell, and what the loop did with it.

A loop (``rnn_forward``, ``gru_forward``, ``lstm_forward``) is checked on its
own: a ``Recorder`` stands in for the student's cell, records what each step
received and answers with values that depend on the step, the input and the
previous state, so that a missing, repeated or misplaced step shows in the
result. A bug in the cell (graded in its own question) is not charged twice.

A loop is declared by the names it uses: the cell it calls, what the cell
returns before its cache and the loop stores (``("a", "y_hat")``), how many of
those the next step receives (``a_prev``, ``c_prev``), and the initial state.
"""

from dataclasses import dataclass

import numpy as np

from rnncourse.grading.checks import assert_close, assert_shape
from rnncourse.grading.question import Mistake, Recorder, diagnose, stand_in


@dataclass(frozen=True)
class Loop:
    forward: str  # the loop's name: "lstm_forward"
    cell: str  # the cell it calls: "lstm_cell_forward"
    outputs: tuple  # what the cell returns before its cache, as the loop stores them: ("a", "c")
    carried: int = 1  # how many of the outputs the next step receives (a_prev, then c_prev)
    start: str = "a0"  # the given initial state of the first output; any other carried one starts from zeros


def stand_in_step(t, x_t, received, rows):
    """The stand-in cell's outputs at step ``t``: one array (rows[k], m) per output, from the ``received`` states."""
    first = 0.5 * received[0] + 0.25 * sum(received[1:]) + np.sum(x_t, axis=0) + t
    return [first] + [first[:1] + (k + np.arange(n))[:, None] for k, n in enumerate(rows[1:], start=1)]


def collect_loop(loop, forward, x, initial, parameters, rows):
    """Run the student's ``forward(x, initial, parameters)`` with the stand-in cell; plain data of what happened."""
    def cell(t, x_t, *args):
        received = [np.asarray(state) for state in args[:loop.carried]]
        return (*stand_in_step(t, np.asarray(x_t), received, rows), ("cache of step", t))

    with stand_in(forward, loop.cell, Recorder(cell)) as recorder:
        *outputs, caches = forward(x, initial, parameters)
    step_caches, cached_x = caches
    return {
        "calls": [call[:1 + loop.carried] for call in recorder.calls],  # x_t and the states each step received
        **{name: np.asarray(value, dtype=float) for name, value in zip(loop.outputs, outputs)},
        "step_caches": [list(cache) if isinstance(cache, tuple) else repr(cache)[:80] for cache in step_caches],
        "caches_hold_x": cached_x is x,
    }


def judge_loop(loop, data, x, initial, rows):
    """The calls, the stored outputs and the caches of the loop, against what the stand-in gives."""
    T_x, m = x.shape[2], x.shape[1]
    calls = data["calls"]
    assert len(calls) == T_x, (f"{loop.forward} should call {loop.cell} once per time step (T_x = {T_x} times); "
                               f"it called it {len(calls)} times.")
    for name, n in zip(loop.outputs, rows):
        assert_shape(name, data[name], (n, m, T_x))
    first, *others = loop.outputs[:loop.carried]
    zeros_for_start = Mistake(f"the first step received zeros as {first}_prev: start from the given {loop.start}.",
                              np.zeros_like)
    states = [initial] + [np.zeros_like(initial) for _ in others]
    for t, (x_t_seen, *received) in enumerate(calls):
        assert_close(f"x_t at step {t}", x_t_seen, x[:, :, t], 0, hint=f"Step {t} should receive x[:, :, {t}].")
        diagnose(f"{first}_prev at step {t}", received[0], states[0], initial, [zeros_for_start] if t == 0 else [], 0,
                 f"The first step starts from {loop.start}; each later step gets the {first}_next of the step before.")
        for name, seen, expected in zip(others, received[1:], states[1:]):
            assert_close(f"{name}_prev at step {t}", seen, expected, 0,
                         hint=f"{name} starts from zeros; each later step gets the {name}_next of the step before.")
        outputs = stand_in_step(t, x[:, :, t], states, rows)
        for name, output in zip(loop.outputs, outputs):
            stored = f"{name}_next" if name in loop.outputs[:loop.carried] else f"{name}_t"
            assert_close(f"{name}[:, :, {t}]", data[name][:, :, t], output, 0,
                         hint=f"Store the {stored} of step {t} in {name}[:, :, {t}].")
        states = outputs[:loop.carried]
    assert data["step_caches"] == [["cache of step", t] for t in range(T_x)], (
        "caches[0] should be the list of the caches returned by each step, in order.")
    assert data["caches_hold_x"], "caches[1] should be the input x."


def run_cell(loop, cell, x, initial, parameters):
    """The student's ``cell`` run over ``x`` by the course's own loop: {output name: (n, m, T_x)}.

    The hidden cases of a cell's question compare this with Keras' layer over a
    whole sequence, without the student's loop (graded in its own question).
    """
    states = [initial] + [np.zeros_like(initial)] * (loop.carried - 1)
    steps = {name: [] for name in loop.outputs}
    for t in range(x.shape[2]):
        *outputs, _ = cell(x[:, :, t], *states, parameters)
        for name, value in zip(loop.outputs, outputs):
            steps[name].append(np.asarray(value, dtype=float))
        states = outputs[:loop.carried]
    return {name: np.stack(values, axis=-1) for name, values in steps.items()}
