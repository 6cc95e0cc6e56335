"""The course's recurrent cells: one class per cell, holding its equations, gates, Keras layout and size.

As in Keras (``keras.layers.GRUCell``, ``LSTMCell``...), a cell computes one
step and declares its weights, and one loop (``Cell.forward``) runs any cell.
Every chapter that builds a random problem, runs a cell, moves weights into
Keras or counts parameters asks these classes, and nothing else in the course
writes their equations down again (the pages' LaTeX aside, and the tests, which
check them against Keras independently).

The course writes weights to multiply from the left (``W_ax @ x_t``); Keras
multiplies from the right and concatenates the blocks of gated cells along the
last axis in its own gate order. ``keras_gates`` names those blocks in Keras'
order with the course's gate names:

=============  ==========================  ===============================  ===================
cell           course parameters           Keras blocks (order)             parameters
=============  ==========================  ===============================  ===================
simple RNN     W_ax, W_aa, b_a             one block                        n_a (n_a + n_x + 1)
GRU            W_u, W_r, W_c, b_u, b_r,    z, r, h = update (negated:       3 n_a (n_a + n_x + 1)
               b_c (W_* on [c_prev; x_t])  z = 1 - Gamma_u), reset,         (+ 3 n_a with Keras'
                                           candidate                        reset_after=True)
LSTM           W_u, W_f, W_c, W_o, b_*     i, f, c, o = update, forget,     4 n_a (n_a + n_x + 1)
               (W_* on [a_prev; x_t])      candidate, output
=============  ==========================  ===============================  ===================
"""

import numpy as np

from rnncourse.activations import sigmoid

# Random weights are drawn from N(0, SCALE^2): large enough that tanh and sigmoid give
# clearly different values, small enough that they do not saturate.
SCALE = 0.5


