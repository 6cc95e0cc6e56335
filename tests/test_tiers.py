"""What a run says about the tests it could not run (tests/conftest.py)."""

import pytest

from conftest import report_what_was_not_tested, untested_for_want_of_a_tool


def skipped(nodeid, reason):
    return pytest.TestReport(nodeid, ("x.py", 1, "test"), {}, "skipped", ("x.py", 1, f"Skipped: {reason}"), "setup")


class Reporter:
    """Stands in for pytest's terminal reporter: keeps what the summary writes."""

    def __init__(self, reports):
        self.stats = {"skipped": reports}
        self.lines = []

    def section(self, title, **markup):
        self.lines.append(title)

    def write_line(self, line, **markup):
        self.lines.append(line)


def test_a_run_without_bubblewrap_or_chromium_ends_by_saying_what_it_did_not_test_and_how_to_install_it():
    reporter = Reporter([
        skipped("tests/test_sandbox.py::test_no_network", "no sandbox here: bubblewrap is not installed"),
        skipped("tests/test_sandbox.py::test_memory_limit", "no sandbox here: bubblewrap is not installed"),
        skipped("tests/test_browser.py::test_no_sideways_scroll_on_a_phone", "Chromium is not installed"),
        skipped("tests/test_report_browser.py::test_report_opens_offline", "Chromium is not installed"),
        skipped("tests/test_platforms.py::test_platform_from_a_clean_start[colab]", "RNNCOURSE_TRY_PLATFORMS"),
    ])
    report_what_was_not_tested(reporter)
    text = "\n".join(reporter.lines)
    assert "NOT TESTED" in reporter.lines[0]
    assert "2 tests SKIPPED: bubblewrap (the grader's sandbox) is missing" in text
    assert "2 tests SKIPPED: Chromium (the browser tests) is missing" in text
    assert "sudo apt-get install bubblewrap" in text and "sudo apt-get install chromium" in text
    assert "why: no sandbox here: bubblewrap is not installed" in text
    assert "platforms" not in text.lower()  # skipped on purpose unless asked for: not a missing tool


def test_a_run_that_skipped_no_tool_test_adds_nothing():
    reporter = Reporter([skipped("tests/test_data.py::test_imdb", "data set 'imdb' unavailable")])
    report_what_was_not_tested(reporter)
    assert reporter.lines == []
    assert untested_for_want_of_a_tool([]) == {}
