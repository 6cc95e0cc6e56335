"""Checks for chapter 10: a deep RNN of any course cells in NumPy, and the parameters of stacked layers.

Each check is a ``Check(title, collect, judge)`` (see ``question.py``). The
expected values come from stacked Keras layers holding the course's weights
(``keras_bridge.keras_stack``): every layer below the top returns its whole
sequence, which the layer above reads. A case lists its layers' cells by their
Keras class and their sizes ``units`` (one n_a per layer). Likely mistakes are
tables of wrong formulas (``Mistake``).
"""

import numpy as np

from rnncourse.cells import CELLS, SCALE, layer_inputs, stack_count_params
from rnncourse.grading.checks import assert_epoch_steps, assert_shape, describe_model, held_out_accuracy, layers_of
from rnncourse.grading.question import Check, Mistake, diagnose
from rnncourse.keras_bridge import from_keras_sequence, keras_deep_forward, keras_softmax_output
from rnncourse.tasks import narrowest_single_layer, outlier_parity_task, tagger_count

ATOL = 1e-8


def _problem(cells, n_x, units, m, T_x, seed, n_y=3):
    """Each layer's cell, parameters and initial state, a sequence, and the output layer on the top layer."""
    rng = np.random.default_rng(seed)
    cells = [CELLS[name] for name in cells]
    parameters = [cell.random_parameters(n_in, n_a, rng)
                  for cell, n_in, n_a in zip(cells, layer_inputs(n_x, units), units)]
    a0 = [rng.standard_normal((n_a, m)) for n_a in units]
    x = rng.standard_normal((n_x, m, T_x))
    parameters_y = {"W_ya": SCALE * rng.standard_normal((n_y, units[-1])), "b_y": SCALE * rng.standard_normal((n_y, 1))}
    return dict(cells=cells, x=x, a0=a0, parameters=parameters, parameters_y=parameters_y)


def _numpy_layers(p, reads_x=False, a0=None, parameters=None):
    """Every layer's states by the course's equations, or with one of the likely mistakes:
    each layer reading x (``reads_x``), other initial states or other parameters per layer."""
    a0 = p["a0"] if a0 is None else a0
    parameters = p["parameters"] if parameters is None else parameters
    states, below = [], p["x"]
    for cell, a0_l, parameters_l in zip(p["cells"], a0, parameters):
        a_l = cell.forward(p["x"] if reads_x else below, a0_l, parameters_l)
        states.append(a_l)
        below = a_l
    return states


def _runs_only_for_some_shapes(formula):
    """A mistake that only runs when the sizes allow it (n_x == n_a, say): NaN otherwise, which matches nothing."""
    def wrong(p):
        try:
            return formula(p)
        except (ValueError, IndexError, KeyError):
            return None
    return wrong


LAYER_READS_X = ("layer l reads x: a layer above the first reads the layer below it (the equation of a deep RNN, "
                 "Part 1).")
SHARED_A0 = "every layer starts from a0[0]: layer l starts from its own initial state a0[l]."
SHARED_WEIGHTS = "every layer uses parameters[0]: layer l has weights of its own, parameters[l]."


def _layer_mistakes(p, l):
    L = len(p["cells"])
    return [Mistake(hint, _runs_only_for_some_shapes(lambda p, wrong=wrong: wrong(p)[l])) for hint, wrong in (
        (LAYER_READS_X, lambda p: _numpy_layers(p, reads_x=True)),
        (SHARED_A0, lambda p: _numpy_layers(p, a0=[p["a0"][0]] * L)),
        (SHARED_WEIGHTS, lambda p: _numpy_layers(p, parameters=[p["parameters"][0]] * L)),
    )]


# ---- 1.1 Every layer's states -------------------------------------------------------------------


def collect_deep_rnn_forward(deep_rnn_forward, cells, n_x, units, m, T_x, seed):
    p = _problem(cells, n_x, units, m, T_x, seed)
    a = deep_rnn_forward(p["x"], p["a0"], p["parameters"], p["cells"])
    if not isinstance(a, (list, tuple)):
        return {"returned": type(a).__name__}
    return {"returned": "list", "a": [np.asarray(a_l, dtype=float) for a_l in a]}


