"""The answers are the students' own: what of the course's package an answer may not call, and why.

The package holds the course's own implementations of what its exercises ask
for: the cells' ``step`` and ``forward`` in NumPy, ``merge``,
``bidirectional_forward`` and ``deep_forward`` (``cells.py``), the Keras models
of the long runs (``experiments.py``), and, in ``rnncourse.grading``, the checks,
whose judges compute right answers (a GRU step, the bigram model of chapter 5...)
to compare yours with. The book's pages use them, and the judges use them in the
grader's own process. When a notebook is graded, the sandbox it runs in holds a
copy of these modules in which each of those functions only raises
``ReferenceNotAvailable`` (``stubbed_source``): an answer that calls one
loses its question's points, and the reason says why. What a notebook hands its
students stays: chapter 9 asks for ``cell.forward``, chapter 10 for
``cell.step``, and the checks keep what their ``collect`` half and the notebook's
given code use.

A second rule concerns the NumPy exercises (those whose solution uses neither
TensorFlow nor Keras): an answer that uses TensorFlow, Keras, the course's
Keras-backed helpers (``keras_bridge``, ``handouts``) or its checks scores 0 for
that question. The grader decides it by reading the answer's code, outside the
student's process (``autograder/own_work.py``); ``warn_if_not_own`` says so in
the test cell of each NumPy exercise, before the student hands the notebook in.
"""

import ast
import types
from functools import lru_cache
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent

# The course's implementations of what the exercises ask for: {module: qualified names}.
# Each cell class writes its own step (rnncourse/cells.py), so each one's step_with_gates is listed.
CELL_STEPS = tuple(f"{cell}.step_with_gates" for cell in ("SimpleRNNCell", "GRUCell", "LSTMCell"))
REFERENCES = {
    "rnncourse.cells": ("Cell.step", *CELL_STEPS, "Cell.forward", "merge", "bidirectional_forward", "deep_forward"),
    "rnncourse.language": ("bigram_table", "bigram_perplexity"),  # chapter 5's fit_bigram and bigram_perplexity
}
# Whole modules that no notebook imports and that hold worked answers (Keras models of the book's long runs).
WHOLE_MODULES = ("rnncourse.experiments",)
# What a notebook's text hands its students: not hidden when that assignment is graded.
HANDED_OUT = {
    "ch09_bidirectional": {"rnncourse.cells": ("Cell.step", *CELL_STEPS, "Cell.forward")},
    "ch10_deep_rnns": {"rnncourse.cells": ("Cell.step", *CELL_STEPS)},  # step calls them
}
# Modules whose use makes a NumPy answer someone else's: TensorFlow, Keras, the course's
# Keras-backed helpers and its checks (a module or anything below it).
NOT_NUMPY = ("tensorflow", "keras", "tf_keras", "rnncourse.keras_bridge", "rnncourse.handouts", "rnncourse.grading",
             "rnncourse.experiments")
GRADING = "rnncourse.grading"
SHARED_GRADING = ("checks", "question", "plain", "loops")  # the checks' shared machinery: nothing in them answers anything

RULE = ("Your answers must be your own code. When your notebook is graded, the course's own implementations "
        "(the cells' step and forward, bidirectional_forward, deep_forward, the checks' reference code) are not "
        "available, and a NumPy exercise answered with TensorFlow or Keras scores 0.")


class ReferenceNotAvailable(RuntimeError):
    """Raised, when grading, by a course implementation that an answer called."""


def message(module, qualname):
    return (f"{qualname} (in {module}) is the course's own implementation: it is not available when your notebook "
            "is graded. Write this answer with your own code.")


# ---- what the sandbox hides ------------------------------------------------------------------


def module_path(module):
    """The file of a course module, from its name (without importing it)."""
    return PACKAGE.joinpath(*module.split(".")[1:]).with_suffix(".py")


def grading_modules():
    return [f"{GRADING}.{path.stem}" for path in sorted((PACKAGE / "grading").glob("ch*.py"))]


