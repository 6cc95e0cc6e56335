"""The website as students read it, in headless Chromium with no network.

The site of the session's book build (conftest.built_book) is served on
127.0.0.1; every request that leaves it is blocked and counted as a failure.
Each page is opened at desktop and phone width: no console error, no failed
request, every equation typeset by the site's own MathJax and no raw TeX
left, every image loaded with real alt text, no broken internal link or
anchor, no sideways scroll on a phone, no code line cut off on a desktop, and
search finds pages. Screenshots of every page go to book/_build/screenshots/.
"""

import functools
import http.server
import json
import os
import shutil
import threading
import time
from pathlib import Path
from urllib.parse import urldefrag, urlparse

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
SCREENSHOTS = ROOT / "book" / "_build" / "screenshots"
MEASUREMENTS = SCREENSHOTS / "measurements.json"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

# Run in the page once it has loaded and MathJax has finished: what the checks need.
INSPECT_PAGE = """async () => {
  if (window.MathJax && MathJax.startup) await MathJax.startup.promise;
  await Promise.all([...document.images].map(image => image.complete ? null :
      new Promise(done => { image.onload = image.onerror = done; })));
  // Text that a reader sees, outside code and outside typeset maths.
  const rawTex = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (node.parentElement.closest("pre, code, script, style, mjx-container, .highlight")) continue;
    const text = node.textContent;
    if (/\\\\\\(|\\\\\\)|\\\\\\[|\\\\\\]|\\$\\$|\\\\(frac|langle|hat|mathbf)\\b/.test(text)) rawTex.push(text.trim().slice(0, 80));
  }
  return {
    equations: document.querySelectorAll("mjx-container").length,
    rawTex,
    brokenImages: [...document.images].filter(i => !i.naturalWidth).map(i => i.src),
    pathAltTexts: [...document.images].filter(i => !i.alt || /\\.(png|svg|jpe?g)$|_images\\//.test(i.alt)).map(i => i.src),
    figuresWithoutCaption: [...document.querySelectorAll("article img")].filter(i => !i.closest("figure")
        || !i.closest("figure").querySelector("figcaption")).map(i => i.src),
    links: [...document.querySelectorAll("a[href]")].map(a => a.href),
    ids: [...document.querySelectorAll("[id]")].map(e => e.id),
    clippedCode: [...document.querySelectorAll("article .cell_input pre")].filter(p => p.scrollWidth > p.clientWidth + 1)
        .map(p => p.textContent.split("\\n").reduce((a, b) => a.length >= b.length ? a : b).slice(0, 100)),
    pageWidth: document.documentElement.scrollWidth,
    viewportWidth: window.innerWidth,
  };
}"""


@pytest.fixture(scope="module")
def site(built_book):
    """The built site, served on a free port of 127.0.0.1 for this module."""
    result, html = built_book
    if result.returncode != 0:
        pytest.fail("the book did not build (see test_book): " + result.stdout[-2000:])
    handler = functools.partial(QuietHandler, directory=str(html))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield html, f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()
    server.server_close()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM:
        message = ("Chromium is not installed: `make test` installs it as root (apt-get install chromium); "
                   "otherwise install the package chromium yourself.")
        pytest.fail(message) if os.environ.get("CI") else pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield browser
        browser.close()


def pages_of(html):
    """The site's pages: every HTML file at the top (index.html only redirects)."""
    return sorted(path.name for path in html.glob("*.html") if path.name != "index.html")


class Visit:
    """One page opened in a fresh context, blocking and recording any request
    that leaves the site, with its console errors and failed requests."""

    def __init__(self, browser, base, viewport, html):
        self.base, self.html = base, html
        self.context = browser.new_context(viewport=viewport)
        self.context.route("**/*", self.only_this_site)
        self.page = self.context.new_page()
        self.outside, self.errors, self.failed, self.bytes = [], [], [], 0
        self.page.on("console", lambda message: message.type == "error" and self.errors.append(message.text))
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.on("requestfailed", lambda request: self.failed.append(f"{request.url} {request.failure}"))
        self.page.on("response", self.record_response)

    def only_this_site(self, route):
        if route.request.url.startswith(self.base):
            route.continue_()
        else:
            self.outside.append(route.request.url)
            route.abort()

    def record_response(self, response):
        if response.status >= 400:
            self.failed.append(f"{response.url} HTTP {response.status}")
        elif response.url.startswith(self.base):
            served = self.html / urlparse(response.url).path.lstrip("/")
            self.bytes += served.stat().st_size if served.is_file() else 0

    def open(self, url):
        started = time.perf_counter()
        self.page.goto(url, wait_until="load")
        facts = self.page.evaluate(INSPECT_PAGE)
        facts["seconds"] = time.perf_counter() - started
        return facts

    def close(self):
        self.context.close()


