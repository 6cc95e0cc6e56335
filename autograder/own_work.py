"""The answers are the student's own, decided in the grader's process (the rules: rnncourse/references.py).

Two parts:

- What the sandbox offers: ``sandbox_modules`` gives the text of the course
  modules as a graded notebook sees them, the course's implementations of the
  exercises replaced by code that raises (the sandbox mounts these texts over
  the real files, and hides the compiled copies). What the checks' ``collect``
  halves and the notebook's given code use is kept.
- NumPy exercises: a question is one when the solution's answer cells it
  depends on use neither TensorFlow, Keras, the course's Keras-backed helpers
  nor its checks. ``Rules.borrowed`` reads the student's code for such a
  question (its answer cells, any cell the student added, and the notebook's
  functions they call; its code, not its run: nothing in the student's process
  decides) and names what it uses of those, or the reflection (``__import__``,
  ``eval``, IPython magics, dunder attributes, ``sys.modules``...) that would
  hide such a use from this reading. Such a question scores 0, with that reason.

What this reading cannot see: a call through an object that the notebook's
given code built with Keras and that the answer uses under a name of its own.
"""

import ast
import re
from functools import lru_cache

from autograder.layout import is_test_cell, nbgrader_metadata
from rnncourse import references

# Always the names of TensorFlow and Keras, even where no given cell imports them.
ALWAYS = {"tf", "keras", "tensorflow"}
# Ways of reaching a module or an object without naming it, which no NumPy answer needs.
REFLECTION = {"__import__", "importlib", "eval", "exec", "compile", "globals", "vars", "locals", "get_ipython",
              "__builtins__", "builtins", "breakpoint", "setattr", "delattr"}
PLAIN_DUNDERS = {"__init__", "__name__"}
# Used in any of the student's cells, these could define or replace an answer unseen (IPython's magics
# become get_ipython() calls): every NumPy exercise then counts as answered with them.
DYNAMIC = REFLECTION
# IPython magics that only time, capture or plot: read through (a cell magic's body is code that runs).
TRANSPARENT_MAGICS = {"time", "timeit", "capture", "matplotlib", "prun"}


@lru_cache(maxsize=512)  # a notebook's cells are read once per question otherwise
def _parse(text):
    """The cell's code as Python reads it after IPython's transformations (magics, ``!``); None if none can.

    The magics of TRANSPARENT_MAGICS are read through; any other stays a
    ``get_ipython()`` call, which ``_dynamic`` reports. A cell that cannot be
    compiled defines nothing when it runs, so it answers nothing either.
    """
    from IPython.core.inputtransformer2 import TransformerManager

    first, _, body = text.partition("\n")
    if first.startswith("%%") and first[2:].split(" ", 1)[0].strip() in TRANSPARENT_MAGICS:
        return _parse(body)
    try:
        return _WithoutTransparentMagics().visit(ast.parse(TransformerManager().transform_cell(text)))
    except Exception:  # noqa: BLE001 (SyntaxError, RecursionError...: such a cell does not run either)
        return None


class _WithoutTransparentMagics(ast.NodeTransformer):
    """``get_ipython().run_line_magic('time', 'CODE')`` becomes CODE; ``%matplotlib inline`` becomes nothing."""

    def visit_Expr(self, node):
        call = node.value
        if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)
                and call.func.attr == "run_line_magic" and isinstance(call.func.value, ast.Call)
                and isinstance(call.func.value.func, ast.Name) and call.func.value.func.id == "get_ipython"
                and len(call.args) == 2 and all(isinstance(arg, ast.Constant) for arg in call.args)
                and call.args[0].value in TRANSPARENT_MAGICS):
            return self.generic_visit(node)
        if call.args[0].value == "matplotlib":
            return ast.Pass()
        code = _parse(re.sub(r"^(\s*-[A-Za-z]+(\s*\d+)?)*", "", str(call.args[1].value)).strip())  # %timeit -n 3
        return code.body if code is not None else node