def hidden_names(assignment, notebook_names=(), collect_names=()):
    """{module: qualified names hidden from ``assignment``'s notebook when it is graded}.

    ``collect_names`` are the collect halves of the assignment's checks and
    ``notebook_names`` what its given code takes from its checks module (both
    names in ``rnncourse.grading.ASSIGNMENT``): they stay, with everything they use.
    """
    handed_out = HANDED_OUT.get(assignment, {})
    hidden = {module: tuple(name for name in names if name not in handed_out.get(module, ()))
              for module, names in REFERENCES.items()}
    own = f"{GRADING}.{assignment}"
    kept = _kept_in_grading(own, set(collect_names) | set(notebook_names))
    for module in grading_modules():
        functions = _top_level_functions(module)
        hidden[module] = tuple(name for name in functions if name not in kept.get(module, set()))
    return {module: names for module, names in hidden.items() if names}


def _kept_in_grading(own, roots):
    """{grading module: names kept}: the roots, what module-level code runs, what kept code uses, across modules."""
    kept = {module: set() for module in grading_modules()}
    queue = [(own, name) for name in roots]
    for module in kept:
        tree = _tree(module)
        queue += [(module, name) for name in _names_run_at_import(tree)]
    while queue:
        module, name = queue.pop()
        if module not in kept or name in kept[module]:
            continue
        kept[module].add(name)
        tree = _tree(module)
        imported = _imported_from_grading(tree)
        if name in imported:  # kept here because another grading module defines it
            queue.append(imported[name])
        node = _definitions(tree).get(name)
        if node is not None:
            queue += [(module, used) for used in _used_names(node)]
    return kept


@lru_cache(maxsize=None)
def _tree(module):
    return ast.parse(module_path(module).read_text())


def _definitions(tree):
    return {node.name: node for node in tree.body if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef,
                                                                       ast.ClassDef))}


def _top_level_functions(module):
    return [node.name for node in _tree(module).body if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))]


def _imported_from_grading(tree):
    return {alias.asname or alias.name: (node.module, alias.name) for node in tree.body
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(GRADING + ".ch")
            for alias in node.names}


def _used_names(node):
    return {child.id for child in ast.walk(node) if isinstance(child, ast.Name)}


def _names_run_at_import(tree):
    """Names that module-level code uses while the module is imported: a hidden function must not be one.

    A ``Check(title, collect, judge)`` is made at import without calling its
    halves, and lambdas (the tables of likely mistakes) run only when judging.
    """
    used = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Import, ast.ImportFrom)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                used |= {n.id for d in node.decorator_list for n in ast.walk(d) if isinstance(n, ast.Name)}
            continue
        used |= _names_outside_lambdas(node)
    return used


def _names_outside_lambdas(node):
    if isinstance(node, ast.Lambda):
        return set()
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "Check":
        args = node.args[:2] + [keyword.value for keyword in node.keywords if keyword.arg in ("title", "collect")]
        return {node.func.id}.union(*(_names_outside_lambdas(arg) for arg in args))
    names = {node.id} if isinstance(node, ast.Name) else set()
    return names.union(*(_names_outside_lambdas(child) for child in ast.iter_child_nodes(node)))


@lru_cache(maxsize=None)
def stubbed_source(module, names):
    """The source of ``module`` with the body of each function of ``names`` replaced by a raise.

    The module still imports (signatures, decorators, classes and constants
    stay); calling a hidden function raises ``ReferenceNotAvailable``. The
    original body is not in the text, so nothing in the sandbox can recover it.
    """
    if module in WHOLE_MODULES:
        return (f'"""Not available when a notebook is graded (rnncourse/references.py)."""\n'
                f"from rnncourse.references import ReferenceNotAvailable\n"
                f"raise ReferenceNotAvailable({message(module, module)!r})\n")
    tree = ast.parse(module_path(module).read_text())
    wanted = set(names)
    for qualname, node in _functions(tree):
        if qualname in wanted:
            raise_node = ast.parse("from rnncourse.references import ReferenceNotAvailable as _Hidden\n"
                                   f"raise _Hidden({message(module, qualname)!r})").body
            docstring = node.body[:1] if ast.get_docstring(node) is not None else []
            node.body = docstring + raise_node
            wanted.discard(qualname)
    if wanted:
        raise ValueError(f"{module} defines no {sorted(wanted)} (rnncourse/references.py is out of date)")
    return ast.unparse(tree) + "\n"


