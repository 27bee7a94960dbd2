"""Read a submission's code before it runs, for ways of reaching into the grading itself.

The tests of an assignment run in the trainee's kernel (nbgrader's design), so trainee code
could change how later cells run (IPython's hooks), replace what the tests call (the
assertion helpers, ``math.isclose``), or hide a failure. The grader watches for the effects
while the notebook runs (:mod:`rail.instructor.guard`); this scan is the second, independent
tripwire: it reads the code the trainee wrote and reports every construct that reaches into
the kernel, the interpreter or the tests' helpers. No answer to any assignment of the course
needs one of them, so a finding is worth an instructor's look, not a verdict.

A finding is a plain sentence naming the construct, e.g. ``"uses IPython's input
transformers (input_transformers_cleanup)"``.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

KERNEL_INTERNALS = {
    "get_ipython": "the IPython shell",
    "InteractiveShell": "the IPython shell",
    "input_transformers_cleanup": "IPython's input transformers",
    "input_transformers_post": "IPython's input transformers",
    "input_transformer_manager": "IPython's input transformers",
    "ast_transformers": "IPython's AST transformers",
    "run_cell": "IPython's cell execution",
    "run_cell_async": "IPython's cell execution",
    "_run_cell": "IPython's cell execution",
    "run_ast_nodes": "IPython's cell execution",
    "run_code": "IPython's cell execution",
    "transform_cell": "IPython's cell execution",
    "transform_ast": "IPython's cell execution",
    "should_run_async": "IPython's cell execution",
    "showtraceback": "IPython's error display",
    "_showtraceback": "IPython's error display",
    "showsyntaxerror": "IPython's error display",
    "set_custom_exc": "IPython's exception handlers",
    "custom_exceptions": "IPython's exception handlers",
    "CustomTB": "IPython's exception handlers",
    "InteractiveTB": "IPython's exception handlers",
    "displayhook": "the display hook",
    "display_pub": "IPython's display publisher",
    "display_formatter": "IPython's display formatter",
    "user_expressions": "the kernel's expression evaluation",
    "user_ns": "the kernel's namespace",
    "user_global_ns": "the kernel's namespace",
    "do_execute": "the kernel's execution",
    "execute_request": "the kernel's execution",
    "shell_handlers": "the kernel's execution",
    "excepthook": "the exception hook",
    "settrace": "tracing",
    "setprofile": "tracing",
    "addaudithook": "audit hooks",
    "meta_path": "the import system",
    "path_hooks": "the import system",
    "_getframe": "the call stack",
    "currentframe": "the call stack",
}

INTERNAL_ATTRIBUTES = {
    "__code__", "__globals__", "__closure__", "__defaults__", "__kwdefaults__",
    "__builtins__", "__dict__", "__class__", "__subclasses__", "__bases__", "__mro__",
    "__getattribute__", "__setattr__", "__delattr__", "__import__", "__loader__", "__spec__",
    "cell_contents", "f_back", "f_globals", "f_locals", "f_builtins", "f_code", "tb_frame",
    "gi_frame", "cr_frame", "ag_frame", "co_code", "co_consts",
}

FORBIDDEN_MODULES = {
    "IPython": "the IPython shell", "ipykernel": "the kernel", "traitlets": "the kernel",
    "zmq": "the kernel's messaging", "jupyter_client": "the kernel's messaging",
    "ctypes": "the interpreter's memory", "cffi": "the interpreter's memory",
    "gc": "the garbage collector", "inspect": "the call stack", "dis": "bytecode",
    "importlib": "the import system", "builtins": "the builtins",
    "atexit": "interpreter hooks", "signal": "signal handlers",
    "threading": "threads", "_thread": "threads", "multiprocessing": "other processes",
    "concurrent": "threads", "subprocess": "other programs", "pty": "other programs",
    "pickle": "code hidden in data", "dill": "code hidden in data",
    "cloudpickle": "code hidden in data", "marshal": "code hidden in data",
    "shelve": "code hidden in data", "copyreg": "code hidden in data",
    "code": "code execution", "codeop": "code execution", "runpy": "code execution",
    "types": "function and code objects", "weakref": "finalizers", "sys": "the interpreter",
}
# Uses of these modules' attributes are reported by name (a plain import is not).
INTERPRETER_ATTRIBUTES = {"sys", "os"}
OS_PROCESS_CALLS = {"fork", "forkpty", "system", "popen", "execv", "execve", "execl",
                    "execle", "execlp", "execlpe", "execvp", "execvpe", "spawnl", "spawnle",
                    "spawnlp", "spawnlpe", "spawnv", "spawnve", "spawnvp", "spawnvpe",
                    "posix_spawn", "posix_spawnp", "kill", "killpg", "ptrace"}
DYNAMIC_BUILTINS = {
    "exec": "runs code built at run time (exec)",
    "eval": "runs code built at run time (eval)",
    "compile": "compiles code at run time (compile)",
    "__import__": "imports by a computed name (__import__)",
    "globals": "reaches into a namespace (globals)",
    "vars": "reaches into a namespace (vars)",
    "setattr": "sets attributes by name (setattr)",
    "delattr": "deletes attributes by name (delattr)",
    "breakpoint": "starts the debugger (breakpoint)",
}
TRICK_METHODS = {
    "__eq__", "__ne__", "__lt__", "__le__", "__gt__", "__ge__", "__hash__", "__bool__",
    "__float__", "__int__", "__index__", "__complex__", "__round__", "__abs__", "__del__",
    "__instancecheck__", "__subclasscheck__", "__getattr__", "__array__",
    "__array_ufunc__", "__array_function__",
}
# IPython magics that only time code or choose the plotting backend.
HARMLESS_MAGICS = {"matplotlib", "time", "timeit"}
# Settings objects that honest code assigns to.
SETTINGS_ATTRIBUTES = {"options"}


@dataclass(frozen=True)
class Finding:
    """One construct in one cell (``cell`` is its index in the notebook)."""

    cell: int
    label: str
    what: str

    def text(self) -> str:
        return f"cell {self.label} {self.what}"


def python_source(source: str) -> str:
    """The cell's source as IPython would run it (magics and ``!`` become calls)."""
    from IPython.core.inputtransformer2 import TransformerManager

    try:
        return TransformerManager().transform_cell(source)
    except Exception:  # IPython cannot transform it: the cell will fail when run
        return source


