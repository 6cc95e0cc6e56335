"""Sphinx extension of the course website: a site that works offline, and a way
from each chapter page into its exercise notebook.

- MathJax 3 is served from the site itself (the files of the PyPI package
  sphinx-mathjax-offline, only those the pages use), so equations render
  with no network.
- Source maps (*.map) of the theme are not copied into the site: browsers only
  fetch them for their developer tools.
- Each script is loaded once, and those of sphinx-thebe not at all: the site
  has no live code, and Jupyter Book added their settings twice (a console
  error, "THEBE_JS_URL has already been declared").
- The References list labels each work as the text cites it ("Cho et al.
  2014"), where the default alpha labels ([Cho21] for Chollet 2021 beside
  [CvMerrienboerBB14] for Cho et al. 2014) misled the reader.
- A figure's image without alt text gets the figure's caption as alt text,
  instead of the browser falling back to the image's file path.
- The directive ``exercise-notebook`` puts on a chapter page a download link
  to the chapter's student notebook in exercises/, and launch buttons
  (JupyterHub, Binder, Colab) for it once ``exercise_launch`` in
  _config.yml names a repository or a hub. With neither, there is no button.
"""

from importlib.metadata import distribution
from pathlib import Path

from collections import Counter

from docutils import nodes

from autograder.launch import DEFAULTS as LAUNCH_DEFAULTS, launch_links, release_tag
from pybtex.plugin import register_plugin
from pybtex.richtext import Text
from pybtex.style.formatting.alpha import Style as AlphaStyle
from pybtex.style.labels import BaseLabelStyle
from docutils.parsers.rst import directives
from sphinx import addnodes
from sphinx.ext.mathjax import install_mathjax
from sphinx.util.docutils import SphinxDirective
from sphinx.util.fileutil import copy_asset

# The parts of MathJax 3 that the pages use: the TeX-to-HTML bundle, the TeX
# extensions it loads on demand (\boldsymbol...), and its web fonts.
MATHJAX_FILES = ["tex-chtml.js", "input/tex/extensions", "output/chtml/fonts/woff-v2"]



class AuthorYearLabels(BaseLabelStyle):
    """Labels as the author_year citations read: "Elman 1990", "Cho et al.
    2014"; a letter tells apart two works with the same label."""

    def format_labels(self, sorted_entries):
        labels = [self.label(entry) for entry in sorted_entries]
        repeated, seen = Counter(labels), Counter()
        for label in labels:
            seen[label] += 1
            yield f"{label}{'abcdefghij'[seen[label] - 1]}" if repeated[label] > 1 else label

    @staticmethod
    def label(entry):
        people = entry.persons.get("author") or entry.persons.get("editor") or []
        names = [Text.from_latex(" ".join(person.prelast_names + person.last_names)).render_as("text")
                 for person in people]
        who = names[0] if len(names) == 1 else f"{names[0]} and {names[1]}" if len(names) == 2 else f"{names[0]} et al."
        return f"{who} {entry.fields.get('year', '')}".strip()


class AuthorYearStyle(AlphaStyle):
    default_label_style = "course_author_year"


def mathjax_folder():
    return Path(distribution("sphinx-mathjax-offline").locate_file("sphinx-mathjax-offline/static/mathjax"))


