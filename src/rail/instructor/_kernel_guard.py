"""The grader's watch inside a grading kernel (this file's text runs in the kernel).

Trainee code and the tests share one kernel (nbgrader's design), so trainee code could change
how later cells run or what the tests rely on. Before any trainee code runs, the grader sends
this file's source to the kernel, which calls :func:`install`: it imports the modules the
module's notebook uses, records what the tests rely on (IPython's machinery, the builtins,
every function and class of the tracked packages), and registers a small module under a
name of the grader's choosing. After each test cell, the grader asks that module for a
:func:`report` (through the execute request's ``user_expressions``, which IPython evaluates
without the input transformers) and compares it with the first one **outside** the kernel.

Nothing here trusts the trainee's code; it only makes tampering show. A determined attacker
inside the same process could defeat any in-process check, which is why the grader also
scans the trainee's code before it runs and never keeps points from a test whose run it
could not confirm (see :mod:`rail.instructor.guard`).

This module imports only the standard library, and takes everything it uses from the
builtins before trainee code runs (later rebinding of a builtin does not reach it).
"""

import builtins
import contextlib
import gc
import importlib
import json
import signal
import sys
import threading
import time
import types

MACHINERY_METHODS = (
    "run_cell", "run_cell_async", "_run_cell", "run_ast_nodes", "run_code", "transform_cell",
    "transform_ast", "should_run_async", "showtraceback", "_showtraceback", "showsyntaxerror",
    "user_expressions", "ev", "ex", "set_custom_exc", "get_exception_only", "excepthook",
    "_format_user_obj", "get_ipython",
)
KERNEL_METHODS = ("do_execute", "execute_request", "_publish_execute_input", "send_response")
# Set by IPython itself while a cell runs, or volatile: not compared.
BUILTINS_SKIPPED = frozenset({"_", "__", "___", "display", "get_ipython", "exit", "quit",
                              "__IPYTHON__", "__debug__"})
MISSING = object()


def install(name, modules, packages):
    """Import ``modules``, record the baseline, and register the guard as ``name``.

    ``packages``: top-level package names whose every module is watched (functions,
    classes and their methods).
    """
    started = time.perf_counter()
    for module in modules:
        # A module the environment lacks: the cell importing it will say so.
        with contextlib.suppress(Exception):
            importlib.import_module(module)
    imported = time.perf_counter()
    # How long the imports (which the notebook makes anyway) and the baseline took.
    install_seconds = {"imports": imported - started}
    guard = types.ModuleType(name)
    guard.report = _make_reporter(get_ipython(), frozenset(packages), install_seconds)  # noqa: F821
    install_seconds["baseline"] = time.perf_counter() - imported
    sys.modules[name] = guard


