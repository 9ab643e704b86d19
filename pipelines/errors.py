"""Errors a user can act on: each carries one clear sentence and, where known, the file and row."""

from __future__ import annotations


class ObservatoryError(Exception):
    """An error shown to the user as one sentence (the CLI prints it without a traceback)."""

    def __init__(self, message: str, path: object | None = None, row: int | None = None):
        self.message, self.path, self.row = message, path, row
        where = ""
        if path is not None:
            where = f" (file {path}" + (f", row {row}" if row is not None else "") + ")"
        super().__init__(message + where)


class BuildFailed(ObservatoryError):
    """A critical problem: the build stops and the previous warehouse stays in place."""


class FileRejected(ObservatoryError):
    """A delivery file that cannot be read at all; the rest of the delivery still loads."""
