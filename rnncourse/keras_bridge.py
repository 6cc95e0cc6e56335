"""Moving weights and sequences between the course's NumPy layout and Keras.

The course writes a sequence as ``x`` of shape ``(n_x, m, T_x)`` and multiplies
weights from the left (``W_ax @ x_t``). Keras puts the batch first,
``(m, T_x, n_x)``, and multiplies from the right (``x_t @ kernel``), so every
Keras weight is the transpose of the course's:

========================  ====================  ===========================
course                    Keras SimpleRNN       shape in Keras
========================  ====================  ===========================
``W_ax`` (n_a, n_x)       ``kernel``            (n_x, n_a)
``W_aa`` (n_a, n_a)       ``recurrent_kernel``  (n_a, n_a)
``b_a`` (n_a, 1)          ``bias``              (n_a,)
``W_ya`` (n_y, n_a)       Dense ``kernel``      (n_a, n_y)
``b_y`` (n_y, 1)          Dense ``bias``        (n_y,)
========================  ====================  ===========================
"""

import numpy as np


def to_keras_sequence(x):
    """(n, m, T) in the course layout -> (m, T, n) for Keras."""
    return np.transpose(x, (1, 2, 0))


def from_keras_sequence(x_keras):
    """(m, T, n) from Keras -> (n, m, T) in the course layout."""
    return np.transpose(x_keras, (2, 0, 1))


def simple_rnn_weights(parameters):
    """``[kernel, recurrent_kernel, bias]`` for ``SimpleRNN.set_weights``."""
    return [parameters["W_ax"].T, parameters["W_aa"].T, parameters["b_a"][:, 0]]


def dense_weights(W, b):
    """``[kernel, bias]`` for ``Dense.set_weights`` from ``W (n_out, n_in)``, ``b (n_out, 1)``."""
    return [W.T, b[:, 0]]


def keras_simple_rnn(parameters, activation="tanh", **options):
    """A float64 Keras ``SimpleRNN`` holding ``W_ax``, ``W_aa``, ``b_a``.

    ``options`` go to the layer (``return_sequences``, ``return_state``). Built
    for any batch size and length; float64 so that comparisons can be tight.
    """
    import keras

    n_a, n_x = parameters["W_ax"].shape
    rnn = keras.layers.SimpleRNN(n_a, activation=activation, dtype="float64", **options)
    rnn.build((None, None, n_x))
    rnn.set_weights(simple_rnn_weights(parameters))
    return rnn


def keras_softmax_output(parameters):
    """A float64 ``Dense(softmax)`` holding ``W_ya``, ``b_y``.

    Dense acts on the last axis, so the same layer predicts from one state
    ``(m, n_a)`` or from every step ``(m, T_x, n_a)``.
    """
    import keras

    n_y, n_a = parameters["W_ya"].shape
    output = keras.layers.Dense(n_y, activation="softmax", dtype="float64")
    output.build((None, n_a))
    output.set_weights(dense_weights(parameters["W_ya"], parameters["b_y"]))
    return output


def keras_rnn_forward(x, a0, parameters, activation="tanh"):
    """The course's RNN forward pass computed by Keras layers holding the same weights.

    Returns ``(a, y_hat)`` in the course layout: ``(n_a, m, T_x)`` and
    ``(n_y, m, T_x)``.
    """
    rnn = keras_simple_rnn(parameters, activation, return_sequences=True)
    a_keras = rnn(to_keras_sequence(x), initial_state=[a0.T])
    y_hat_keras = keras_softmax_output(parameters)(a_keras)
    return from_keras_sequence(np.asarray(a_keras)), from_keras_sequence(np.asarray(y_hat_keras))


# ---- gated cells (chapters 7 and 8): the mapping itself lives in rnncourse/cells.py -----------


def keras_gru(parameters, reset_after=False, **options):
    """A float64 Keras ``GRU`` holding the course's ``W_u, W_r, W_c, b_u, b_r, b_c``.

    ``reset_after=False`` computes the course's equations exactly; Keras' default,
    ``reset_after=True``, applies the reset gate after the recurrent product
    (see ``cells.GRUCell``).
    """
    from rnncourse.cells import GRU

    return GRU.build_keras_layer(parameters, reset_after=reset_after, **options)