def judge_deep_rnn_forward(data, cells, n_x, units, m, T_x, seed):
    p = _problem(cells, n_x, units, m, T_x, seed)
    L = len(units)
    assert data["returned"] == "list", f"deep_rnn_forward should return a list of L = {L} arrays, got a {data['returned']}."
    assert len(data["a"]) == L, f"deep_rnn_forward should return one array per layer (L = {L}), got {len(data['a'])}."
    expected = keras_deep_forward(p["cells"], p["x"], p["a0"], p["parameters"])
    for l in range(L):
        assert_shape(f"a[{l}]", data["a"][l], (units[l], m, T_x))
        diagnose(f"a[{l}] (layer {l + 1}, a {p['cells'][l].name})", data["a"][l], expected[l], p, _layer_mistakes(p, l),
                 ATOL, f"Keras' stacked layers with the same weights compute other states for layer {l + 1} (the "
                 "equation of a deep RNN, Part 1: which states at which step a layer reads).")


deep_rnn_forward = Check("deep_rnn_forward against stacked Keras layers", collect_deep_rnn_forward,
                         judge_deep_rnn_forward)


# ---- 1.2 Predictions from the top layer ---------------------------------------------------------


def collect_deep_rnn_predict(deep_rnn_predict, cells, n_x, units, n_y, m, T_x, seed, return_sequences):
    p = _problem(cells, n_x, units, m, T_x, seed, n_y)
    y_hat = deep_rnn_predict(p["x"], p["a0"], p["parameters"], p["cells"], p["parameters_y"],
                             return_sequences=return_sequences)
    return {"y_hat": np.asarray(y_hat, dtype=float)}


def judge_deep_rnn_predict(data, cells, n_x, units, n_y, m, T_x, seed, return_sequences):
    p = _problem(cells, n_x, units, m, T_x, seed, n_y)
    top = keras_deep_forward(p["cells"], p["x"], p["a0"], p["parameters"])[-1]
    every_step = from_keras_sequence(np.asarray(keras_softmax_output(p["parameters_y"])(np.transpose(top, (1, 2, 0)))))
    if return_sequences:
        assert data["y_hat"].shape != (n_y, m), (
            "y_hat holds the last step only: with return_sequences=True the model predicts at every step, "
            f"y_hat of shape {(n_y, m, T_x)}.")
        assert_shape("y_hat", data["y_hat"], (n_y, m, T_x))
        expected = every_step
    else:
        assert data["y_hat"].shape != (n_y, m, T_x), (
            f"y_hat has a prediction for every step: with return_sequences=False only the last step's, shape {(n_y, m)}.")
        assert_shape("y_hat", data["y_hat"], (n_y, m))
        expected = every_step[:, :, -1]
    assert_close_hint = ("Stacked Keras layers and Dense(softmax) holding the same weights predict otherwise (the "
                         "equation of 1.2: which layer the output reads).")
    W_ya, b_y = p["parameters_y"]["W_ya"], p["parameters_y"]["b_y"]
    last = (lambda v: v) if return_sequences else (lambda v: v[:, :, -1])
    mistakes = [Mistake("y_hat is not a probability distribution: the softmax is missing (the equation of 1.2).",
                        lambda _: last(np.einsum("yn,nmt->ymt", W_ya, top) + b_y[:, :, None]))]
    diagnose("y_hat", data["y_hat"], expected, None, mistakes, ATOL, assert_close_hint)


deep_rnn_predict = Check("deep_rnn_predict", collect_deep_rnn_predict, judge_deep_rnn_predict)


# ---- 2.1 Parameters of each layer of a stack ------------------------------------------------------


def _keras_stack_counts(cell_name, n_x, units, bidirectional):
    import keras

    layers = []
    for l, n_a in enumerate(units):
        layer = getattr(keras.layers, cell_name)(n_a, return_sequences=l < len(units) - 1)
        layers.append(keras.layers.Bidirectional(layer) if bidirectional else layer)
    model = keras.Sequential([keras.Input((None, n_x)), *layers])
    return [int(layer.count_params()) for layer in model.layers]


def collect_stack_parameter_counts(stack_parameter_counts, stacks):
    return {",".join(map(str, stack)): [int(c) for c in stack_parameter_counts(*stack)] for stack in stacks}