def _is_not_numpy(module):
    return any(module == name or module.startswith(name + ".") for name in references.NOT_NUMPY)


@lru_cache(maxsize=4096)  # trees are cached by their text: read each once
def _import_bindings(tree):
    """{name: module} bound by the imports of a cell from the NOT_NUMPY modules."""
    bound = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if _is_not_numpy(alias.name):
                    bound[alias.asname or alias.name.split(".")[0]] = alias.name
        elif isinstance(node, ast.ImportFrom) and node.module and _is_not_numpy(node.module):
            for alias in node.names:
                bound[alias.asname or alias.name] = node.module
    return bound


def _module_level(tree):
    """The statements a cell runs itself: its top level, and inside if, for, while, with and try blocks."""
    queue = list(tree.body)
    while queue:
        node = queue.pop()
        yield node
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            queue += [child for child in ast.iter_child_nodes(node) if isinstance(child, (ast.stmt, ast.excepthandler))]


@lru_cache(maxsize=4096)  # trees are cached by their text: read each once
def _defined(tree):
    """Names a cell defines as it runs (functions, classes, assignments, imports)."""
    names = set()
    for node in _module_level(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names |= {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names |= {(alias.asname or alias.name).split(".")[0] for alias in node.names}
    return names


@lru_cache(maxsize=4096)  # trees are cached by their text: read each once
def _functions(tree):
    return {node.name for node in _module_level(tree) if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))}


@lru_cache(maxsize=4096)  # trees are cached by their text: read each once
def _used(tree):
    return {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}


@lru_cache(maxsize=4096)
def findings(tree, bound):
    """What of TensorFlow, Keras, the course's Keras-backed helpers or checks (or reflection) a cell uses."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if _is_not_numpy(alias.name)}
            found |= {alias.name for alias in node.names if alias.name.split(".")[0] in REFLECTION}
        elif isinstance(node, ast.ImportFrom):
            if node.module and (_is_not_numpy(node.module) or node.module.split(".")[0] in REFLECTION):
                found.add(node.module)
        elif isinstance(node, ast.Name) and (node.id in bound or node.id in ALWAYS or node.id in REFLECTION):
            found.add(node.id)
        elif isinstance(node, ast.Attribute):
            if node.attr.startswith("__") and node.attr.endswith("__") and node.attr not in PLAIN_DUNDERS:
                found.add(f".{node.attr}")
            elif node.attr == "modules":
                found.add(".modules")
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "getattr":
            name = node.args[1] if len(node.args) > 1 else None
            if not (isinstance(name, ast.Constant) and isinstance(name.value, str) and name.value.isidentifier()
                    and not name.value.startswith("__")):
                found.add("getattr with a computed name")
    return found


class Rules:
    """The rules of one assignment: what its sandbox hides, and which questions are NumPy exercises."""

    def __init__(self, assignment, source):
        self.assignment = assignment
        self.questions = source.questions
        cells = [cell for cell in source.notebook.cells if cell.cell_type == "code" and not is_test_cell(cell)]
        self.notebook_names = _names_taken_from_checks(cells, f"{references.GRADING}.{assignment.name}",
                                                       [arg for q in self.questions for arg in q.args])
        self.collect_names = {_collect_name(q) for q in self.questions} - {None}
        self.numpy = numpy_questions(source.notebook, self.questions)
        self.given = given_code(source.notebook)
        self.question_ids = {question.id for question in self.questions}

    def sandbox_modules(self):
        """{module name: source text} of the course modules as the graded notebook sees them."""
        return references.sandbox_modules(self.assignment.name, self.notebook_names, self.collect_names)

    def borrowed(self, notebook):
        """{question id: reason} for the NumPy exercises that ``notebook`` answers with what they may not use."""
        reasons = {}
        for question in self.questions:
            if question.id in self.numpy:
                used = uses(notebook, question, self.given, self.question_ids)
                if used:
                    reasons[question.id] = (
                        f"a NumPy exercise, answered with {', '.join(sorted(used))[:200]} (TensorFlow, Keras, the "
                        "course's Keras-backed helpers or checks, or code that hides what it calls): it scores 0. "
                        "Write it with NumPy.")
        return reasons


def numpy_questions(notebook, questions):
    """Ids of the NumPy exercises: the solution's answer cells they depend on use nothing of NOT_NUMPY."""
    ids = {question.id for question in questions}
    return {question.id for question in questions if not uses(notebook, question, question_ids=ids)}


