"""Lowering: C tests to event programs for the LKMM and the hardware models, and to assembly tests."""

from ..callable_package import make_callable

make_callable(__name__)  # memcheck.lower(test, arch=...) is api.lower
