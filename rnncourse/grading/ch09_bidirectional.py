"""Checks for chapter 9: a bidirectional RNN of any course cell in NumPy, its parameter counts, a trained tagger.

Each check is a ``Check(title, collect, judge)`` (see ``question.py``). The
expected values come from Keras' ``Bidirectional`` holding the course's weights
(``keras_bridge.keras_bidirectional``): its forward layer holds
``parameters_fwd``, its backward layer ``parameters_bwd``, and a GRU computes
the course's equations (``reset_after=False``). The course's cells are those of
``rnncourse.cells`` (SIMPLE_RNN, GRU, LSTM); a case names one by its Keras
class. Likely mistakes are tables of wrong formulas (``Mistake``).
"""

import numpy as np

from rnncourse.activations import softmax
from rnncourse.cells import CELLS, MERGE_MODES, SCALE, merge
from rnncourse.grading.checks import (assert_count_params, assert_epoch_steps, assert_shape, describe_model,
                                      held_out_accuracy, layers_of)
from rnncourse.grading.question import Check, Mistake, diagnose, stand_in
from rnncourse.imdb import imdb_model
from rnncourse.tasks import next_input_task
from rnncourse.keras_bridge import (from_keras_sequence, keras_bidirectional, keras_bidirectional_forward,
                                    keras_softmax_output, to_keras_sequence)

ATOL = 1e-8


def _problem(cell, n_x, n_a, m, T_x, seed, n_y=3):
    """Weights of both directions (drawn apart), a sequence, both initial states and the output layer."""
    rng = np.random.default_rng(seed)
    cell = CELLS[cell]
    parameters_fwd, parameters_bwd = (cell.random_parameters(n_x, n_a, rng) for _ in range(2))
    x = rng.standard_normal((n_x, m, T_x))
    a0_fwd, a0_bwd = rng.standard_normal((n_a, m)), rng.standard_normal((n_a, m))
    W_ya, b_y = SCALE * rng.standard_normal((n_y, 2 * n_a)), SCALE * rng.standard_normal((n_y, 1))
    return dict(cell=cell, x=x, a0_fwd=a0_fwd, a0_bwd=a0_bwd, parameters_fwd=parameters_fwd,
                parameters_bwd=parameters_bwd, W_ya=W_ya, b_y=b_y)


def _keras_backward(cell, x, a0, parameters):
    """The backward direction as Keras computes it (``go_backwards=True``), put back into time order."""
    layer = cell.build_keras_layer(parameters, return_sequences=True, go_backwards=True)
    a = layer(to_keras_sequence(x), initial_state=[state.T for state in cell.initial_state(a0)])
    return from_keras_sequence(np.asarray(a))[:, :, ::-1]


# ---- 1.1 The backward direction -------------------------------------------------------------------

NOT_PUT_BACK = ("the states are in the order the backward pass computed them (a_bwd<T_x> first): reverse them back "
                "into time order, so that a_bwd[:, :, t] is the state after reading x<T_x>, ..., x<t>.")
NOT_REVERSED = ("the cell read the sequence from its first step: the backward direction must read the sequence from "
                "its last step to its first; reordering the states of a left-to-right run is not reading backwards.")


def collect_backward_states(backward_states, cell, n_x, n_a, m, T_x, seed):
    p = _problem(cell, n_x, n_a, m, T_x, seed)
    return {"a_bwd": np.asarray(backward_states(p["x"], p["a0_bwd"], p["parameters_bwd"], p["cell"]), dtype=float)}


