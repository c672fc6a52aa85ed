"""The herd cat language: parser, compiler to bitmask operations, concrete
evaluator of candidate executions, and explanations of failed checks."""
from .ast import Model, Pos
from .compile import compile_model
from .program import DYNAMIC, CheckSpec, Program, Violation
from .evaluate import CheckResult, Evaluator, Execution, Explanation
from .parse import load_model, parse_cat

__all__ = ["Model", "Pos", "DYNAMIC", "CheckSpec", "Program", "Violation", "compile_model",
           "CheckResult", "Evaluator", "Execution", "Explanation", "load_model", "parse_cat"]
