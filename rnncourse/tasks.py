"""Synthetic sequence tasks the chapters train and grade on: generators of problems, not checks.

Each task is a function of its sizes and a seed, so that a notebook, a page and
a check that ask for the same seed get the same sequences. Keras tasks return
``(x, y)`` as Keras reads them: ``x`` of shape ``(n_sequences, T_x, n_x)`` and the labels. The pages, the
notebooks' given code and the checks of ``rnncourse.grading`` draw their
problems from here, so a grading module imports a task from the library and
never from an experiment module. Each chapter keeps its own section.
"""

import numpy as np

from rnncourse.data import AGREEMENT_VOCABULARY, agreement_task

# ---- chapter 6: the agreement task for the course's NumPy RNN ---------------------------------


def agreement_rnn_problem(n_a, lag, m, seed, scale=1.0):
    """A NumPy problem on the agreement task for the course's RNN: ``(parameters, x, y)``.

    ``x`` holds ``m`` one-hot sentences, shape ``(n_x, m, lag + 2)`` with ``n_x``
    the vocabulary size, and ``y`` their labels (0 "was", 1 "were"). The weights
    are a starting point for training a many-to-one RNN with a softmax over the
    two verbs: ``W_aa = scale * Q`` with ``Q`` a random orthogonal matrix (every
    singular value equals ``scale``), ``W_ax`` of standard deviation 0.5, small
    ``W_ya`` and zero biases.
    """
    rng = np.random.default_rng(seed)
    n_x = len(AGREEMENT_VOCABULARY)
    Q, _ = np.linalg.qr(rng.standard_normal((n_a, n_a)))
    parameters = {"W_aa": scale * Q, "W_ax": 0.5 * rng.standard_normal((n_a, n_x)), "b_a": np.zeros((n_a, 1)),
                  "W_ya": 0.1 * rng.standard_normal((2, n_a)), "b_y": np.zeros((2, 1))}
    tokens, y = agreement_task(m, lag, rng)
    x = np.eye(n_x)[:, tokens]  # (n_x, m, T_x): one column of the identity per token
    return parameters, x, y.astype(np.int64)


# ---- chapter 7: remember the first input ---------------------------------------------------------


def memory_task(n_sequences, T_x, seed):
    """``(x, y)``: ``x`` is ``(n_sequences, T_x, 1)``, noise except the first step, which is +1 or -1; ``y`` says which.

    To answer at the end, a recurrent layer must carry the first value across
    ``T_x - 1`` steps of noise.
    """
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n_sequences)
    x = rng.standard_normal((n_sequences, T_x, 1))
    x[:, 0, 0] = 2.0 * y - 1.0
    return x.astype("float32"), y


# ---- chapter 9: a tagger that needs the next input ---------------------------------------------


def next_input_task(n_sequences, T_x, seed):
    """``(x, y)``: ``x`` is ``(n_sequences, T_x, 1)`` noise; the label of step t says whether x<t> + x<t+1> > 0.

    The last step has no next input (it counts as 0). A left-to-right RNN has
    not read x<t+1> when it labels step t, so it can only guess that half of the
    sum (about 75% right); a bidirectional one has read it.
    """
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n_sequences, T_x, 1))
    following = np.concatenate([x[:, 1:, 0], np.zeros((n_sequences, 1))], axis=1)
    return x.astype("float32"), (x[:, :, 0] + following > 0).astype("float32")[:, :, None]


# ---- chapter 10: a task where depth pays ----------------------------------------------------------


def outlier_parity_task(n_sequences, T_x, seed):
    """``(x, y)``: ``x`` is ``(n_sequences, T_x, 1)`` noise from N(0, 1); the label of step t says whether an odd
    number of x<1>, ..., x<t> lie beyond +-1.

    Each step needs two stages of computation: whether |x<t>| > 1, which is not
    monotone in x<t> (no single sigmoid or tanh of x<t> says it), and then
    flipping the running parity on that answer. A stack of two layers can give
    each stage a layer at the same step; a single layer must do both in one
    update. About a third of the steps flip the parity, so the labels are
    balanced after the first few steps.
    """
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n_sequences, T_x, 1))
    flips = np.abs(x[:, :, 0]) > 1
    return x.astype("float32"), (np.cumsum(flips, axis=1) % 2).astype("float32")[:, :, None]


def tagger_count(n_x, units):
    """Parameters of a stack of Keras GRU layers (default settings) of ``units`` with Dense(1) on its top layer."""
    from rnncourse.cells import GRU, stack_count_params

    return sum(stack_count_params(GRU, n_x, units, bias_vectors=GRU.keras_bias_vectors)) + units[-1] + 1


def narrowest_single_layer(n_x, units):
    """The fewest units of a single GRU tagger with at least the parameters of the stack ``units``.

    Depth is compared at about the same size, and the single layer gets the benefit of any rounding.
    """
    n_a = 1
    while tagger_count(n_x, [n_a]) < tagger_count(n_x, units):
        n_a += 1
    return n_a
