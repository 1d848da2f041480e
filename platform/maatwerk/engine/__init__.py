"""The only package that imports SpiffWorkflow: compile models, run cases, keep their state."""
from .model_compiler import compile_model
from .runtime import AutomaticStep, ReadyTask, SpecBundle, StepResult, TaskNotOpen
from .serialization import STATE_VERSION, UnknownStateVersion

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