def imported_names(source: str) -> dict[str, str]:
    """Names bound by the imports of ``source``: name -> what it is bound to
    (``'module pandas'``, ``'pandas.DataFrame'``)."""
    tree = _parse(python_source(source))
    found: dict[str, str] = {}
    for node in ast.walk(tree) if tree else ():
        if isinstance(node, ast.Import):
            for alias in node.names:
                bound = alias.asname or alias.name.partition(".")[0]
                found[bound] = f"module {alias.name if alias.asname else bound}"
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for alias in node.names:
                if alias.name != "*":
                    found[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return found


def defined_names(source: str) -> dict[str, str]:
    """Names a locked cell binds to something the tests call: its imports, and the
    functions and classes it defines at top level."""
    found = imported_names(source)
    tree = _parse(python_source(source))
    for node in tree.body if tree else ():
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            found[node.name] = f"defined by {node.name}"
    return found


def scan_source(source: str, *, protected: Mapping[str, str] | None = None,
                modules: Iterable[str] = ()) -> list[str]:
    """Findings in one cell's (or file's) code, each a sentence.

    ``protected``: names the locked cells bound (see :func:`defined_names`); binding one of
    them to anything else is reported. ``modules``: names bound to imported modules or
    objects anywhere in the notebook, whose attributes trainee code must not assign.
    """
    tree = _parse(python_source(source))
    if tree is None:
        return []
    visitor = _Visitor(protected or {}, set(modules) | set(imported_names(source)))
    visitor.visit(tree)
    return list(dict.fromkeys(visitor.found))


def _parse(source: str) -> ast.Module | None:
    try:
        return ast.parse(source)
    except (SyntaxError, ValueError):
        return None


def _root_name(node: ast.AST) -> str | None:
    while isinstance(node, ast.Attribute | ast.Subscript | ast.Call):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else None


class _Visitor(ast.NodeVisitor):
    def __init__(self, protected: Mapping[str, str], modules: set[str]):
        self.protected = protected
        self.modules = modules
        self.found: list[str] = []

    def note(self, text: str) -> None:
        self.found.append(text)

    # names and attributes -------------------------------------------------------------

    def visit_Name(self, node: ast.Name) -> None:
        if node.id in KERNEL_INTERNALS:
            self.note(f"uses {KERNEL_INTERNALS[node.id]} ({node.id})")
        if node.id == "__builtins__":
            self.note("uses the builtins (__builtins__)")
        if isinstance(node.ctx, ast.Store | ast.Del) and node.id in self.protected:
            self.note(f"rebinds {node.id!r}, which the tests use "
                      f"({self.protected[node.id]})")

    def visit_Attribute(self, node: ast.Attribute) -> None:
        if node.attr in KERNEL_INTERNALS:
            self.note(f"uses {KERNEL_INTERNALS[node.attr]} ({node.attr})")
        elif node.attr in INTERNAL_ATTRIBUTES:
            self.note(f"reaches into an object's internals ({node.attr})")
        root = _root_name(node)
        if isinstance(node.value, ast.Name) and node.value.id == "os" \
                and node.attr in OS_PROCESS_CALLS:
            self.note(f"starts or signals other processes (os.{node.attr})")
        if isinstance(node.value, ast.Name) and node.value.id == "sys":
            if node.attr == "modules":
                self.note("uses the import system (sys.modules)")
            elif node.attr in {"stdout", "stderr"} and isinstance(node.ctx, ast.Store | ast.Del):
                self.note(f"replaces part of the interpreter (sys.{node.attr})")
        if isinstance(node.ctx, ast.Store | ast.Del) and root in self.modules \
                and not self._is_settings(node):
            self.note(f"assigns to {ast.unparse(node)}, an attribute of an imported module "
                      "or class")
        self.generic_visit(node)

    @staticmethod
    def _is_settings(node: ast.Attribute) -> bool:
        parts = []
        current: ast.AST = node
        while isinstance(current, ast.Attribute):
            parts.append(current.attr)
            current = current.value
        return bool(set(parts) & SETTINGS_ATTRIBUTES)

    def visit_Constant(self, node: ast.Constant) -> None:
        if isinstance(node.value, str):
            for word in (*KERNEL_INTERNALS, *INTERNAL_ATTRIBUTES):
                if len(word) > 6 and word in node.value:
                    self.note(f"mentions {word!r} in a string")
                    break

    # calls, imports, definitions ------------------------------------------------------

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if isinstance(func, ast.Name) and func.id in DYNAMIC_BUILTINS:
            self.note(DYNAMIC_BUILTINS[func.id])
        if isinstance(func, ast.Name) and func.id == "getattr" and len(node.args) >= 2:
            name = node.args[1]
            if not (isinstance(name, ast.Constant) and isinstance(name.value, str)):
                self.note("reads attributes by a computed name (getattr)")
        if self._is_magic_call(node):
            self._check_magic(node)
            return  # get_ipython() here is only the magic's carrier
        self.generic_visit(node)

    @staticmethod
    def _is_magic_call(node: ast.Call) -> bool:
        func = node.func
        return (isinstance(func, ast.Attribute)
                and func.attr in {"run_line_magic", "run_cell_magic", "system", "getoutput"}
                and isinstance(func.value, ast.Call)
                and isinstance(func.value.func, ast.Name)
                and func.value.func.id == "get_ipython")

    def _check_magic(self, node: ast.Call) -> None:
        kind = node.func.attr  # type: ignore[attr-defined]
        if kind in {"system", "getoutput"}:
            self.note("runs a shell command (!)")
        else:
            name = node.args[0].value if node.args and isinstance(node.args[0], ast.Constant) \
                else "?"
            if name not in HARMLESS_MAGICS:
                self.note(f"uses the IPython magic %{name}")
        for argument in node.args[1:]:
            self.visit(argument)

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            top = alias.name.partition(".")[0]
            if top in FORBIDDEN_MODULES and top not in INTERPRETER_ATTRIBUTES:
                self.note(f"imports {alias.name} ({FORBIDDEN_MODULES[top]})")
            self._check_import_binding(alias.asname or top, f"module {alias.name}"
                                       if alias.asname else f"module {top}")

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        module = node.module or ""
        top = module.partition(".")[0]
        if node.level == 0 and top in FORBIDDEN_MODULES and (
                top not in INTERPRETER_ATTRIBUTES or any(
                    alias.name in KERNEL_INTERNALS or alias.name in OS_PROCESS_CALLS
                    or alias.name == "modules" for alias in node.names)):
            self.note(f"imports from {module} ({FORBIDDEN_MODULES[top]})")
        for alias in node.names:
            if alias.name == "*":
                self.note(f"imports everything from {module} (may rebind what the tests use)")
                continue
            self._check_import_binding(alias.asname or alias.name, f"{module}.{alias.name}")

    def _check_import_binding(self, bound: str, target: str) -> None:
        if bound in self.protected and self.protected[bound] != target:
            self.note(f"rebinds {bound!r}, which the tests use ({self.protected[bound]})")

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        if node.name in self.protected:
            self.note(f"rebinds {node.name!r}, which the tests use "
                      f"({self.protected[node.name]})")
        self.generic_visit(node)

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        if node.name in self.protected:
            self.note(f"rebinds {node.name!r}, which the tests use "
                      f"({self.protected[node.name]})")
        for item in node.body:
            if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef) \
                    and item.name in TRICK_METHODS:
                self.note(f"defines a class with {item.name} (an object that can pass "
                          "comparisons it should fail)")
        self.generic_visit(node)

    def visit_Global(self, node: ast.Global) -> None:
        for name in node.names:
            if name in self.protected:
                self.note(f"declares {name!r} global, which the tests use")
