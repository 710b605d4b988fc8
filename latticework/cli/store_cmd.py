"""Commands of this group are registered on the shared app."""

from latticework.cli.app import app  # noqa: F401
