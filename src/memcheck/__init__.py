"""memcheck: memory-model litmus test checker for Linux kernel code.

As a library: `memcheck.judge(test, models=("lkmm",), mode="full", timeout=None)`,
`memcheck.fences(test)`, `memcheck.lower(test, arch=...)`, `memcheck.parse(test)`,
`memcheck.models()`, where `test` is a path or the text of a test (see memcheck.api).
"""

__version__ = "0.1.0"

_API = ("judge", "fences", "lower", "parse", "models", "Session", "Result", "Results", "MemcheckError", "TimedOut")
__all__ = ["__version__", *_API]


def __getattr__(name: str):
    """The API's names, imported when first used (the command line does not need them all).
    `fences` and `lower` are also packages: once imported, their modules are
    found before this and, called, call the API (callable_package.py)."""
    if name in _API:
        from . import api
        if name in ("fences", "lower"):
            import importlib
            return importlib.import_module(f"{__name__}.{name}")
        return getattr(api, name)
    raise AttributeError(f"module 'memcheck' has no attribute {name!r}")