def judge_backward_states(data, cell, n_x, n_a, m, T_x, seed):
    p = _problem(cell, n_x, n_a, m, T_x, seed)
    cell, x, a0, parameters = p["cell"], p["x"], p["a0_bwd"], p["parameters_bwd"]
    assert_shape("a_bwd", data["a_bwd"], (n_a, m, T_x))
    expected = _keras_backward(cell, x, a0, parameters)
    mistakes = [Mistake(NOT_PUT_BACK, lambda _: expected[:, :, ::-1]),
                Mistake(NOT_REVERSED, lambda _: cell.forward(x, a0, parameters)),
                Mistake(NOT_REVERSED, lambda _: cell.forward(x, a0, parameters)[:, :, ::-1])]
    diagnose("a_bwd", data["a_bwd"], expected, None, mistakes, ATOL,
             f"Keras' {cell.keras_layer}(go_backwards=True) with the same weights, from a0_bwd, computes other states.")


backward_states = Check("backward_states", collect_backward_states, judge_backward_states)


# ---- 1.2 Both directions, merged ------------------------------------------------------------------

def _brnn_mistakes(p, merge_mode):
    cell, x = p["cell"], p["x"]

    def run(a0_bwd="a0_bwd", bwd="parameters_bwd", mode=merge_mode, order=1, backward_order=-1, reading=-1):
        a_fwd = cell.forward(x, p["a0_fwd"], p["parameters_fwd"])
        a_bwd = cell.forward(x[:, :, ::reading], p[a0_bwd], p[bwd])[:, :, ::backward_order]
        return merge(*(a_fwd, a_bwd)[::order], mode)

    mistakes = [
        Mistake(NOT_PUT_BACK.replace("the states", "the backward states", 1), lambda _: run(backward_order=1)),
        *(Mistake(NOT_REVERSED, lambda _, order=order: run(reading=1, backward_order=order)) for order in (1, -1)),
        Mistake("the backward direction uses the forward weights: it has weights of its own, parameters_bwd.",
                lambda _: run(bwd="parameters_fwd")),
        Mistake("the backward direction starts from a0_fwd: it starts from its own initial state a0_bwd.",
                lambda _: run(a0_bwd="a0_fwd")),
        *(Mistake(f"with merge_mode={merge_mode!r} the states are merged as {other!r} merges them (the table of "
                  "merge modes, 1.2).", lambda _, other=other: run(mode=other))
          for other in MERGE_MODES if other not in (merge_mode, "concat")),
    ]
    if merge_mode == "concat":
        mistakes.insert(0, Mistake("the halves are in the wrong order: [a_fwd; a_bwd], the forward states on top "
                                   "(Keras' order, and the one W_ya expects).", lambda _: run(order=-1)))
    return mistakes


def _right_backward_states(x, a0_bwd, parameters_bwd, cell):
    return cell.forward(x[:, :, ::-1], a0_bwd, parameters_bwd)[:, :, ::-1]


def collect_brnn_forward(brnn_forward, cell, n_x, n_a, m, T_x, seed, merge_mode):
    p = _problem(cell, n_x, n_a, m, T_x, seed)
    # The backward direction graded in 1.1 is replaced by a right one: only brnn_forward is checked here.
    with stand_in(brnn_forward, "backward_states", _right_backward_states):
        a = brnn_forward(p["x"], p["a0_fwd"], p["a0_bwd"], p["parameters_fwd"], p["parameters_bwd"], p["cell"],
                         merge_mode=merge_mode)
    return {"a": np.asarray(a, dtype=float)}


def _judge_merged(data, cell, n_x, n_a, m, T_x, seed, merge_mode, hint):
    p = _problem(cell, n_x, n_a, m, T_x, seed)
    rows = 2 * n_a if merge_mode == "concat" else n_a
    assert_shape("a", data["a"], (rows, m, T_x))
    expected = keras_bidirectional_forward(p["cell"], p["x"], p["a0_fwd"], p["a0_bwd"], p["parameters_fwd"],
                                           p["parameters_bwd"], merge_mode)
    diagnose("a", data["a"], expected, None, _brnn_mistakes(p, merge_mode), ATOL, hint)


def judge_brnn_forward(data, cell, n_x, n_a, m, T_x, seed, merge_mode):
    _judge_merged(data, cell, n_x, n_a, m, T_x, seed, merge_mode,
                  f"Keras' Bidirectional(merge_mode={merge_mode!r}) computes other states from the forward direction "
                  "and your backward_states' one (the table of merge modes, 1.2).")


