"""The course's recurrent cells, declared once: their parameters, Keras layout and size.

Every chapter that builds a random problem, moves weights into Keras or counts
parameters asks this registry, so that the GRU and the LSTM (chapters 7-8) are
added in one place instead of once per chapter.

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

from dataclasses import dataclass

import numpy as np

from rnncourse.activations import sigmoid

# Random weights are drawn from N(0, SCALE^2): large enough that tanh and sigmoid give
# clearly different values, small enough that they do not saturate.
SCALE = 0.5


@dataclass(frozen=True)
class CellType:
    name: str
    keras_layer: str  # the keras.layers class that computes the same cell
    keras_gates: tuple  # course gate names of the Keras blocks, in Keras' order
    stacked: bool  # weights act on the stacked column [a_prev; x_t] (gated cells) or not

    def parameter_shapes(self, n_x, n_a):
        """Course-layout shapes of the cell's parameters."""
        if not self.stacked:
            return {"W_ax": (n_a, n_x), "W_aa": (n_a, n_a), "b_a": (n_a, 1)}
        shapes = {f"W_{gate}": (n_a, n_a + n_x) for gate in self.keras_gates}
        shapes.update({f"b_{gate}": (n_a, 1) for gate in self.keras_gates})
        return shapes

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

    @property
    def keras_bias_vectors(self):
        """Bias vectors per block of the Keras layer with its default settings (GRU: reset_after=True)."""
        return 2 if self is GRU else 1

    def sizes(self, parameters):
        """``(n_x, n_a)`` of a cell, read from the shapes of its parameters."""
        W = parameters["W_ax"] if not self.stacked else parameters[f"W_{self.keras_gates[0]}"]
        n_a = W.shape[0]
        return (W.shape[1] if not self.stacked else W.shape[1] - n_a), n_a

    # ---- the course's equations in NumPy, for every cell -------------------------------------
    # A state is a tuple whose first item is the hidden state a that the layers above see:
    # (a,) for the simple RNN and the GRU (where a = c), (a, c) for the LSTM.

    def initial_state(self, a0):
        """The state a sequence starts from: ``a0``, and a zero memory cell for the LSTM."""
        return (a0, np.zeros_like(a0)) if self is LSTM else (a0,)

    def step(self, x_t, state, parameters):
        """One step of the cell: the next state from ``x_t`` (n_x, m) and the previous ``state``."""
        return self.step_with_gates(x_t, state, parameters)[0]

    def step_with_gates(self, x_t, state, parameters):
        """``(next state, gates)``: one step, and the gate values it used, by course name (``Gamma_u``...).

        The gates are what the pages plot to show a cell at work; the simple RNN has none.
        """
        p = parameters
        if self is SIMPLE_RNN:
            (a_prev,) = state
            return (np.tanh(p["W_aa"] @ a_prev + p["W_ax"] @ x_t + p["b_a"]),), {}
        stacked = np.concatenate([state[0], x_t])
        if self is GRU:
            (c_prev,) = state
            Gamma_u = sigmoid(p["W_u"] @ stacked + p["b_u"])
            Gamma_r = sigmoid(p["W_r"] @ stacked + p["b_r"])
            c_tilde = np.tanh(p["W_c"] @ np.concatenate([Gamma_r * c_prev, x_t]) + p["b_c"])
            return (Gamma_u * c_tilde + (1 - Gamma_u) * c_prev,), {"Gamma_u": Gamma_u, "Gamma_r": Gamma_r}
        a_prev, c_prev = state
        Gamma_u, Gamma_f, Gamma_o = (sigmoid(p[f"W_{g}"] @ stacked + p[f"b_{g}"]) for g in "ufo")
        c_next = Gamma_u * np.tanh(p["W_c"] @ stacked + p["b_c"]) + Gamma_f * c_prev
        return (Gamma_o * np.tanh(c_next), c_next), {"Gamma_u": Gamma_u, "Gamma_f": Gamma_f, "Gamma_o": Gamma_o}

    def forward(self, x, a0, parameters):
        """The hidden states ``a`` (n_a, m, T_x) of the cell run over ``x`` (n_x, m, T_x) from ``a0``."""
        state = self.initial_state(a0)
        a = np.zeros((a0.shape[0], *x.shape[1:]))
        for t in range(x.shape[2]):
            state = self.step(x[:, :, t], state, parameters)
            a[:, :, t] = state[0]
        return a

    def random_parameters(self, n_x, n_a, rng):
        return {name: SCALE * rng.standard_normal(shape) for name, shape in self.parameter_shapes(n_x, n_a).items()}

    # ---- the course's weights <-> Keras' kernel, recurrent_kernel, bias ----------------------

    def keras_weights(self, parameters, reset_after=False):
        """``[kernel, recurrent_kernel, bias]`` for the Keras layer, from the course's parameters.

        A gated cell's ``W_g`` acts on the stacked column ``[a_prev; x_t]``, so its
        first ``n_a`` columns are the recurrent block and the others the input
        block. Keras multiplies from the right, hence the transposes, and puts
        the gates side by side in ``keras_gates`` order. Keras' GRU mixes
        ``h = z * h_prev + (1 - z) * h_tilde``: its z is ``1 - Gamma_u``, and
        ``sigmoid(-v) = 1 - sigmoid(v)``, so the update gate's weights and
        bias go in negated. With ``reset_after=True`` (GRU only) the bias is
        ``(2, 3 n_a)``: the course's biases in the input row, zeros in the
        recurrent row (which Keras would multiply by the reset gate).
        """
        if not self.stacked:
            return [parameters["W_ax"].T, parameters["W_aa"].T, parameters["b_a"][:, 0]]
        n_a = parameters[f"b_{self.keras_gates[0]}"].shape[0]
        kernels, recurrent_kernels, biases = [], [], []
        for gate in self.keras_gates:
            sign = -1.0 if self._keras_complements(gate) else 1.0
            W, b = sign * parameters[f"W_{gate}"], sign * parameters[f"b_{gate}"]
            recurrent_kernels.append(W[:, :n_a].T)
            kernels.append(W[:, n_a:].T)
            biases.append(b[:, 0])
        bias = np.concatenate(biases)
        if reset_after:
            assert self is GRU, "only Keras' GRU has reset_after"
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
        if not self.stacked:
            return {"W_ax": kernel.T, "W_aa": recurrent_kernel.T, "b_a": bias[:, None]}
        n_a = recurrent_kernel.shape[0]
        rows = bias.reshape(-1, len(self.keras_gates) * n_a)
        parameters = {}
        for k, gate in enumerate(self.keras_gates):
            block = slice(k * n_a, (k + 1) * n_a)
            sign = -1.0 if self._keras_complements(gate) else 1.0
            parameters[f"W_{gate}"] = sign * np.concatenate([recurrent_kernel[:, block].T, kernel[:, block].T], axis=1)
            parameters[f"b_{gate}"] = sign * rows[0, block][:, None]
            if len(rows) == 2:
                parameters[f"b_{gate}_recurrent"] = sign * rows[1, block][:, None]
        return parameters

    def _keras_complements(self, gate):
        """Whether Keras' gate is 1 - the course's (the GRU's update gate)."""
        return self is GRU and gate == "u"

    def build_keras_layer(self, parameters, reset_after=False, **options):
        """A float64 Keras layer of this cell holding the course's ``parameters``.

        ``options`` go to the layer (``return_sequences``, ``return_state``...).
        Built for any batch size and length; float64 so that comparisons can be tight.
        """
        import keras

        n_a = parameters[f"b_{self.keras_gates[0]}"].shape[0]
        n_x = (parameters["W_ax"].shape[1] if not self.stacked
               else parameters[f"W_{self.keras_gates[0]}"].shape[1] - n_a)
        if self is GRU:
            options["reset_after"] = reset_after
        layer = getattr(keras.layers, self.keras_layer)(n_a, dtype="float64", **options)
        layer.build((None, None, n_x))
        layer.set_weights(self.keras_weights(parameters, reset_after))
        return layer


SIMPLE_RNN = CellType("simple RNN", "SimpleRNN", ("a",), stacked=False)
GRU = CellType("GRU", "GRU", ("u", "r", "c"), stacked=True)
LSTM = CellType("LSTM", "LSTM", ("u", "f", "c", "o"), stacked=True)
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
