"""Command-line interface: thin wrappers over the library (one module per group of commands)."""

from latticework.cli import code_cmd, corrections_cmd, network_cmd, serve_cmd, store_cmd  # noqa: F401  (registers commands)
from latticework.cli.app import app


def main() -> None:
    app()
