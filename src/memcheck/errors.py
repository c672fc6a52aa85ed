"""The one error type for bad input: it always carries `file:line:col`."""
from __future__ import annotations


class MemcheckError(Exception):
    """Bad input (syntax, unknown primitive, unsupported construct, ...).

    str() gives `file:line:col: message`, the form every command prints.
    """

    def __init__(self, message: str, file: str = "", line: int = 0, col: int = 0):
        super().__init__(message)
        self.message = message
        self.file = file
        self.line = line
        self.col = col

    def located(self, file: str) -> "MemcheckError":
        """The same error attributed to `file` when it had no file yet."""
        if not self.file:
            self.file = file
        return self

    def __str__(self) -> str:
        return f"{self.file or '<input>'}:{self.line}:{self.col}: {self.message}"