def _functions(tree, prefix=""):
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            yield prefix + node.name, node
        elif isinstance(node, ast.ClassDef):
            yield from _functions(node, f"{prefix}{node.name}.")


def sandbox_modules(assignment, notebook_names=(), collect_names=()):
    """{module: source} of every course module whose sandbox copy differs: the hidden parts stubbed."""
    hidden = hidden_names(assignment, notebook_names, collect_names)
    modules = {module: stubbed_source(module, names) for module, names in hidden.items()}
    modules.update({module: stubbed_source(module, ()) for module in WHOLE_MODULES})
    return modules


# ---- the warning in the student's own test cell ----------------------------------------------


def warn_if_not_own(assignment, *answers):
    """In a NumPy exercise's test cell: warn about what would cost the question its points when graded.

    Reads the answers' code (and that of the notebook's functions they call) for
    names of TensorFlow, Keras, the course's Keras-backed helpers and checks, and
    for the course's implementations hidden when grading. Only a warning: the
    grader decides on its own, outside the notebook.
    """
    hidden, not_numpy = set(), set()
    try:
        for answer in answers:
            for function in _functions_called(answer):
                for name, value, attribute in _globals_used(function):
                    if _from_not_numpy(value):
                        not_numpy.add(name)
                    reference = _reference(assignment, value, attribute)
                    if reference:
                        hidden.add(reference)
    except Exception:  # noqa: BLE001 (a warning only: it never stops the student's test cell)
        return
    if hidden:
        print(f"WARNING: this answer calls {', '.join(sorted(hidden))}, the course's own code. It is not available "
              "when your notebook is graded, so this question would score 0: write it yourself.")
    if not_numpy:
        print(f"WARNING: this is a NumPy exercise, and this answer uses {', '.join(sorted(not_numpy))} (TensorFlow, "
              "Keras, or the course's Keras-backed helpers or checks). When graded it scores 0: write it with NumPy.")


def _functions_called(function):
    """``function`` and the functions of the same notebook that its code names, transitively."""
    found, queue = [], [function]
    while queue:
        current = queue.pop()
        if not isinstance(current, types.FunctionType) or any(current is f for f in found):
            continue
        found.append(current)
        queue += [value for _, value, _ in _globals_used(current)
                  if isinstance(value, types.FunctionType) and value.__module__ == function.__module__]
    return found


def _globals_used(function):
    """(name, global value, the attribute names of the code) for each global name a function's code uses."""
    codes, names = [function.__code__], set()
    while codes:
        code = codes.pop()
        codes += [const for const in code.co_consts if isinstance(const, types.CodeType)]
        names |= set(code.co_names)
    return [(name, function.__globals__[name], names) for name in sorted(names) if name in function.__globals__]


def _reference(assignment, value, attributes):
    """The name of a hidden implementation that ``value`` (with the code's attribute names) reaches, or None."""
    handed_out = HANDED_OUT.get(assignment, {})
    for module, qualnames in REFERENCES.items():
        for qualname in qualnames:
            if qualname in handed_out.get(module, ()):
                continue
            owner, _, name = qualname.rpartition(".")
            if owner and owner in {klass.__name__ for klass in type(value).__mro__} \
                    and getattr(type(value), "__module__", "") == module and name in attributes:
                return f"{getattr(value, 'name', owner)}.{name}"
            if not owner and getattr(value, "__module__", None) == module and getattr(value, "__name__", "") == name:
                return name
    return None


def _from_not_numpy(value):
    if isinstance(value, (int, float, str, bytes, tuple, list, dict)):
        return False
    name = value.__name__ if isinstance(value, types.ModuleType) else getattr(value, "__module__", None)
    return isinstance(name, str) and any(name == module or name.startswith(module + ".") for module in NOT_NUMPY)
