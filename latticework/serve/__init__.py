"""`latticework serve`: the JSON API and the workbench page over a Store (docs/serve.md)."""

from latticework.serve.app import create_app

__all__ = ["create_app"]
