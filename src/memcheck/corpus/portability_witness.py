"""An unsound state explained: the architecture's execution reaching it, the LKMM's axiom against it.

The test is judged again with its condition replaced by the state itself, so
that the witness search (engine/witness.py) finds the architecture's
execution ending in that state, drawn as `--graph` draws a witness, and the
LKMM's forbidden execution ending in it, with the broken axiom as
`memcheck explain` prints it.
"""
from __future__ import annotations

import time
from dataclasses import replace
from typing import Optional

from ..checker import Checker, condition_text, parse_test_text
from ..engine.enumerate import Timeout
from ..engine.witness import find_witness
from ..errors import MemcheckError
from ..litmus import ast as A
from ..report.explain_text import explain_text
from ..report.graph import WitnessGraph, build_graph
from ..report.svg import render_svg
from .portability import Explanation, State


def state_prop(state: State, locations: dict[str, A.Loc]) -> A.Prop:
    """`1:r0=1 /\\ x=2`: the proposition a final state satisfies (a pointer
    value as the variable's address; an out-of-thin-air symbol left free)."""
    atoms: list[A.Prop] = []
    for key, value in state:
        loc = locations[key]
        if isinstance(value, int):
            atoms.append(A.PAtom(loc, "=", A.IntLit(value)))
        elif not (value.startswith("S") and value[1:].isdigit()):
            atoms.append(A.PAtom(loc, "=", A.AddrValue(value)))
    return A.PAnd(tuple(atoms)) if atoms else A.PConst(True)


def with_state(test: A.Test, state: State) -> A.Test:
    """`test` asking whether it can end in `state`."""
    from ..engine.outcome import loc_key, observed_locations
    locations = {loc_key(l): l for l in observed_locations(test)}
    return replace(test, condition=A.Condition("exists", state_prop(state, locations)))


def state_graph(checker: Checker, test: A.Test, model: str, deadline: Optional[float]) -> WitnessGraph:
    """The witness of `test`'s condition under `model`: reaching it, or the forbidden execution that gets furthest."""
    program = checker.lower(test, model)
    w = find_witness(test, program, checker.evaluator(model), deadline=deadline)
    verdict = "Sometimes" if w.reachable else "Never"
    return build_graph(test, program, w, model, verdict, condition_text(test.condition))


def explain_state(checker: Checker, file: str, raw: bytes, reference: str, model: str,
                  state: Optional[State], timeout: Optional[float] = None) -> Explanation:
    """Why `state` (None: the test's condition) is unsound: `model`'s execution
    reaching it (SVG), the `reference` model's axiom forbidding it."""
    deadline = time.monotonic() + timeout if timeout else None
    try:
        test = parse_test_text(raw, file)
        if not isinstance(test, A.Test):
            raise MemcheckError("not a C test", file, 1, 1)
        asked = with_state(test, state) if state is not None else test
        svg = render_svg(state_graph(checker, asked, model, deadline))
        text = explain_text(state_graph(checker, asked, reference, deadline))
        return Explanation(model, state, svg, text)
    except Timeout:
        return Explanation(model, state, error=f"explaining timed out after {timeout:g} s")
    except MemcheckError as e:
        e.located(file)
        return Explanation(model, state, error=str(e))