def keras_lstm(parameters, **options):
    """A float64 Keras ``LSTM`` holding the course's ``W_u, W_f, W_c, W_o`` and biases."""
    from rnncourse.cells import LSTM

    return LSTM.build_keras_layer(parameters, **options)


def keras_gru_forward(x, c0, parameters, reset_after=False):
    """Every ``c<t>`` (= ``a<t>``) of the GRU computed by Keras, in the course layout ``(n_a, m, T_x)``."""
    gru = keras_gru(parameters, reset_after=reset_after, return_sequences=True)
    return from_keras_sequence(np.asarray(gru(to_keras_sequence(x), initial_state=[c0.T])))


def keras_lstm_forward(x, a0, parameters, c0=None):
    """``(a, c_last)`` of the LSTM computed by Keras: every ``a<t>`` ``(n_a, m, T_x)`` and the last ``c`` ``(n_a, m)``.

    The memory cell starts from zeros unless ``c0`` is given.
    """
    lstm = keras_lstm(parameters, return_sequences=True, return_state=True)
    c0 = np.zeros_like(a0) if c0 is None else c0
    a, _, c_last = lstm(to_keras_sequence(x), initial_state=[a0.T, c0.T])
    return from_keras_sequence(np.asarray(a)), np.asarray(c_last).T


# ---- loss and gradients of a language model, by TensorFlow ----------------------------------

_LOSS_AND_GRADIENTS = {}  # (n_x, n_a, n_y) -> (layers, compiled step): built once per shape


def course_loss_tensor(y, y_hat):
    """The course's loss J from Keras-layout ``(m, T_x, n_y)`` targets and predictions, as a tensor.

    J = (1/m) * sum_i sum_t ( -sum_k y_k^(i)<t> log y_hat_k^(i)<t> ): the
    cross-entropy summed over the steps, averaged over the examples; a zero
    target column (padding after <EOS>) adds nothing. Written once, here, for
    ``rnn_loss_and_gradients``, ``handouts.course_loss`` and the checks.

    It is the formula, not Keras' ``categorical_crossentropy``: on the output of a
    softmax layer inside a ``tf.function`` Keras computes that loss from the
    logits, and TensorFlow's gradient of it assumes every target column sums to
    1, so a padding step would get a gradient (softmax - 0) although it adds
    nothing to J. Nor is y_hat clipped: J is the course's, exactly.
    """
    import tensorflow as tf

    m = tf.cast(tf.shape(y_hat)[0], y_hat.dtype)
    return -tf.reduce_sum(tf.cast(y, y_hat.dtype) * tf.math.log(y_hat)) / m


def _language_model_step(n_x, n_a, n_y):
    import tensorflow as tf

    key = (n_x, n_a, n_y)
    if key not in _LOSS_AND_GRADIENTS:
        shapes = {"W_ax": np.zeros((n_a, n_x)), "W_aa": np.zeros((n_a, n_a)), "b_a": np.zeros((n_a, 1)),
                  "W_ya": np.zeros((n_y, n_a)), "b_y": np.zeros((n_y, 1))}
        rnn = keras_simple_rnn(shapes, return_sequences=True)
        output = keras_softmax_output(shapes)
        variables = [*rnn.trainable_variables, *output.trainable_variables]

        @tf.function(reduce_retracing=True)
        def step(x, y, a0):
            with tf.GradientTape() as tape:
                tape.watch(a0)
                J = course_loss_tensor(y, output(rnn(x, initial_state=[a0])))
            return J, tape.gradient(J, [*variables, a0])

        _LOSS_AND_GRADIENTS[key] = (variables, step)
    return _LOSS_AND_GRADIENTS[key]


