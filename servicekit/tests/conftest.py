"""Fixtures of the kit's own tests (helpers live in kithelpers.py)."""
from kithelpers import sqlite_sessions  # noqa: F401 - re-exported fixture
