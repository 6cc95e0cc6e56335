"""The command behind the long training runs of the book works, in its short mode (rnncourse/experiments.py)."""

import json

import pytest

from rnncourse import experiments
from rnncourse.cells import GRU, LSTM

pytestmark = pytest.mark.slow


def test_gated_experiment_short_mode_writes_its_results(tmp_path):
    out = experiments.main(["gated", "--short", "--out", str(tmp_path / "gated.json")])
    results = json.loads(out.read_text())
    assert results["short"] and results["command"].endswith("--short")
    assert {"tensorflow", "keras", "cpu_count", "date"} <= set(results["environment"])
    # The syllabus' IMDB models, counted from the formulas of rnncourse/cells.py.
    head = 2 * 32 * 6 + 6 + 7
    assert results["imdb"]["GRU"]["params"] == 160_000 + 2 * GRU.count_params(16, 32, bias_vectors=2) + head == 169_997
    assert results["imdb"]["LSTM"]["params"] == 160_000 + 2 * LSTM.count_params(16, 32) + head == 172_941
    for run in results["imdb"].values():
        assert len(run["history"]["val_accuracy"]) == len(run["seconds_per_epoch"]) == 1
    sunspots = results["sunspots"]
    assert abs(sunspots["naive_mae"] - 16.14) < 0.01
    assert sunspots["validation_mae"] > 0


def test_the_committed_results_are_a_full_run():
    results = json.loads((experiments.RESULTS / "gated.json").read_text())
    assert not results["short"]
    assert results["sunspots"]["epochs"] == experiments.SUNSPOT_EPOCHS and results["imdb"]["LSTM"]["train_reviews"] == 25_000


def test_sunspots_experiment_short_mode_counts_the_syllabus_models(tmp_path):
    out = experiments.main(["sunspots", "--short", "--out", str(tmp_path / "sunspots.json")])
    results = json.loads(out.read_text())
    assert results["short"] and abs(results["naive_mae"] - 16.14) < 0.01
    # Bidirectional(LSTM(32)) on one feature, then on the 64 numbers per step of the layer below; Dense(1) on 64.
    first, above = 2 * LSTM.count_params(1, 32), 2 * LSTM.count_params(64, 32)
    assert first == 8_704 and above == 24_832
    counts = {(run["layers"], run["recipe"].split(":")[0]): run["params"] for run in results["variants"]}
    assert counts[1, "syllabus"] == first + 65
    assert counts[2, "syllabus"] == first + above + 65 == 33_601  # the syllabus' BiLSTM(32) x 2
    assert counts[3, "syllabus"] == first + 2 * above + 65
    for run in results["variants"]:
        assert run["epochs"] == 1 and run["validation_mae"] > 0
