"""`latticework code` and `latticework eval`."""

from latticework.cli.app import app  # noqa: F401
