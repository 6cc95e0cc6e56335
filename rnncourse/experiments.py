"""Training runs too long for a book page, run by a command that stores what it measured.

    python -m rnncourse.experiments gated            # chapters 7-8: IMDB with GRU and LSTM, sunspots with LSTM
    python -m rnncourse.experiments gated --short    # the same code on a sliver of the data (tests, CI)
    python -m rnncourse.experiments sunspots         # chapters 9-10: bidirectional and stacked LSTM forecasters

The results (per-epoch history, seconds per epoch, final scores, the library
versions and the machine) go to a small JSON file, by default
``book/results/gated.json``, which the pages of chapters 7 and 8 read and
present as measured by this command. Seeds are fixed; timings are wall-clock
on whatever machine ran it, recorded with the machine's description.
"""

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

RESULTS = Path(__file__).resolve().parent.parent / "book" / "results"

# The syllabus' IMDB configuration.
VOCAB_SIZE, EMBEDDING_DIM, MAX_LENGTH, N_UNITS = 10_000, 16, 120, 32
# Sunspots: the split of chapter 4 and a window of 30 months, as there.
WINDOW_SIZE = 30
SUNSPOT_EPOCHS = 150


def imdb_model(cell):
    """Embedding(10,000, 16) -> Bidirectional(cell(32)) -> Dense(6, relu) -> Dense(1, sigmoid)."""
    import keras

    return keras.Sequential([
        keras.Input(shape=(MAX_LENGTH,)),
        keras.layers.Embedding(VOCAB_SIZE, EMBEDDING_DIM),
        keras.layers.Bidirectional(getattr(keras.layers, cell)(N_UNITS)),
        keras.layers.Dense(6, activation="relu"),
        keras.layers.Dense(1, activation="sigmoid"),
    ], name=f"imdb_{cell.lower()}")


def imdb_data(n_train=None):
    """Word indices of the reviews, vocabulary from the training reviews (chapter 1's TextVectorization path)."""
    import keras

    from rnncourse.data import load_imdb_reviews

    (train_texts, train_labels), (test_texts, test_labels) = load_imdb_reviews()
    if n_train is not None:  # a sliver of each split, both labels
        pick = np.random.default_rng(0).permutation(len(train_texts))[:n_train]
        train_texts, train_labels = [train_texts[i] for i in pick], train_labels[pick]
        pick = np.random.default_rng(1).permutation(len(test_texts))[:n_train]
        test_texts, test_labels = [test_texts[i] for i in pick], test_labels[pick]
    vectorizer = keras.layers.TextVectorization(max_tokens=VOCAB_SIZE, output_sequence_length=MAX_LENGTH)
    vectorizer.adapt(train_texts, batch_size=1000)
    return (np.asarray(vectorizer(train_texts)), train_labels), (np.asarray(vectorizer(test_texts)), test_labels)


class EpochTimer:
    """A Keras callback that records the wall-clock seconds of every epoch."""

    def __new__(cls):
        import keras

        class Timer(keras.callbacks.Callback):
            def on_train_begin(self, logs=None):
                self.seconds = []

            def on_epoch_begin(self, epoch, logs=None):
                self.started = time.perf_counter()

            def on_epoch_end(self, epoch, logs=None):
                self.seconds.append(time.perf_counter() - self.started)

        return Timer()


def run_imdb(cell, data, epochs, batch_size=128):
    import keras

    (x_train, y_train), (x_test, y_test) = data
    keras.utils.set_random_seed(42)
    model = imdb_model(cell)
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    timer = EpochTimer()
    history = model.fit(x_train, y_train, epochs=epochs, batch_size=batch_size, validation_data=(x_test, y_test),
                        callbacks=[timer], verbose=0)
    return {"params": int(model.count_params()), "epochs": epochs, "batch_size": batch_size,
            "train_reviews": int(len(x_train)), "validation_reviews": int(len(x_test)),
            "history": {key: [float(v) for v in values] for key, values in history.history.items()},
            "seconds_per_epoch": [round(s, 2) for s in timer.seconds]}