brnn_forward = Check("brnn_forward", collect_brnn_forward, judge_brnn_forward)


# ---- 1.3 Predictions at every step --------------------------------------------------------------


def collect_brnn_predict(brnn_predict, cell, n_x, n_a, n_y, m, T_x, seed):
    p = _problem(cell, n_x, n_a, m, T_x, seed, n_y)
    y_hat = brnn_predict(p["x"], p["a0_fwd"], p["a0_bwd"], p["parameters_fwd"], p["parameters_bwd"],
                         {"W_ya": p["W_ya"], "b_y": p["b_y"]}, p["cell"])
    return {"y_hat": np.asarray(y_hat, dtype=float)}


def judge_brnn_predict(data, cell, n_x, n_a, n_y, m, T_x, seed):
    p = _problem(cell, n_x, n_a, m, T_x, seed, n_y)
    assert_shape("y_hat", data["y_hat"], (n_y, m, T_x))
    both = keras_bidirectional(p["cell"], p["parameters_fwd"], p["parameters_bwd"], return_sequences=True)
    states = both(to_keras_sequence(p["x"]), initial_state=[s.T for s in p["cell"].initial_state(p["a0_fwd"])]
                  + [s.T for s in p["cell"].initial_state(p["a0_bwd"])])
    expected = from_keras_sequence(np.asarray(keras_softmax_output({"W_ya": p["W_ya"], "b_y": p["b_y"]})(states)))
    a = from_keras_sequence(np.asarray(states))
    logits = np.einsum("yn,nmt->ymt", p["W_ya"], a)
    mistakes = [Mistake("y_hat is not a probability distribution: the softmax is missing (the equation of 1.3).",
                        lambda _: logits + p["b_y"][:, :, None]),
                Mistake("the bias b_y is missing (the equation of 1.3).", lambda _: softmax(logits))]
    diagnose("y_hat", data["y_hat"], expected, None, mistakes, ATOL,
             "Keras' Bidirectional, then Dense(softmax) on every step, computes other predictions (the equation "
             "of 1.3: both directions, every step).")


brnn_predict = Check("brnn_predict", collect_brnn_predict, judge_brnn_predict)


# ---- 1.4 Which state a prediction needs: filling in a blank --------------------------------------


def _blank_problem(n_a, m, T_x, blanks, seed):
    """Both directions' states (random: only which one is read matters), their initial states and the blanks."""
    rng = np.random.default_rng(seed)
    a_fwd, a_bwd = rng.standard_normal((n_a, m, T_x)), rng.standard_normal((n_a, m, T_x))
    a0_fwd, a0_bwd = rng.standard_normal((n_a, m)), rng.standard_normal((n_a, m))
    return dict(a_fwd=a_fwd, a_bwd=a_bwd, a0_fwd=a0_fwd, a0_bwd=a0_bwd, blanks=np.asarray(blanks))


def _context(p, fwd_offset=-1, bwd_offset=1, swap=False, wrap=False):
    """The states each example's prediction reads: the forward direction's at blank + fwd_offset, the backward
    one's at blank + bwd_offset, each direction's initial state where that step is off the sequence (with ``wrap``,
    Python's negative indices instead: the likely mistake at the first step)."""
    a_fwd, a_bwd, T_x = p["a_fwd"], p["a_bwd"], p["a_fwd"].shape[2]
    columns = []
    for i, t in enumerate(p["blanks"]):
        left, right = t + fwd_offset, t + bwd_offset
        fwd = a_fwd[:, i, left] if 0 <= left < T_x or (wrap and left == -1) else p["a0_fwd"][:, i]
        bwd = a_bwd[:, i, right] if 0 <= right < T_x else p["a0_bwd"][:, i]
        columns.append(np.concatenate([bwd, fwd] if swap else [fwd, bwd]))
    return np.stack(columns, axis=1)


