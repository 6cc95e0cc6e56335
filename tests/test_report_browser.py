"""The class report as an instructor opens it: a local file in headless Chromium, offline.

The sample class's report (tests/sample_class.py: honest, wrong, copied,
attacking and script-carrying submissions) is opened from disk with every
request that leaves its folder blocked: no console error, no blocked or failed
request, every figure loaded, no script ran (the hostile strings stay text).
A screenshot goes to book/_build/screenshots/grading-report/.
"""

from pathlib import Path

import pytest

import sample_class
from test_browser import CHROMIUM, DESKTOP, SCREENSHOTS, browser  # noqa: F401 (browser is a fixture)

# It writes into book/_build: never while tests/test_grading.py fingerprints the course around the attacks.
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("ch02_rnn_model")]

FOLDER = SCREENSHOTS / "grading-report"

# Run in the page once it has loaded: what the checks need.
INSPECT = """async () => {
  await Promise.all([...document.images].map(image => image.complete ? null :
      new Promise(done => { image.onload = image.onerror = done; })));
  return {
    images: document.images.length,
    brokenImages: [...document.images].filter(i => !i.naturalWidth).map(i => i.src),
    scripts: document.scripts.length,
    marked: document.querySelectorAll("mark").length,
    hostileText: document.body.innerText.includes('<script>alert("report")</script>'),
    alerted: window.__alerted === true,
  };
}"""


def test_report_opens_offline_with_its_figures_and_runs_nothing(browser, tmp_path):  # noqa: F811
    class_report, _ = sample_class.class_report(tmp_path)
    folder = class_report.path.parent.resolve().as_uri()
    context = browser.new_context(viewport=DESKTOP)
    outside, errors, failed, dialogs = [], [], [], []

    def only_the_report(route):
        if route.request.url.startswith(folder + "/"):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", only_the_report)
    page = context.new_page()
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("requestfailed", lambda request: failed.append(f"{request.url} {request.failure}"))
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    try:
        page.goto(class_report.path.resolve().as_uri(), wait_until="load")
        facts = page.evaluate(INSPECT)
        FOLDER.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=FOLDER / "report-desktop.png", full_page=True)
    finally:
        context.close()
    assert not outside and not failed and not errors, (outside, failed, errors)
    assert facts["images"] == 4 and not facts["brokenImages"], facts
    assert facts["scripts"] == 0 and not dialogs and not facts["alerted"]
    assert facts["hostileText"], "the script in a student's answer is shown as text"
    assert facts["marked"] > 0, "the shared code of similar answers is marked"
    assert (FOLDER / "report-desktop.png").stat().st_size > 50_000