def sunspots_model():
    """Scaled input -> LSTM(32, sequences) -> LSTM(32) -> Dense(1) -> x 100 (the sunspot scale)."""
    import keras

    return keras.Sequential([
        keras.Input((WINDOW_SIZE,)),
        keras.layers.Lambda(lambda x: keras.ops.expand_dims(x / 100.0, axis=-1)),
        keras.layers.LSTM(32, return_sequences=True),
        keras.layers.LSTM(32),
        keras.layers.Dense(1),
        keras.layers.Lambda(lambda x: x * 100.0),
    ], name="sunspots_lstm")


def run_sunspots(epochs):
    import keras

    from rnncourse.data import SUNSPOTS_SPLIT_TIME, load_sunspots
    from rnncourse.forecast import naive_mae, validation_mae
    from rnncourse.windows import split_series, windowed_dataset

    time_index, series = load_sunspots()
    (_, x_train), _ = split_series(time_index, series, SUNSPOTS_SPLIT_TIME)
    train_set = windowed_dataset(x_train, WINDOW_SIZE, 32, 1000, seed=51)
    keras.utils.set_random_seed(51)
    model = sunspots_model()
    # Adam from 3e-3, decayed to 0 along a cosine over the whole run: big steps first, a settled model at the end.
    steps = epochs * int(np.ceil((len(x_train) - WINDOW_SIZE) / 32))
    rate = keras.optimizers.schedules.CosineDecay(3e-3, steps)
    model.compile(loss=keras.losses.Huber(), optimizer=keras.optimizers.Adam(rate), metrics=["mae"])
    timer = EpochTimer()
    history = model.fit(train_set, epochs=epochs, callbacks=[timer], verbose=0)
    return {"params": int(model.count_params()), "epochs": epochs, "window_size": WINDOW_SIZE,
            "optimizer": "Adam, rate 3e-3 decayed to 0 along a cosine, Huber loss, batches of 32",
            "history": {key: [float(v) for v in values] for key, values in history.history.items()},
            "seconds_per_epoch": [round(s, 2) for s in timer.seconds],
            "validation_mae": validation_mae(model, series, SUNSPOTS_SPLIT_TIME, WINDOW_SIZE),
            "naive_mae": naive_mae(series, SUNSPOTS_SPLIT_TIME)}


def sunspots_bidirectional_model(n_layers, scaled):
    """``n_layers`` Bidirectional(LSTM(32)) (sequences below the top) -> Dense(1) -> x 100: the syllabus' variants.

    ``scaled=False`` feeds the raw sunspot numbers (0 to about 400) as the syllabus does; ``scaled=True`` divides
    them by 100 first, as chapter 4 and ``sunspots_model`` do, so that the LSTM's gates do not saturate.
    """
    import keras

    layers = [keras.Input((WINDOW_SIZE,)),
              keras.layers.Lambda(lambda x: keras.ops.expand_dims(x / 100.0 if scaled else x, axis=-1))]
    layers += [keras.layers.Bidirectional(keras.layers.LSTM(32, return_sequences=l < n_layers - 1))
               for l in range(n_layers)]
    layers += [keras.layers.Dense(1), keras.layers.Lambda(lambda x: x * 100.0)]
    return keras.Sequential(layers, name=f"sunspots_bilstm_{n_layers}")


def run_sunspots_variant(n_layers, recipe, epochs):
    """One bidirectional forecaster trained with the syllabus' recipe or with the course's (see ``run_sunspots``)."""
    import keras

    from rnncourse.data import SUNSPOTS_SPLIT_TIME, load_sunspots
    from rnncourse.forecast import validation_mae
    from rnncourse.windows import split_series, windowed_dataset

    time_index, series = load_sunspots()
    (_, x_train), _ = split_series(time_index, series, SUNSPOTS_SPLIT_TIME)
    train_set = windowed_dataset(x_train, WINDOW_SIZE, 32, 1000, seed=51)
    keras.backend.clear_session()
    keras.utils.set_random_seed(51)
    model = sunspots_bidirectional_model(n_layers, scaled=recipe == "course")
    if recipe == "syllabus":
        optimizer, loss = keras.optimizers.SGD(1e-6, momentum=0.9), "mse"
        described = "syllabus: raw input, MSE, SGD 1e-6 momentum 0.9, batches of 32"
    else:
        steps = epochs * int(np.ceil((len(x_train) - WINDOW_SIZE) / 32))
        optimizer, loss = keras.optimizers.Adam(keras.optimizers.schedules.CosineDecay(3e-3, steps)), keras.losses.Huber()
        described = "course: input / 100, Huber, Adam 3e-3 decayed to 0 along a cosine, batches of 32"
    model.compile(loss=loss, optimizer=optimizer, metrics=["mae"])
    timer = EpochTimer()
    history = model.fit(train_set, epochs=epochs, callbacks=[timer], verbose=0)
    return {"layers": n_layers, "recipe": described, "params": int(model.count_params()), "epochs": epochs,
            "history": {key: [float(v) for v in values] for key, values in history.history.items()},
            "seconds_per_epoch": [round(s, 2) for s in timer.seconds],
            "validation_mae": validation_mae(model, series, SUNSPOTS_SPLIT_TIME, WINDOW_SIZE)}