def given_code(notebook):
    """The sources of a notebook's locked code cells (given code): restored before grading, so never a student's."""
    return frozenset(str(cell.source) for cell in notebook.cells if cell.cell_type == "code"
                     and nbgrader_metadata(cell).get("locked") and not nbgrader_metadata(cell).get("solution"))


def uses(notebook, question, given=None, question_ids=None):
    """What the student's code a question depends on uses that a NumPy answer may not.

    The student's code is every code cell but the given code (``given``: its
    sources, by default the notebook's locked cells) and the test cells the
    grader replaces (``question_ids``): answer cells, and any cell the student
    added, whatever metadata it claims.
    """
    given = given_code(notebook) if given is None else given
    question_ids = {question.id} if question_ids is None else question_ids
    code = [cell for cell in notebook.cells if cell.cell_type == "code"
            and not (is_test_cell(cell) and nbgrader_metadata(cell).get("grade_id") in question_ids)]
    trees = {id(cell): _parse(str(cell.source)) for cell in code}
    bound = {}
    for tree in trees.values():
        if tree is not None:
            bound.update(_import_bindings(tree))
    answers = [cell for cell in code if str(cell.source) not in given]
    wanted = {name for arg in question.args for name in _arg_names(arg)}
    chosen, queue = [], [cell for cell in answers if trees[id(cell)] is not None
                         and _defined(trees[id(cell)]) & wanted]
    while queue:
        cell = queue.pop()
        if any(cell is c for c in chosen):
            continue
        chosen.append(cell)
        used = _used(trees[id(cell)])
        queue += [other for other in answers if trees[id(other)] is not None
                  and _functions(trees[id(other)]) & used and not any(other is c for c in chosen)]
    found = set()
    for cell in chosen:
        found |= findings(trees[id(cell)], frozenset(bound))
    for cell in answers:  # code that defines names unseen (exec, %run, globals()...) may redefine this answer
        if trees[id(cell)] is not None:
            found |= _dynamic(trees[id(cell)])
    return found


@lru_cache(maxsize=4096)  # trees are cached by their text: read each once
def _dynamic(tree):
    """The ways of defining or changing names that this reading cannot follow, used in a cell."""
    found = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name) and node.id in DYNAMIC}
    found |= {f".{node.attr}" for node in ast.walk(tree) if isinstance(node, ast.Attribute)
              and node.attr in {"__dict__", "__globals__", "__builtins__", "modules", "__code__"}}
    found |= {f"from {node.module} import *" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
              and any(alias.name == "*" for alias in node.names)}
    return found


def _arg_names(expression):
    tree = _parse(expression)
    return _used(tree) if tree is not None else set()


def _collect_name(question):
    """The name of the collect half of a question's check, read from its module's source."""
    tree = references._tree(question.module)
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == question.check
                                                for t in node.targets):
            call = node.value
            if isinstance(call, ast.Call) and len(call.args) > 1 and isinstance(call.args[1], ast.Name):
                return call.args[1].id
    return None


def _names_taken_from_checks(cells, module, expressions=()):
    """Names that code cells take from the checks module ``module`` (``checks.NAME``, ``from module import NAME``)."""
    names = set()
    for text in [cell.source for cell in cells] + list(expressions):
        tree = _parse(text)
        if tree is None:
            continue
        aliases = {"checks"}
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module == module:
                names |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module == references.GRADING:
                aliases |= {alias.asname or alias.name for alias in node.names if module.endswith(alias.name)}
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in aliases:
                names.add(node.attr)
    return names
