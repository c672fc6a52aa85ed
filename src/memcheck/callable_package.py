"""`memcheck.fences(...)` and `memcheck.lower(...)` are the API's functions,
while `memcheck.fences` and `memcheck.lower` are also the packages that
implement them: such a package's module, called, calls the API function of
its name."""
from __future__ import annotations

import sys
import types
from typing import Any


class CallablePackage(types.ModuleType):
    """A package whose module can be called: `memcheck.lower(test, arch=...)`."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        from . import api
        return getattr(api, self.__name__.rsplit(".", 1)[1])(*args, **kwargs)


def make_callable(name: str) -> None:
    """Let the package `name` be called as the API function of its last name."""
    sys.modules[name].__class__ = CallablePackage
