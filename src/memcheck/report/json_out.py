"""Verdicts as JSON objects, one per test and model."""
from __future__ import annotations

import json
from typing import Any

from ..engine.outcome import Verdict
from ..errors import MemcheckError


def verdict_record(v: Verdict) -> dict[str, Any]:
    return {
        "file": v.file,
        "name": v.name,
        "model": v.model,
        "verdict": v.observation,
        "positive": v.positive,
        "negative": v.negative,
        "states": [dict(s) for s in v.states],
        "flags": list(v.flags),
        "condition": v.condition,
        "seconds": round(v.seconds, 4),
        # false: decided without enumeration; states are the witnesses found
        # and positive/negative only say whether one exists
        "exhaustive": v.exhaustive,
        "states_complete": v.states_complete,
        "execution_limit": v.limit,  # the limit that stopped the listing, if one did
        # herd7's Loop: some execution needs more loop iterations than --unroll N
        "loop_limit": v.loop_limit,
    }


def error_record(file: str, err: MemcheckError | str) -> dict[str, Any]:
    return {"file": file, "error": str(err)}


def dumps(record: dict[str, Any]) -> str:
    return json.dumps(record, sort_keys=False)