class Cell:
    """What every cell shares: the loop over a sequence, its weights in Keras' layout, its size.

    A subclass declares its gates and writes ``step_with_gates`` (one step) and
    ``initial_state``. A state is a tuple whose first item is the hidden state a
    that the layers above see: (a,) for the simple RNN and the GRU (where a = c),
    (a, c) for the LSTM.
    """

    name = ""  # as the pages write it
    keras_layer = ""  # the keras.layers class that computes the same cell
    gates = ()  # the course's gate names (W_g, b_g), in the order its equations come
    keras_gates = ()  # the same names in the order of Keras' blocks
    keras_complemented = ()  # gates whose Keras block computes 1 - the course's gate
    keras_bias_vectors = 1  # bias vectors per block of the Keras layer with its default settings
    keras_options = {}  # options the Keras layer needs to compute the course's equations

    def __repr__(self):
        return f"{type(self).__name__}()"

    # ---- the course's equations -----------------------------------------------------------------

    def initial_state(self, a0):
        """The state a sequence starts from."""
        return (a0,)

    def step_with_gates(self, x_t, state, parameters):
        """``(next state, gates)``: one step, and the gate values it used, by course name (``Gamma_u``...).

        The gates (and a gated cell's candidate ``c_tilde``) are what the pages plot to
        show a cell at work and what a step's cache holds; the simple RNN has none.
        """
        raise NotImplementedError

    def step(self, x_t, state, parameters):
        """One step of the cell: the next state from ``x_t`` (n_x, m) and the previous ``state``."""
        return self.step_with_gates(x_t, state, parameters)[0]

    def forward(self, x, a0, parameters):
        """The hidden states ``a`` (n_a, m, T_x) of the cell run over ``x`` (n_x, m, T_x) from ``a0``."""
        state = self.initial_state(a0)
        a = np.zeros((a0.shape[0], *x.shape[1:]))
        for t in range(x.shape[2]):
            state = self.step(x[:, :, t], state, parameters)
            a[:, :, t] = state[0]
        return a

    # ---- parameters and their count --------------------------------------------------------------

    def parameter_shapes(self, n_x, n_a):
        """Course-layout shapes of the cell's parameters (in Keras' block order: random draws depend on it)."""
        shapes = {f"W_{gate}": (n_a, n_a + n_x) for gate in self.keras_gates}
        shapes.update({f"b_{gate}": (n_a, 1) for gate in self.keras_gates})
        return shapes

    def random_parameters(self, n_x, n_a, rng):
        return {name: SCALE * rng.standard_normal(shape) for name, shape in self.parameter_shapes(n_x, n_a).items()}

    def sizes(self, parameters):
        """``(n_x, n_a)`` of a cell, read from the shapes of its parameters."""
        W = parameters[f"W_{self.keras_gates[0]}"]
        return W.shape[1] - W.shape[0], W.shape[0]

    def count_params(self, n_x, n_a, bias_vectors=1):
        """Parameters of one Keras layer of ``n_a`` units on ``n_x`` features.

        Each block has an input matrix (n_x x n_a), a recurrent one (n_a x n_a) and
        ``bias_vectors`` biases of n_a (Keras' GRU with reset_after=True has two).
        """
        return len(self.keras_gates) * n_a * (n_a + n_x + bias_vectors)

    def count_formula(self, n_x, n_a, bias_vectors=1):
        """The formula of ``count_params`` with the numbers in, for messages and pages."""
        blocks = len(self.keras_gates)
        factor = f"{blocks} x " if blocks > 1 else ""
        return f"{factor}n_a (n_a + n_x + {bias_vectors}) = {factor}{n_a} x ({n_a} + {n_x} + {bias_vectors})"

    def count_bidirectional(self, n_x, n_a, bias_vectors=1):
        """``Bidirectional`` holds two such layers, one per direction, with weights of their own."""
        return 2 * self.count_params(n_x, n_a, bias_vectors)

    def keras_count_params(self, n_x, n_a, bidirectional=False, **layer_options):
        """What Keras counts: ``count_params()`` of a bare layer of ``n_a`` units built on ``n_x`` features
        (wrapped in ``Bidirectional`` with ``bidirectional``).

        The checks compare a student's formula with this, and the tests compare
        ``count_params`` with it: the reference count comes from Keras itself.
        """
        import keras

        layer = getattr(keras.layers, self.keras_layer)(n_a, **layer_options)
        if bidirectional:
            layer = keras.layers.Bidirectional(layer)
        layer.build((None, None, n_x))
        return int(layer.count_params())

    # ---- the course's weights <-> Keras' kernel, recurrent_kernel, bias ----------------------------

    def keras_weights(self, parameters, reset_after=False):
        """``[kernel, recurrent_kernel, bias]`` for the Keras layer, from the course's parameters.

        A gated cell's ``W_g`` acts on the stacked column ``[a_prev; x_t]``, so its
        first ``n_a`` columns are the recurrent block and the others the input
        block. Keras multiplies from the right, hence the transposes, and puts
        the gates side by side in ``keras_gates`` order. A gate in
        ``keras_complemented`` is 1 - the course's in Keras, and
        ``sigmoid(-v) = 1 - sigmoid(v)``, so its weights and bias go in negated.
        With ``reset_after=True`` (GRU only) the bias is ``(2, 3 n_a)``: the
        course's biases in the input row, zeros in the recurrent row (which Keras
        would multiply by the reset gate).
        """
        n_a = parameters[f"b_{self.keras_gates[0]}"].shape[0]
        kernels, recurrent_kernels, biases = [], [], []
        for gate in self.keras_gates:
            sign = self._keras_sign(gate)
            W, b = sign * parameters[f"W_{gate}"], sign * parameters[f"b_{gate}"]
            recurrent_kernels.append(W[:, :n_a].T)
            kernels.append(W[:, n_a:].T)
            biases.append(b[:, 0])
        bias = np.concatenate(biases)
        if reset_after:
            assert "reset_after" in self.keras_options, f"only Keras' GRU has reset_after, not {self.keras_layer}"
            bias = np.stack([bias, np.zeros_like(bias)])
        return [np.concatenate(kernels, axis=1), np.concatenate(recurrent_kernels, axis=1), bias]

    def course_parameters(self, weights):
        """The inverse of ``keras_weights``: course parameters from a Keras layer's weights.

        Also maps the gradients of a loss with respect to the Keras weights to the
        course's gradients (the mapping is linear). With two bias rows (GRU,
        reset_after=True) both rows are returned, as ``b_g`` (input row) and
        ``b_g_recurrent``.
        """
        kernel, recurrent_kernel, bias = (np.asarray(w, dtype=float) for w in weights)
        n_a = recurrent_kernel.shape[0]
        rows = bias.reshape(-1, len(self.keras_gates) * n_a)
        parameters = {}
        for k, gate in enumerate(self.keras_gates):
            block = slice(k * n_a, (k + 1) * n_a)
            sign = self._keras_sign(gate)
            parameters[f"W_{gate}"] = sign * np.concatenate([recurrent_kernel[:, block].T, kernel[:, block].T], axis=1)
            parameters[f"b_{gate}"] = sign * rows[0, block][:, None]
            if len(rows) == 2:
                parameters[f"b_{gate}_recurrent"] = sign * rows[1, block][:, None]
        return parameters

    def _keras_sign(self, gate):
        return -1.0 if gate in self.keras_complemented else 1.0

    def build_keras_layer(self, parameters, reset_after=False, **options):
        """A float64 Keras layer of this cell holding the course's ``parameters``.

        ``options`` go to the layer (``return_sequences``, ``return_state``...).
        Built for any batch size and length; float64 so that comparisons can be tight.
        """
        import keras

        n_x, n_a = self.sizes(parameters)
        if "reset_after" in self.keras_options:
            options["reset_after"] = reset_after
        layer = getattr(keras.layers, self.keras_layer)(n_a, dtype="float64", **options)
        layer.build((None, None, n_x))
        layer.set_weights(self.keras_weights(parameters, reset_after))
        return layer