def judge_stack_parameter_counts(data, stacks):
    for cell_name, n_x, units, bidirectional in stacks:
        call = f"stack_parameter_counts({cell_name!r}, {n_x}, {units}, bidirectional={bidirectional})"
        actual = data[",".join(map(str, (cell_name, n_x, units, bidirectional)))]
        expected = _keras_stack_counts(cell_name, n_x, units, bidirectional)
        assert sum(expected) == sum(stack_count_params(CELLS[cell_name], n_x, units, bidirectional,
                                                       CELLS[cell_name].keras_bias_vectors))
        assert len(actual) == len(units), f"{call} should give one count per layer ({len(units)}), got {len(actual)}."
        cell = CELLS[cell_name]
        count = cell.count_bidirectional if bidirectional else cell.count_params
        every_layer_reads_x = [count(n_x, n_a, cell.keras_bias_vectors) for n_a in units]
        if bidirectional and actual != expected and actual == stack_count_params(
                cell, n_x, units, True, cell.keras_bias_vectors, merge_mode="sum"):
            raise AssertionError(f"{call} is {actual}: a bidirectional layer (merge_mode='concat') gives the next "
                                 "layer 2 n_a numbers per step, the states of both its directions.")
        if actual != expected and actual == every_layer_reads_x:
            raise AssertionError(f"{call} is {actual}: every layer was counted on the n_x = {n_x} input features; "
                                 "layer l reads the states of layer l - 1.")
        for l, (a, e) in enumerate(zip(actual, expected)):
            assert a == e, (f"Layer {l + 1} of {call} has {a!r} parameters; Keras counts {e:,}: one layer of the cell "
                            f"on what layer {l + 1} reads{', for each direction' if bidirectional else ''} (2.1).")


stack_parameter_counts = Check("stack_parameter_counts", collect_stack_parameter_counts, judge_stack_parameter_counts)


# ---- 2.2 The two-layer IMDB model --------------------------------------------------------------------


def collect_imdb_deep_model(build_imdb_deep_model, vocab_size, embedding_dim, max_length, units):
    try:
        model = build_imdb_deep_model(vocab_size, embedding_dim, max_length, units)
    except ValueError as error:  # Keras refuses a stack whose lower layer returns its last step only
        return {"error": str(error)[:300]}
    return {**describe_model(model), "output_shape": list(model.output_shape)}


def judge_imdb_deep_model(data, vocab_size, embedding_dim, max_length, units):
    assert "error" not in data, (
        "Keras could not build the model: every recurrent layer below the top must return its whole sequence "
        f"(return_sequences=True), since the layer above reads one vector per step. Keras said: {data.get('error')}")
    recurrent = layers_of(data, "Bidirectional")
    assert len(recurrent) == len(units), (
        f"The model should have {len(units)} Bidirectional(LSTM) layers, one per entry of units; it has {len(recurrent)}.")
    for l, (layer, n_a) in enumerate(zip(recurrent, units)):
        lstm = layer["forward_layer"]
        assert lstm["class"] == "LSTM" and lstm["units"] == n_a, (
            f"Recurrent layer {l + 1} should be Bidirectional(LSTM({n_a})); it is {lstm['class']}({lstm['units']}).")
        top = l == len(units) - 1
        assert lstm["return_sequences"] == (not top), (
            "the top recurrent layer returns only its last step (return_sequences=False): the classifier reads one "
            "vector per review." if top else
            f"Recurrent layer {l + 1} should return its whole sequence (return_sequences=True) for the layer above.")
    assert data["output_shape"] == [None, 1], (
        f"The model's output has shape {tuple(data['output_shape'])}; it should be (None, 1): one probability per "
        "review (the top recurrent layer returns only its last step).")
    dense = layers_of(data, "Dense")
    assert [layer["units"] for layer in dense] == [64, 1] and dense[-1]["activation"] == "sigmoid", (
        "After the recurrent layers come Dense(64, relu) and Dense(1, sigmoid).")
    lstm_counts = stack_count_params(CELLS["LSTM"], embedding_dim, units, bidirectional=True)
    parts = [vocab_size * embedding_dim, *lstm_counts, 2 * units[-1] * 64 + 64, 64 + 1]
    assert data["params"] == sum(parts), (
        f"The model has {data['params']:,} parameters, expected {sum(parts):,}: the layers asked for, no more.")


imdb_deep_model = Check("build_imdb_deep_model: layers and parameters", collect_imdb_deep_model, judge_imdb_deep_model)


# ---- 2.3 A one-layer model of the same size ----------------------------------------------------------


def _narrowest_by(rule, n_x, units):
    """The width a student who counts by `rule` finds (a likely mistake when `rule` is not Keras' count)."""
    target = rule(n_x, units)
    n_a = 1
    while rule(n_x, [n_a]) < target:
        n_a += 1
    return n_a


