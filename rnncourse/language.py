"""Small helpers of the language-model chapter, shared by its page, its notebook and its checks.

The corpus is a list of names; a name is a sequence of characters ended by
``EOS`` (a newline). The course feeds ``x<1> = 0`` (no character yet) and
then ``x<t> = y<t-1>``: index lists hold ``None`` where the input is the zero
vector. The character bigram model is the baseline the page and the checks
measure the RNNs against; the assignment asks students to write their own
(``fit_bigram``), so the sandbox hides these two functions when a notebook is
graded (``rnncourse/references.py``). The vocabulary, the (x, y) pairs and the
sampler are the students' to write too, and are not here.
"""

import numpy as np

EOS = "\n"


def one_hot_sequences(index_lists, n):
    """``(n, m, T)`` one-hot columns of ``m`` lists of indices, padded with zero columns to the longest.

    ``None`` gives a zero column (the input before the first character). A zero
    target column adds nothing to the cross-entropy, so padding after a short
    name's ``<EOS>`` costs nothing and changes no earlier step.
    """
    m, T = len(index_lists), max(len(indices) for indices in index_lists)
    out = np.zeros((n, m, T))
    for i, indices in enumerate(index_lists):
        for t, index in enumerate(indices):
            if index is not None:
                out[index, i, t] = 1.0
    return out


def perplexity(total_nll, n_tokens):
    """exp(mean negative log-likelihood per predicted token): the number of equally likely choices
    that would leave the model as uncertain as it is."""
    return float(np.exp(total_nll / n_tokens))


def bigram_table(names, char_to_ix, alpha):
    """P[i, j] = P(next = j | previous = i), with <EOS> as the context of the first character; add-alpha.

    Counted on each name framed by ``EOS`` on both sides, so the table also
    knows how names start and end; ``alpha`` added to every count keeps a pair
    never seen in training from getting probability 0.
    """
    n = len(char_to_ix)
    counts = np.full((n, n), float(alpha))
    eos = char_to_ix[EOS]
    for name in names:
        sequence = [eos] + [char_to_ix[char] for char in name] + [eos]
        np.add.at(counts, (sequence[:-1], sequence[1:]), 1)
    return counts / counts.sum(axis=1, keepdims=True)


def bigram_perplexity(table, names, char_to_ix):
    """Perplexity of a bigram ``table`` on ``names``: every letter and the final <EOS> of each name count."""
    eos = char_to_ix[EOS]
    nll, n = 0.0, 0
    for name in names:
        sequence = [eos] + [char_to_ix[char] for char in name] + [eos]
        nll -= np.sum(np.log(table[sequence[:-1], sequence[1:]]))
        n += len(sequence) - 1
    return perplexity(nll, n)


def keras_language_model(parameters, dtype="float32"):
    """``Input(None, n_x) -> SimpleRNN(n_a, return_sequences=True) -> Dense(n_y, softmax)`` holding the weights.

    The Keras twin of the course's NumPy language model: the same equations, so
    the same parameters give the same probabilities.
    """
    import keras

    from rnncourse.keras_bridge import dense_weights, simple_rnn_weights

    n_a, n_x = parameters["W_ax"].shape
    n_y = parameters["W_ya"].shape[0]
    model = keras.Sequential([
        keras.Input(shape=(None, n_x), dtype=dtype),
        keras.layers.SimpleRNN(n_a, return_sequences=True, dtype=dtype),
        keras.layers.Dense(n_y, activation="softmax", dtype=dtype),
    ])
    model.layers[0].set_weights(simple_rnn_weights(parameters))
    model.layers[1].set_weights(dense_weights(parameters["W_ya"], parameters["b_y"]))
    return model
