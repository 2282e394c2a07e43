"""The files an import takes (and an export writes): their formats, and the refusals of a file an import
cannot take, each naming what is wrong (a row's or a header's faults are named elsewhere: domain.transfer)."""
from __future__ import annotations

FORMATS = ("csv", "xlsx")


class UnreadableFile(ValueError):
    """Not a CSV or XLSX file we can read."""


class TooLarge(UnreadableFile):
    """A file past one of an import's limits (its rows, its size, a cell's length): the message names it."""