def _count_one_bias(n_x, units):
    return sum(stack_count_params(CELLS["GRU"], n_x, units, bias_vectors=1)) + units[-1] + 1


def _count_every_layer_on_x(n_x, units):
    return sum(CELLS["GRU"].count_params(n_x, n_a, bias_vectors=2) for n_a in units) + units[-1] + 1


WIDTH_MISTAKES = [
    (_count_one_bias, "Keras' GRU has reset_after=True by default: two bias vectors per block (chapter 7)."),
    (_count_every_layer_on_x, "a layer above the first reads the states of the layer below, not the n_x input "
                              "features (2.1)."),
]


def collect_one_layer_width(one_layer_width, stacks):
    return {",".join(map(str, (n_x, *units))): int(one_layer_width(n_x, units)) for n_x, units in stacks}


def judge_one_layer_width(data, stacks):
    for n_x, units in stacks:
        actual = data[",".join(map(str, (n_x, *units)))]
        call = f"one_layer_width({n_x}, {units})"
        expected = narrowest_single_layer(n_x, units)
        if actual == expected:
            continue
        for rule, hint in WIDTH_MISTAKES:
            if actual == _narrowest_by(rule, n_x, units):
                raise AssertionError(f"{call} is {actual}: {hint}")
        if actual == expected - 1:
            raise AssertionError(f"{call} is {actual}: a single layer that wide has fewer parameters than the stack; "
                                 "the width asked for is the narrowest with at least as many.")
        if actual == expected + 1:
            raise AssertionError(f"{call} is {actual}: one unit fewer already has at least the stack's parameters.")
        raise AssertionError(f"{call} is {actual!r}; the stack and its Dense(1) have {tagger_count(n_x, units):,} "
                             "parameters, and the narrowest single GRU tagger with at least as many has another width.")


one_layer_width = Check("one_layer_width", collect_one_layer_width, judge_one_layer_width)


# ---- 2.4 Training a deep RNN where depth pays -----------------------------------------------------------

RECURRENT_LAYERS = ("SimpleRNN", "GRU", "LSTM", "Bidirectional")


def collect_deep_tagger(model, history, n_sequences, T_x, seed, **training):
    x, _ = outlier_parity_task(n_sequences, T_x, seed)
    return {"probabilities": np.asarray(model.predict(x, verbose=0), dtype=float),
            "steps": history.params.get("steps"), "model": describe_model(model)}


def judge_deep_tagger(data, n_sequences, T_x, seed, train_sequences, batch_size, min_accuracy, min_layers,
                      compared_with):
    recurrent = [layer for layer in data["model"]["layers"] if layer["class"] in RECURRENT_LAYERS]
    assert len(recurrent) >= min_layers, (
        f"The model has {len(recurrent)} recurrent layer(s); stack at least {min_layers}.")
    assert all(layer.get("return_sequences", layer.get("forward_layer", {}).get("return_sequences"))
               for layer in recurrent[:-1]), (
        "Every recurrent layer below the top must return its whole sequence (return_sequences=True), "
        "so that the layer above reads one state per step.")
    # The single layer the stack `compared_with` was measured against (experiments.py, depth) sets the size.
    max_params = tagger_count(1, [narrowest_single_layer(1, compared_with)])
    assert data["model"]["params"] <= max_params, (
        f"The model has {data['model']['params']:,} parameters; the comparison is at about the same size: "
        f"at most {max_params:,}, those of the one-layer model it is compared with.")
    _, y = outlier_parity_task(n_sequences, T_x, seed)
    assert np.shape(data["probabilities"]) == y.shape, (
        f"The model gives predictions of shape {np.shape(data['probabilities'])} for labels of shape {y.shape}: "
        "every step has a label, so the top recurrent layer returns its whole sequence too.")
    assert_epoch_steps(data["steps"], train_sequences, batch_size)
    accuracy = held_out_accuracy(data["probabilities"], y, "steps")
    assert accuracy >= min_accuracy, (
        f"The model labels {accuracy:.1%} of the steps of {n_sequences:,} new sequences right; it should reach "
        f"{min_accuracy:.0%}, which a single GRU layer of the same size trained the same way did not reach "
        "(guessing gets 50%).")
    print(f"{accuracy:.1%} of the steps of {n_sequences:,} new sequences labelled right")


deep_tagger_accuracy = Check("a trained deep GRU that beats one layer of the same size", collect_deep_tagger,
                             judge_deep_tagger)
