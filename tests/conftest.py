"""Test-suite settings shared by every test file."""

import pytest


def pytest_collection_modifyitems(items):
    """Keep the tests that share an expensive set-up on one worker under ``pytest -n`` (xdist, --dist loadgroup).

    A chapter's tests share its graded folder and its solved notebook; the website
    tests share one build. Different chapters then run side by side on the two cores.
    """
    for item in items:
        assignment = getattr(item, "callspec", None) and item.callspec.params.get("assignment")
        if assignment is not None:
            item.add_marker(pytest.mark.xdist_group(getattr(assignment, "name", str(assignment))))
        elif item.module.__name__ in ("test_book", "test_browser"):
            item.add_marker(pytest.mark.xdist_group("book"))
        elif hasattr(item.module, "FIRST"):  # test_grading's own tests grade the first chapter's folder
            item.add_marker(pytest.mark.xdist_group(item.module.FIRST.name))