def rnn_loss_and_gradients(x, y, a0, parameters):
    """The loss J of the course's RNN and its gradients, computed by Keras and ``tf.GradientTape``.

    ``x`` (n_x, m, T_x) and the one-hot targets ``y`` (n_y, m, T_x) are in the
    course layout; a column of zeros in ``y`` (padding after a short sequence's
    end) adds nothing to the loss. J is the cross-entropy summed over the steps
    and averaged over the m examples. Returns ``(J, gradients)`` with
    ``gradients`` = {dW_ax, dW_aa, db_a, dW_ya, db_y, da0} in the course's shapes.

    It hands out the forward and backward passes of chapters 2 and 3 without
    their NumPy code: Keras' SimpleRNN and Dense layers hold the weights and
    TensorFlow differentiates them.
    """
    n_a, n_x = parameters["W_ax"].shape
    n_y = parameters["W_ya"].shape[0]
    variables, step = _language_model_step(n_x, n_a, n_y)
    weights = [*simple_rnn_weights(parameters), *dense_weights(parameters["W_ya"], parameters["b_y"])]
    for variable, value in zip(variables, weights):
        variable.assign(np.asarray(value, dtype="float64"))
    J, (kernel, recurrent_kernel, bias, dense_kernel, dense_bias, da0) = step(
        np.asarray(to_keras_sequence(x), dtype="float64"), np.asarray(to_keras_sequence(y), dtype="float64"),
        np.asarray(a0, dtype="float64").T)
    gradients = {
        "dW_ax": np.asarray(kernel).T, "dW_aa": np.asarray(recurrent_kernel).T, "db_a": np.asarray(bias)[:, None],
        "dW_ya": np.asarray(dense_kernel).T, "db_y": np.asarray(dense_bias)[:, None], "da0": np.asarray(da0).T,
    }
    return float(J), gradients


# ---- both directions and stacked layers (chapters 9 and 10) -------------------------------------


def keras_bidirectional(cell, parameters_fwd, parameters_bwd, merge_mode="concat", **options):
    """A float64 ``Bidirectional`` of ``cell``'s Keras layer: the forward layer holds ``parameters_fwd``,
    the backward one ``parameters_bwd`` (``cell`` is a ``rnncourse.cells.Cell``).

    ``options`` go to the inner layer (``return_sequences``...); a GRU computes the course's
    equations (``reset_after=False``).
    """
    import keras

    layer = cell.build_keras_layer(parameters_fwd, **options)
    n_x, _ = cell.sizes(parameters_fwd)
    both = keras.layers.Bidirectional(layer, merge_mode=merge_mode, dtype="float64")
    both.build((None, None, n_x))
    # Bidirectional's weights are the forward layer's, then the backward layer's.
    both.set_weights(cell.keras_weights(parameters_fwd) + cell.keras_weights(parameters_bwd))
    return both


def _initial_states(cell, a0):
    """Keras' initial_state list for a course ``a0`` (n_a, m): the LSTM's memory starts from zeros."""
    return [state.T for state in cell.initial_state(a0)]


def keras_bidirectional_forward(cell, x, a0_fwd, a0_bwd, parameters_fwd, parameters_bwd, merge_mode="concat"):
    """Every step's merged states computed by Keras' ``Bidirectional``, in the course layout (n, m, T_x)."""
    both = keras_bidirectional(cell, parameters_fwd, parameters_bwd, merge_mode, return_sequences=True)
    a = both(to_keras_sequence(x), initial_state=_initial_states(cell, a0_fwd) + _initial_states(cell, a0_bwd))
    return from_keras_sequence(np.asarray(a))


def keras_stack(cells, parameters, bidirectional=False, merge_mode="concat", return_sequences=True):
    """Keras layers of a deep RNN holding the course's weights, one per entry of ``cells``.

    Every layer but the top returns its whole sequence, which the next layer reads;
    the top returns the sequence or only its last step (``return_sequences``). With
    ``bidirectional`` each entry of ``parameters`` is a pair (forward, backward).
    """
    layers = []
    for l, (cell, parameters_l) in enumerate(zip(cells, parameters)):
        sequences = return_sequences or l < len(cells) - 1
        if bidirectional:
            layers.append(keras_bidirectional(cell, *parameters_l, merge_mode, return_sequences=sequences))
        else:
            layers.append(cell.build_keras_layer(parameters_l, return_sequences=sequences))
    return layers


def keras_deep_forward(cells, x, a0, parameters, bidirectional=False, merge_mode="concat"):
    """The states of every layer of a deep RNN computed by stacked Keras layers: a list of (n^[l], m, T_x)."""
    below, states = to_keras_sequence(x), []
    for cell, layer, a0_l in zip(cells, keras_stack(cells, parameters, bidirectional, merge_mode), a0):
        initial = (_initial_states(cell, a0_l[0]) + _initial_states(cell, a0_l[1]) if bidirectional
                   else _initial_states(cell, a0_l))
        below = layer(below, initial_state=initial)
        states.append(from_keras_sequence(np.asarray(below)))
    return states
