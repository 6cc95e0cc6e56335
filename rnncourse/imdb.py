"""The course's IMDB review classifier, built in one place (chapters 7-9 and the comparison of experiments.py).

The syllabus' model reads reviews of ``MAX_LENGTH`` words over a vocabulary of
``VOCAB_SIZE`` (``data.load_imdb_reviews`` holds the reviews), embeds each word in
``EMBEDDING_DIM`` dimensions, reads them with ``Bidirectional(cell(N_UNITS))``
and decides with a small head, ``Dense(6, relu)`` then ``Dense(1, sigmoid)``.
The pages, the grading of chapter 9 and the experiments build it with
``imdb_model`` and count it with ``imdb_parameter_counts`` (the formulas of
``rnncourse.cells``), so that no page or test types its counts.
"""

VOCAB_SIZE, EMBEDDING_DIM, MAX_LENGTH, N_UNITS = 10_000, 16, 120, 32
HEAD_UNITS = 6  # the units of the Dense(relu) layer between the recurrent layer and the decision


def word_model(*middle, name=None, vocab_size=VOCAB_SIZE, embedding_dim=EMBEDDING_DIM, max_length=MAX_LENGTH):
    """Embedding(vocab_size, embedding_dim) on max_length words -> middle layers -> Dense(6, relu) -> Dense(1, sigmoid).

    The syllabus puts other middles (Flatten, a convolution, one direction) between the same ends.
    """
    import keras

    return keras.Sequential([
        keras.Input(shape=(max_length,)),
        keras.layers.Embedding(vocab_size, embedding_dim),
        *middle,
        keras.layers.Dense(HEAD_UNITS, activation="relu"),
        keras.layers.Dense(1, activation="sigmoid"),
    ], name=name)


def imdb_model(cell_name="LSTM", merge_mode="concat", n_units=N_UNITS, vocab_size=VOCAB_SIZE,
               embedding_dim=EMBEDDING_DIM, max_length=MAX_LENGTH):
    """The course's classifier: Embedding -> Bidirectional(cell_name(n_units), merge_mode) -> Dense(6) -> Dense(1).

    ``cell_name`` is a keras.layers class: "SimpleRNN", "GRU" or "LSTM".
    """
    import keras

    recurrent = keras.layers.Bidirectional(getattr(keras.layers, cell_name)(n_units), merge_mode=merge_mode)
    return word_model(recurrent, name=f"imdb_{cell_name.lower()}", vocab_size=vocab_size,
                      embedding_dim=embedding_dim, max_length=max_length)


def imdb_parameter_counts(cell_name="LSTM", merge_mode="concat", n_units=N_UNITS, vocab_size=VOCAB_SIZE,
                          embedding_dim=EMBEDDING_DIM):
    """The parameters of each layer of ``imdb_model`` (Embedding, Bidirectional, Dense(6), Dense(1)), from formulas.

    The bidirectional layer comes from the cells' formulas with Keras' default biases (two per block for a GRU);
    the merge mode adds no weight, but Dense(6) reads 2 n_units numbers with "concat" and n_units otherwise.
    """
    from rnncourse.cells import CELLS

    cell = CELLS[cell_name]
    width = 2 * n_units if merge_mode == "concat" else n_units
    return [vocab_size * embedding_dim, cell.count_bidirectional(embedding_dim, n_units, cell.keras_bias_vectors),
            width * HEAD_UNITS + HEAD_UNITS, HEAD_UNITS + 1]