def copy_mathjax(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    target = Path(app.outdir) / "_static" / "mathjax"
    for name in MATHJAX_FILES:
        source = mathjax_folder() / name
        if source.is_dir():
            copy_asset(str(source), str(target / name))
        else:
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            (target / name).write_bytes(source.read_bytes())


def drop_source_maps(app, exception):
    if exception is None and app.builder.format == "html":
        for source_map in Path(app.outdir, "_static").rglob("*.map"):
            source_map.unlink()


def tidy_page_scripts(app, pagename, templatename, context, doctree):
    """Each script once (Jupyter Book's set-up adds the extensions' scripts
    twice), none of sphinx-thebe's; and the colour mode "auto" when the theme
    leaves it empty (its script then logs "Got invalid theme mode")."""
    def is_thebe(script):
        return "thebe" in (script.filename or "") or "THEBE_JS_URL" in script.attributes.get("body", "")

    if "script_files" in context:
        unique = {}
        for script in context["script_files"]:
            if not is_thebe(script):
                unique.setdefault((script.filename, script.attributes.get("body")), script)
        context["script_files"] = list(unique.values())
    if not context.get("default_mode"):
        context["default_mode"] = "auto"


def caption_as_alt_text(app, doctree):
    for figure in doctree.findall(nodes.figure):
        captions = list(figure.findall(nodes.caption))
        for image in figure.findall(nodes.image):
            if captions and not image.get("alt"):
                image["alt"] = " ".join(captions[0].astext().split())


def use_local_mathjax(app, config):
    config.mathjax_path = "mathjax/tex-chtml.js"


class ExerciseNotebook(SphinxDirective):
    """``{exercise-notebook} ch01_notation/notation.ipynb``, with an optional
    body (what data the notebook needs and how to get it)."""

    required_arguments = 1
    has_content = True
    option_spec = {"class": directives.class_option}

    def run(self):
        notebook = f"exercises/{self.arguments[0]}"
        if not (Path(self.env.srcdir).parent / notebook).is_file():
            raise self.error(f"no such notebook: {notebook}")
        box = nodes.container(classes=["exercise-notebook"])
        line = nodes.paragraph()
        line += nodes.strong(text="Exercise notebook: ")
        # A download role: Sphinx copies the file into the site's _downloads.
        download = addnodes.download_reference(
            "", "", reftarget=f"/../{notebook}", refdoc=self.env.docname, refexplicit=True)
        download += nodes.literal(text=notebook)
        line += download
        line += nodes.Text(" (download it, then open it in Jupyter).")
        box += line
        launch = {**LAUNCH_DEFAULTS, **self.config.exercise_launch}
        # How the downloaded notebook gets the course package and the data (autograder/launch.py).
        repository = launch["repository_url"].rstrip("/")
        needs = nodes.paragraph()
        needs += nodes.Text("It needs NumPy, TensorFlow, Keras, Matplotlib and the course package ")
        needs += nodes.literal(text="rnncourse")
        if repository:
            needs += nodes.Text(": where that is missing, its first cell installs it with pip from ")
            needs += nodes.reference(text=repository, refuri=repository)
            needs += nodes.Text(f" (tag {release_tag()}). ")
        else:
            needs += nodes.Text(": clone the course repository and run ")
            needs += nodes.literal(text="make lab")
            needs += nodes.Text(" in it, which installs them all. ")
        needs += nodes.Text("The loaders download the data sets the first time; offline, put the files in a "
                            "folder and name it in ")
        needs += nodes.literal(text="RNNCOURSE_DATA")
        needs += nodes.Text(" (the Assignments page says more).")
        box += needs
        links = launch_links(launch, notebook)
        if links:
            buttons = nodes.paragraph(classes=["launch-buttons"])
            buttons += nodes.Text("Open it on ")
            for index, (label, url) in enumerate(links):
                if index:
                    buttons += nodes.Text(" ")
                buttons += nodes.reference(text=label, refuri=url, classes=["launch-button"])
            box += buttons
        if self.content:
            box += self.parse_content_to_nodes()
        return [box]


def mathjax_on_search_page(app, pagename, templatename, context, doctree):
    """Search results quote the pages' TeX, but Sphinx loads MathJax only on pages
    that have equations of their own: load it on the search page too."""
    if pagename != "search":
        return
    policy = app.registry.html_assets_policy
    app.registry.html_assets_policy = "always"
    try:
        install_mathjax(app, pagename, templatename, context, doctree)
    finally:
        app.registry.html_assets_policy = policy


def setup(app):
    register_plugin("pybtex.style.labels", "course_author_year", AuthorYearLabels)
    register_plugin("pybtex.style.formatting", "course_author_year", AuthorYearStyle)
    app.add_config_value("exercise_launch", {}, "env", types=[dict])
    app.add_directive("exercise-notebook", ExerciseNotebook)
    app.connect("config-inited", use_local_mathjax)
    app.connect("doctree-read", caption_as_alt_text)
    app.connect("html-page-context", mathjax_on_search_page)
    app.connect("html-page-context", tidy_page_scripts, priority=900)
    app.connect("build-finished", copy_mathjax)
    app.connect("build-finished", drop_source_maps)
    app.add_css_file("course_site.css")
    app.add_js_file("course_site.js")
    return {"parallel_read_safe": True, "parallel_write_safe": True}