def _make_reporter(shell, packages, install_seconds):
    # Everything the reporter calls, taken now: a trainee's later rebinding cannot reach it.
    _id, _hash, _tuple, _callable, _isinstance, _type = id, hash, tuple, callable, isinstance, type
    _getattr, _vars, _sorted, _list, _dict = getattr, vars, sorted, list, dict
    _map = map
    _clock = time.perf_counter
    _dumps, _enumerate_threads = json.dumps, threading.enumerate
    _getsignal, _getitimer = signal.getsignal, signal.getitimer
    _gettrace, _getprofile = sys.gettrace, sys.getprofile
    gc_callbacks = gc.callbacks
    function_type, module_type = types.FunctionType, types.ModuleType
    modules = sys.modules
    user_ns = shell.user_ns
    kernel = _getattr(shell, "kernel", None)
    descriptors = (staticmethod, classmethod, property, types.FunctionType)
    code_roots = _tuple({p for p in (sys.prefix, sys.base_prefix, sys.exec_prefix) if p})
    try:
        valid_signals = _sorted(signal.valid_signals())
    except (AttributeError, ValueError):
        valid_signals = []
    timers = [getattr(signal, n) for n in ("ITIMER_REAL", "ITIMER_VIRTUAL", "ITIMER_PROF")
              if hasattr(signal, n)]

    def function_ids(value):
        """The identity of a callable, and of what a Python function runs."""
        if _type(value) is not function_type:
            return (_id(value),)
        closure = value.__closure__ or ()
        cells = []
        for cell in closure:
            try:
                cells.append(_id(cell.cell_contents))
            except ValueError:  # an empty cell
                cells.append(0)
        kwdefaults = value.__kwdefaults__ or {}
        return (_id(value), _id(value.__code__), _id(value.__defaults__),
                _tuple(_id(v) for v in kwdefaults.values()), _tuple(cells),
                _id(value.__globals__))

    def watched_keys():
        """Per watched module: its callables and modules, and the methods of its classes."""
        keys = {}
        for module_name, module in _list(modules.items()):
            if module is None or module_name.partition(".")[0] not in packages:
                continue
            namespace = _getattr(module, "__dict__", None)
            if not _isinstance(namespace, _dict):
                continue
            names = [k for k, v in _list(namespace.items())
                     if _callable(v) or _isinstance(v, module_type)]
            classes = {}
            for k in names:
                value = namespace[k]
                if _isinstance(value, _type) and _getattr(value, "__module__", None) == module_name:
                    classes[k] = [m for m, v in _list(_vars(value).items())
                                  if _isinstance(v, descriptors) or _isinstance(v, _type)]
            keys[module_name] = (names, classes)
        return keys

    baseline_keys = watched_keys()
    baseline_threads = {_id(t) for t in _enumerate_threads()}
    baseline_meta_path = _list(sys.meta_path)
    baseline_path_hooks = _list(sys.path_hooks)

    def module_digest(module_name, names, classes, deep):
        """One number for the watched objects of a module. ``deep``: also what each Python
        function runs (code, defaults, closure), for the course's own package."""
        module = modules.get(module_name)
        namespace = _getattr(module, "__dict__", None) or {}
        values = _list(_map(namespace.get, names))
        ids = [_id(module), *_map(_id, values)]
        for class_name, methods in classes.items():
            cls = namespace.get(class_name)
            class_dict = _vars(cls) if _isinstance(cls, _type) else {}
            ids.extend(_map(_id, _map(class_dict.get, methods)))
        if deep:
            for value in values:
                ids.extend(function_ids(value))
        return _hash(_tuple(ids))

    def ids_of(values):
        return _hash(_tuple(_id(v) for v in values))

    def methods_of(obj, names):
        cls = _type(obj)
        own = _vars(obj) if _hasdict(obj) else {}
        return ids_of([_getattr(cls, n, None) for n in names] + [own.get(n) for n in names])

    def _hasdict(obj):
        try:
            _vars(obj)
        except TypeError:
            return False
        return True

    def machinery():
        manager = shell.input_transformer_manager
        display_trap = _getattr(shell, "display_trap", None)
        events = _getattr(shell.events, "callbacks", {})
        found = {
            "IPython's input transformers": ids_of(
                [manager, *shell.input_transformers_cleanup, *shell.input_transformers_post,
                 *manager.cleanup_transforms, *manager.line_transforms,
                 *manager.token_transformers]),
            "IPython's AST transformers": ids_of(shell.ast_transformers),
            "IPython's cell execution": methods_of(shell, MACHINERY_METHODS),
            "the kernel's execution": (methods_of(kernel, KERNEL_METHODS)
                                       if kernel is not None else 0),
            # Libraries register callbacks (matplotlib's inline backend does, on first use):
            # only those that run code from outside the Python installation count.
            "IPython's event callbacks": _hash(_tuple(
                (event, ids_of([c for c in callbacks if foreign(c)]))
                for event, callbacks in _sorted(events.items()))),
            "IPython's exception handlers": ids_of(
                [shell.custom_exceptions, shell.CustomTB, shell.InteractiveTB,
                 sys.excepthook]),
            "IPython's display hooks": ids_of(
                [shell.displayhook, display_trap, _getattr(display_trap, "hook", None),
                 shell.display_pub, shell.display_formatter, sys.displayhook]),
            "the compiler": ids_of([shell.compile, _type(shell.compile)]),
            "tracing": ids_of([_gettrace(), _getprofile(),
                               _getattr(threading, "_trace_hook", None),
                               _getattr(threading, "_profile_hook", None)]),
            "the output streams": ids_of([sys.stdout, sys.stderr]),
            "the import system": ids_of([*sys.meta_path[:len(baseline_meta_path)],
                                         *sys.path_hooks[:len(baseline_path_hooks)],
                                         sys.modules]),
            "garbage-collector callbacks": ids_of(gc_callbacks),
            "signal handlers": _hash(_tuple(
                [_id(_getsignal(s)) for s in valid_signals]
                + [_getitimer(t) != (0.0, 0.0) for t in timers])),
            "the builtins": _hash(_tuple(
                (k, _id(v)) for k, v in _sorted(_vars(builtins).items())
                if k not in BUILTINS_SKIPPED)),
            "the user namespace": ids_of([shell.user_ns, shell.user_global_ns]),
        }
        return found

    def foreign(function):
        """Whether ``function`` runs code from outside the Python installation (or code
        it cannot place, such as a builtin like ``exec`` bound in a partial)."""
        for _ in range(10):  # unwrap partials and bound methods
            inner = _getattr(function, "func", None) or _getattr(function, "__func__", None)
            if inner is None:
                break
            function = inner
        code = _getattr(function, "__code__", None)
        filename = _getattr(code, "co_filename", "") or ""
        return not filename.startswith(code_roots)

    def foreign_threads():
        """Threads started since the baseline by code outside the Python installation."""
        found = []
        for thread in _enumerate_threads():
            if _id(thread) in baseline_threads or not thread.is_alive():
                continue
            target = _getattr(thread, "_target", None) or _getattr(_type(thread), "run", None)
            code = _getattr(target, "__code__", None)
            filename = _getattr(code, "co_filename", "") or ""
            if not filename.startswith(code_roots):
                found.append(1)
        return len(found)

    def report(flag="", protected=(), shadowing=()):
        """What the grader compares with the baseline, as JSON.

        ``flag``: the name a test cell's last line sets when the test ran to its end (it
        is removed here). ``protected``: names whose object must still be the one the
        locked cells bound. ``shadowing``: builtin names a test uses, which trainee code
        must not have bound to something callable.
        """
        started = _clock()
        result = {
            "flag": (user_ns.pop(flag, None) is True) if flag else None,
            "machinery": machinery(),
            "modules": {name: module_digest(name, names, classes,
                                            name.partition(".")[0] == "rail")
                        for name, (names, classes) in baseline_keys.items()},
            "names": {n: (function_ids(user_ns[n]) if n in user_ns else None)
                      for n in protected},
            "shadowed": [n for n in shadowing if n in user_ns and _callable(user_ns[n])],
            "threads": foreign_threads(),
        }
        result["seconds"] = _clock() - started  # what the check cost, for the benchmark
        result["install"] = install_seconds
        return _dumps(result)

    return report