class SimpleRNNCell(Cell):
    """``a_next = tanh(W_aa a_prev + W_ax x_t + b_a)`` (chapter 2): two matrices of its own, no gates."""

    name = "simple RNN"
    keras_layer = "SimpleRNN"
    gates = keras_gates = ("a",)

    def step_with_gates(self, x_t, state, parameters):
        p = parameters
        (a_prev,) = state
        return (np.tanh(p["W_aa"] @ a_prev + p["W_ax"] @ x_t + p["b_a"]),), {}

    def parameter_shapes(self, n_x, n_a):
        return {"W_ax": (n_a, n_x), "W_aa": (n_a, n_a), "b_a": (n_a, 1)}

    def sizes(self, parameters):
        return parameters["W_ax"].shape[::-1]

    def keras_weights(self, parameters, reset_after=False):
        return [parameters["W_ax"].T, parameters["W_aa"].T, parameters["b_a"][:, 0]]

    def course_parameters(self, weights):
        kernel, recurrent_kernel, bias = (np.asarray(w, dtype=float) for w in weights)
        return {"W_ax": kernel.T, "W_aa": recurrent_kernel.T, "b_a": bias[:, None]}


class GRUCell(Cell):
    """The GRU of chapter 7: an update gate and a reset gate; its hidden state is its memory cell (a = c).

    Keras' GRU mixes ``h = z * h_prev + (1 - z) * h_tilde``: its z is
    ``1 - Gamma_u``. Its default ``reset_after=True`` is another cell (the reset
    gate multiplies the recurrent product); ``reset_after=False`` is the course's.
    """

    name = "GRU"
    keras_layer = "GRU"
    gates = keras_gates = ("u", "r", "c")
    keras_complemented = ("u",)
    keras_bias_vectors = 2  # Keras' default reset_after=True
    keras_options = {"reset_after": False}

    def step_with_gates(self, x_t, state, parameters):
        p = parameters
        (c_prev,) = state
        stacked = np.concatenate([c_prev, x_t])
        Gamma_u = sigmoid(p["W_u"] @ stacked + p["b_u"])
        Gamma_r = sigmoid(p["W_r"] @ stacked + p["b_r"])
        c_tilde = np.tanh(p["W_c"] @ np.concatenate([Gamma_r * c_prev, x_t]) + p["b_c"])
        c_next = Gamma_u * c_tilde + (1 - Gamma_u) * c_prev
        return (c_next,), {"Gamma_u": Gamma_u, "Gamma_r": Gamma_r, "c_tilde": c_tilde}


class LSTMCell(Cell):
    """The LSTM of chapter 8: forget, update and output gates, and a memory cell c apart from the state a.

    Keras' blocks i, f, c, o are the course's update, forget, candidate and
    output, none complemented.
    """

    name = "LSTM"
    keras_layer = "LSTM"
    gates = ("f", "u", "c", "o")  # the order of assignment 8's cache and gradients
    keras_gates = ("u", "f", "c", "o")

    def initial_state(self, a0):
        """``a0``, and a memory cell that starts from zeros (as Keras' LSTM does)."""
        return a0, np.zeros_like(a0)

    def step_with_gates(self, x_t, state, parameters):
        p = parameters
        a_prev, c_prev = state
        stacked = np.concatenate([a_prev, x_t])
        Gamma_f, Gamma_u, Gamma_o = (sigmoid(p[f"W_{g}"] @ stacked + p[f"b_{g}"]) for g in "fuo")
        c_tilde = np.tanh(p["W_c"] @ stacked + p["b_c"])
        c_next = Gamma_u * c_tilde + Gamma_f * c_prev
        return ((Gamma_o * np.tanh(c_next), c_next),
                {"Gamma_u": Gamma_u, "Gamma_f": Gamma_f, "Gamma_o": Gamma_o, "c_tilde": c_tilde})