READ_THE_BLANK = ("the {which} state you took has read the blank x<t> itself: take the last state of that direction "
                  "before it reaches step t (chapter 9, what a_fwd<t> and a_bwd<t> have read).")


def _blank_mistakes():
    return [
        Mistake(READ_THE_BLANK.format(which="forward and the backward"), lambda p: _context(p, 0, 0)),
        Mistake(READ_THE_BLANK.format(which="forward"), lambda p: _context(p, 0, 1)),
        Mistake(READ_THE_BLANK.format(which="backward"), lambda p: _context(p, -1, 0)),
        Mistake("each direction's state is taken on the wrong side of the blank: the forward direction reads the "
                "inputs left of step t, the backward one those right of it.", lambda p: _context(p, 1, -1)),
        Mistake("the halves are in the wrong order: the forward direction's state on top, as W_ya expects.",
                lambda p: _context(p, swap=True)),
        Mistake("at a blank on the first step, index -1 wraps around to the last step, a state that has read the "
                "whole sequence, blank included: with nothing left of the blank, the forward direction has read "
                "nothing yet.", lambda p: _context(p, wrap=True)),
    ]


def collect_blank_context(blank_context, n_a, m, T_x, blanks, seed):
    p = _blank_problem(n_a, m, T_x, blanks, seed)
    context = blank_context(p["a_fwd"], p["a_bwd"], p["a0_fwd"], p["a0_bwd"], p["blanks"].copy())
    return {"context": np.asarray(context, dtype=float)}


def judge_blank_context(data, n_a, m, T_x, blanks, seed):
    p = _blank_problem(n_a, m, T_x, blanks, seed)
    assert_shape("context", data["context"], (2 * n_a, m))
    diagnose("context", data["context"], _context(p), p, _blank_mistakes(), ATOL,
             f"for blanks at steps {list(blanks)} (of T_x = {T_x}) other states were expected: for each example, the "
             "two states that have read as much of the sequence as they can without reading its blank.")


blank_context = Check("blank_context", collect_blank_context, judge_blank_context)


# ---- 2.1 Parameter counts ---------------------------------------------------------------------------


def collect_brnn_parameter_count(brnn_parameter_count, sizes):
    return {f"{cell},{n_x},{n_a}": brnn_parameter_count(cell, n_x, n_a) for cell, n_x, n_a in sizes}


def judge_brnn_parameter_count(data, sizes):
    for cell_name, n_x, n_a in sizes:
        cell = CELLS[cell_name]
        actual, expected = data[f"{cell_name},{n_x},{n_a}"], cell.keras_count_params(n_x, n_a, bidirectional=True)
        call = f"brnn_parameter_count({cell_name!r}, {n_x}, {n_a})"
        assert actual != expected // 2, (
            f"{call} is {actual:,}, the count of one direction: Bidirectional holds two layers with weights of their own.")
        if cell_name == "GRU":
            assert actual != cell.count_bidirectional(n_x, n_a, bias_vectors=1), (
                f"{call} is {actual:,}, a GRU with one bias vector per block: Keras' GRU has reset_after=True by "
                "default, two bias vectors per block (chapter 7).")
        assert actual == expected, (
            f"{call} is {actual!r}; Keras' Bidirectional({cell_name}({n_a})) on {n_x} features has {expected:,} "
            f"(the count of one {cell_name} layer, chapters 2, 7 and 8, for each direction).")


brnn_parameter_count = Check("brnn_parameter_count", collect_brnn_parameter_count, judge_brnn_parameter_count)


def collect_imdb_brnn_parameter_count(imdb_brnn_parameter_count, models):
    return {",".join(map(str, model)): imdb_brnn_parameter_count(*model) for model in models}