@pytest.fixture(scope="module")
def visits(site, browser):
    """Every page at desktop and at phone width, with screenshots; the facts
    of each visit by (page, width name). Measurements are written beside the
    screenshots."""
    html, base = site
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    facts = {}
    for name in pages_of(html):
        for width, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
            visit = Visit(browser, base, viewport, html)
            try:
                page_facts = visit.open(base + name)
                visit.page.screenshot(path=SCREENSHOTS / f"{Path(name).stem}-{width}.png", full_page=True)
            finally:
                visit.close()
            page_facts.update(outside=visit.outside, errors=visit.errors, failed=visit.failed, bytes=visit.bytes)
            facts[name, width] = page_facts
    MEASUREMENTS.write_text(json.dumps(
        {f"{name} ({width})": {key: page_facts[key] for key in ("equations", "seconds", "bytes")}
         for (name, width), page_facts in facts.items()}, indent=1))
    return facts


def problems(visits, key):
    return {f"{name} ({width})": facts[key] for (name, width), facts in visits.items() if facts[key]}


def test_nothing_is_requested_outside_the_site(visits):
    assert not problems(visits, "outside")


def test_no_console_error_and_no_failed_request(visits):
    assert not problems(visits, "errors")
    assert not problems(visits, "failed")


def test_every_equation_is_rendered_and_no_raw_tex_is_left(visits):
    assert not problems(visits, "rawTex")
    for chapter in ("ch01_notation.html", "ch02_rnn_model.html", "ch03_backprop_through_time.html",
                    "ch04_rnn_types.html", "intro.html"):
        assert visits[chapter, "desktop"]["equations"] > 0, chapter


def test_every_image_loads_with_alt_text_and_a_caption(visits):
    assert not problems(visits, "brokenImages")
    assert not problems(visits, "pathAltTexts")
    assert not problems(visits, "figuresWithoutCaption")


def test_no_internal_link_or_anchor_is_broken(site, visits):
    html, base = site
    ids = {name: set(facts["ids"]) for (name, width), facts in visits.items()}
    broken = set()
    for (name, width), facts in visits.items():
        for link in facts["links"]:
            target, anchor = urldefrag(link)
            if not target.startswith(base):
                continue
            path = urlparse(target).path.lstrip("/") or "index.html"
            if not (html / path).is_file():
                broken.add(f"{name}: {link}")
            elif anchor and path in ids and anchor not in ids[path]:
                broken.add(f"{name}: {link}")
    assert not broken


def test_no_sideways_scroll_on_a_phone(visits):
    too_wide = {name: facts["pageWidth"] for (name, width), facts in visits.items()
                if width == "phone" and facts["pageWidth"] > facts["viewportWidth"]}
    assert not too_wide


def test_no_code_line_is_cut_off_on_a_desktop(visits):
    clipped = {name: facts["clippedCode"] for (name, width), facts in visits.items()
               if width == "desktop" and facts["clippedCode"]}
    assert not clipped


def test_search_finds_pages_and_renders_their_maths(site, browser):
    html, base = site
    visit = Visit(browser, base, DESKTOP, html)
    try:
        visit.page.goto(base + "search.html?q=recurrent")
        visit.page.wait_for_selector("#search-results li", timeout=20_000)
        # Let the search finish listing and MathJax typeset the summaries.
        visit.page.wait_for_function("() => document.querySelector('#search-results p.search-summary')"
                                     " && !document.querySelector('#search-results p.search-summary').textContent"
                                     ".includes('Searching')", timeout=20_000)
        visit.page.wait_for_timeout(1000)
        facts = visit.page.evaluate(INSPECT_PAGE)
        results = visit.page.locator("#search-results li").count()
        visit.page.screenshot(path=SCREENSHOTS / "search-desktop.png", full_page=True)
    finally:
        visit.close()
    assert results > 0
    assert not (visit.outside or visit.errors or visit.failed)
    assert not facts["rawTex"], f"raw TeX left in search summaries: {facts['rawTex'][:2]}"
    assert facts["equations"] > 0, "the summaries quote equations, typeset by MathJax"