SIMPLE_RNN = SimpleRNNCell()
GRU = GRUCell()
LSTM = LSTMCell()
CELLS = {cell.keras_layer: cell for cell in (SIMPLE_RNN, GRU, LSTM)}


def output_parameters(n_a, n_y, rng):
    """``W_ya`` (n_y, n_a) and ``b_y`` (n_y, 1) of the softmax output layer."""
    return {"W_ya": SCALE * rng.standard_normal((n_y, n_a)), "b_y": SCALE * rng.standard_normal((n_y, 1))}


def random_parameters(n_x, n_a, n_y, rng, cell=SIMPLE_RNN):
    """A cell's parameters and the output layer's, drawn with the generator ``rng``."""
    return {**cell.random_parameters(n_x, n_a, rng), **output_parameters(n_a, n_y, rng)}


def random_problem(n_x, n_a, n_y, m, seed, T_x=None, cell=SIMPLE_RNN):
    """``(parameters, x, a_prev)``: ``x`` is ``(n_x, m, T_x)``, or one step ``(n_x, m)`` if T_x is None."""
    rng = np.random.default_rng(seed)
    parameters = random_parameters(n_x, n_a, n_y, rng, cell)
    x = rng.standard_normal((n_x, m) if T_x is None else (n_x, m, T_x))
    a_prev = rng.standard_normal((n_a, m))
    return parameters, x, a_prev


# ---- both directions, and layers stacked (chapters 9 and 10) -------------------------------------

MERGE_MODES = ("concat", "sum", "ave", "mul")  # Keras' Bidirectional merge_mode, course names a_fwd, a_bwd


def merge(a_fwd, a_bwd, merge_mode="concat"):
    """The two directions' states combined as Keras' ``Bidirectional(merge_mode=...)`` does."""
    if merge_mode == "concat":
        return np.concatenate([a_fwd, a_bwd], axis=0)  # [a_fwd; a_bwd]: 2 n_a rows
    return {"sum": a_fwd + a_bwd, "ave": (a_fwd + a_bwd) / 2, "mul": a_fwd * a_bwd}[merge_mode]


def bidirectional_forward(cell, x, a0_fwd, a0_bwd, parameters_fwd, parameters_bwd, merge_mode="concat"):
    """A bidirectional layer of ``cell`` over ``x`` (n_x, m, T_x), in time order.

    The backward direction reads ``x<T_x>, ..., x<1>`` with weights of its own;
    its states are put back into time order, so that column t of the result
    combines ``a_fwd<t>`` (from ``x<1..t>``) with ``a_bwd<t>`` (from ``x<t..T_x>``).
    """
    a_fwd = cell.forward(x, a0_fwd, parameters_fwd)
    a_bwd = cell.forward(x[:, :, ::-1], a0_bwd, parameters_bwd)[:, :, ::-1]
    return merge(a_fwd, a_bwd, merge_mode)


def deep_forward(cells, x, a0, parameters, bidirectional=False, merge_mode="concat"):
    """The states of every layer of a deep RNN: a list of L arrays ``(n^[l], m, T_x)``.

    Layer l reads the states of layer l - 1 (layer 1 reads ``x``). ``cells``,
    ``a0`` and ``parameters`` have one entry per layer; with ``bidirectional``,
    each entry of ``a0`` and ``parameters`` is a pair (forward, backward).
    """
    states, below = [], x
    for cell, a0_l, parameters_l in zip(cells, a0, parameters):
        if bidirectional:
            below = bidirectional_forward(cell, below, *a0_l, *parameters_l, merge_mode=merge_mode)
        else:
            below = cell.forward(below, a0_l, parameters_l)
        states.append(below)
    return states


def layer_inputs(n_x, units, bidirectional=False, merge_mode="concat"):
    """``n_x^[l]`` of each layer of a stack: layer 1 reads ``n_x`` features, layer l the states of layer l - 1
    (``2 n_a^[l-1]`` of them from a bidirectional layer that concatenates)."""
    width = 2 if bidirectional and merge_mode == "concat" else 1
    return [n_x, *(width * n_a for n_a in units[:-1])]


def stack_count_params(cell, n_x, units, bidirectional=False, bias_vectors=1, merge_mode="concat"):
    """Parameters of each recurrent layer of a stack of ``cell`` layers of ``units`` (one n_a per layer)."""
    count = cell.count_bidirectional if bidirectional else cell.count_params
    return [count(n_in, n_a, bias_vectors)
            for n_in, n_a in zip(layer_inputs(n_x, units, bidirectional, merge_mode), units)]
