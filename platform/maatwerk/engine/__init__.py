"""The only package that imports SpiffWorkflow: compile models, run cases, keep their state.

The names below are loaded on first use (PEP 562), so that a sandbox process, which needs
only the sandbox modules of this package, starts without loading SpiffWorkflow (about
0.1 s less for each new one; sandbox_pool.py)."""
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .model_compiler import compile_model
    from .runtime import AutomaticStep, ReadyTask, SpecBundle, StepResult, TaskNotOpen
    from .serialization import STATE_VERSION, UnknownStateVersion

_WHERE = {
    "compile_model": "model_compiler",
    "AutomaticStep": "runtime", "ReadyTask": "runtime", "SpecBundle": "runtime",
    "StepResult": "runtime", "TaskNotOpen": "runtime",
    "STATE_VERSION": "serialization", "UnknownStateVersion": "serialization",
}

__all__ = [
           "STATE_VERSION",
           "AutomaticStep",
           "ReadyTask",
           "SpecBundle",
           "StepResult",
           "TaskNotOpen",
           "UnknownStateVersion",
           "compile_model",
]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value
