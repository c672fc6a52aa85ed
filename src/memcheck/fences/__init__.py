"""The barrier advisor: which barrier, where, per model and architecture (`memcheck fences`)."""

from ..callable_package import make_callable

make_callable(__name__)  # memcheck.fences(test, models=...) is api.fences