def sunspots(short=False, parts=("variants",)):
    """Chapters 9-10: the syllabus' bidirectional and stacked LSTM forecasters of the sunspots, one table."""
    from rnncourse.data import SUNSPOTS_SPLIT_TIME, load_sunspots
    from rnncourse.forecast import naive_mae

    started = time.perf_counter()
    epochs = 1 if short else 100
    results = {"command": "python -m rnncourse.experiments sunspots" + (" --short" if short else ""),
               "short": short, "environment": environment(), "window_size": WINDOW_SIZE,
               "naive_mae": naive_mae(load_sunspots()[1], SUNSPOTS_SPLIT_TIME)}
    runs = [(1, "syllabus"), (2, "syllabus"), (3, "syllabus"), (1, "course"), (2, "course")]
    results["variants"] = [run_sunspots_variant(n_layers, recipe, epochs) for n_layers, recipe in runs]
    results["total_seconds"] = round(time.perf_counter() - started, 1)
    return results


def environment():
    import keras
    import tensorflow as tf

    return {"python": platform.python_version(), "tensorflow": tf.__version__, "keras": keras.__version__,
            "numpy": np.__version__, "machine": platform.machine(), "processor": platform.processor() or "unknown",
            "cpu_count": os.cpu_count(), "system": platform.system(),
            "load_average_at_start": [round(x, 1) for x in os.getloadavg()],
            "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}


def gated(short=False, parts=("imdb", "sunspots")):
    """Chapters 7-8: IMDB with Bidirectional GRU and LSTM; sunspots with a stacked LSTM."""
    started = time.perf_counter()
    results = {"command": "python -m rnncourse.experiments gated" + (" --short" if short else ""),
               "short": short, "environment": environment()}
    if "imdb" in parts:
        data = imdb_data(n_train=256 if short else None)
        results["imdb"] = {cell: run_imdb(cell, data, epochs=1 if short else 3) for cell in ("GRU", "LSTM")}
    if "sunspots" in parts:
        results["sunspots"] = run_sunspots(epochs=1 if short else SUNSPOT_EPOCHS)
    results["total_seconds"] = round(time.perf_counter() - started, 1)
    return results


EXPERIMENTS = {"gated": gated, "sunspots": sunspots}


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m rnncourse.experiments", description=__doc__.splitlines()[0])
    parser.add_argument("experiment", choices=sorted(EXPERIMENTS))
    parser.add_argument("--short", action="store_true", help="a sliver of the data, one epoch: proves the code runs")
    parser.add_argument("--out", type=Path, help="JSON file to write (default book/results/EXPERIMENT.json)")
    parser.add_argument("--only", choices=("imdb", "sunspots"),
                        help="rerun one part and keep the others of the existing file (each part records its own run)")
    args = parser.parse_args(argv)
    out = args.out or RESULTS / f"{args.experiment}.json"
    if args.only:
        results = json.loads(out.read_text())
        part = EXPERIMENTS[args.experiment](short=args.short, parts=(args.only,))
        part[args.only]["environment"] = part["environment"]
        results[args.only] = part[args.only]
        results["total_seconds"] = part["total_seconds"]
    else:
        results = EXPERIMENTS[args.experiment](short=args.short)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=1) + "\n")
    print(f"wrote {out} ({results['total_seconds']} s)")
    return out


if __name__ == "__main__":
    sys.exit(main() and 0)
