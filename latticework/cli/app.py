"""The Typer application object; command modules register themselves on it."""

import typer

app = typer.Typer(
    name="latticework",
    help="Code defence-cooperation reporting into sourced events, store them, and analyse the alliance network.",
    no_args_is_help=True,
    add_completion=False,
)