def judge_imdb_brnn_parameter_count(data, models):
    for model in models:
        vocab_size, embedding_dim, n_units, cell_name, merge_mode = model
        actual = data[",".join(map(str, model))]
        keras_model = imdb_model(cell_name, merge_mode, n_units, vocab_size, embedding_dim)
        expected = int(keras_model.count_params())
        parts = [int(layer.count_params()) for layer in keras_model.layers]
        width = 2 * n_units if merge_mode == "concat" else n_units
        call = f"imdb_brnn_parameter_count{tuple(model)}"
        if merge_mode != "concat":
            assert actual != expected + n_units * 6, (
                f"{call} is {actual:,}: with merge_mode={merge_mode!r} the Bidirectional layer gives n_units = "
                f"{n_units} numbers per review, not 2 x {n_units}: Dense(6) reads {width}.")
        assert actual == expected, (
            f"{call} is {actual!r}; the Keras model has {expected:,} parameters: count its {len(parts)} layers with "
            "weights one by one (Embedding, Bidirectional, Dense(6) on what the merge gives, Dense(1)).")


imdb_brnn_parameter_count = Check("imdb_brnn_parameter_count", collect_imdb_brnn_parameter_count,
                                  judge_imdb_brnn_parameter_count)


# ---- 2.2 A tagger that needs the next input -------------------------------------------------------


def collect_tagger_model(build_tagger, T_x, n_units, bidirectional):
    model = build_tagger(T_x, n_units, bidirectional=bidirectional)
    return {**describe_model(model), "output_shape": list(model.output_shape)}


def judge_tagger_model(data, T_x, n_units, bidirectional):
    gru_units = n_units
    wrapped = layers_of(data, "Bidirectional")
    grus = [layer["forward_layer"] for layer in wrapped] + layers_of(data, "GRU")
    assert len(grus) == 1, f"The tagger should have one GRU layer; it has {len(grus)}."
    if bidirectional:
        assert wrapped, "With bidirectional=True the GRU is wrapped in keras.layers.Bidirectional."
    else:
        assert not wrapped, "With bidirectional=False the GRU reads left to right only: no Bidirectional."
    gru = grus[0]
    assert gru["units"] == gru_units, f"The GRU has {gru['units']} units; it should have n_units = {gru_units}."
    assert gru.get("return_sequences"), (
        "The GRU should return its whole sequence (return_sequences=True): the tagger labels every step.")
    assert data["output_shape"] == [None, T_x, 1], (
        f"The tagger's output has shape {tuple(data['output_shape'])}; it should be (None, {T_x}, 1): one "
        "probability per step.")
    recurrent = (2 if bidirectional else 1) * CELLS["GRU"].count_params(1, n_units, bias_vectors=2)
    dense = (2 if bidirectional else 1) * n_units + 1
    assert_count_params("The tagger", data["params"], recurrent + dense,
                        f"{recurrent} (GRU{' x 2 directions' if bidirectional else ''}) + {dense} (Dense(1))")


tagger_model = Check("build_tagger: layers and parameters", collect_tagger_model, judge_tagger_model)


def collect_tagger_accuracy(tagger, history, n_sequences, T_x, seed, **training):
    x, _ = next_input_task(n_sequences, T_x, seed)
    return {"probabilities": np.asarray(tagger.predict(x, verbose=0), dtype=float),
            "steps": history.params.get("steps")}


def judge_tagger_accuracy(data, n_sequences, T_x, seed, train_sequences, batch_size, min_accuracy):
    assert_epoch_steps(data["steps"], train_sequences, batch_size)
    _, y = next_input_task(n_sequences, T_x, seed)
    accuracy = held_out_accuracy(data["probabilities"], y, "steps")
    assert accuracy >= min_accuracy, (
        f"The tagger labels {accuracy:.1%} of the steps of {n_sequences:,} new sequences right; it should reach "
        f"{min_accuracy:.0%} (guessing gets 50%; a left-to-right GRU, which has not read x<t+1>, about 75%).")
    print(f"{accuracy:.1%} of the steps of {n_sequences:,} new sequences labelled right")


tagger_accuracy = Check("a trained bidirectional tagger", collect_tagger_accuracy, judge_tagger_accuracy)
