"""`latticework correct` and `latticework corrections list|export`: thin wrappers over Store.correct,
Store.corrections and Store.corrections_gold (latticework/store/corrections.py has the rules)."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from latticework.cli.app import app
from latticework.cli.store_cmd import DbOpt, FormatOpt, OutOpt, _err, _store, _writing
from latticework.output import Format, destination, write_rows

corrections_app = typer.Typer(help="An analyst's corrections of coded events: list them, export them as gold.",
                              no_args_is_help=True)
app.add_typer(corrections_app, name="corrections")


@app.command()
def correct(
    action: Annotated[str, typer.Argument(help="accept, reject, edit or add.")],
    report: Annotated[str | None, typer.Argument(help="The report or event id (or a unique prefix); for add, "
                                                      "the document id.")] = None,
    set_: Annotated[list[str], typer.Option("--set", metavar="FIELD=VALUE",
                                            help="A field to set (edit, add): type, mode, actors, targets "
                                                 "(comma-separated codes), date, status, framework, hedged; "
                                                 "repeatable.")] = [],  # noqa: B006 - Typer reads the default
    evidence: Annotated[str | None, typer.Option(help="add: the evidence sentence, as it is in the document.")] = None,
    author: Annotated[str | None, typer.Option(help="Who makes the correction.")] = None,
    note: Annotated[str | None, typer.Option(help="Why.")] = None,
    db: DbOpt = None,
) -> None:
    """Accept, reject or edit a coded event, or add one the coder missed; kept through every recode."""
    from latticework.store import StoreError

    fields: dict = {}
    for item in set_:
        key, sep, value = item.partition("=")
        if not sep:
            _err(f"error: --set {item!r} is not FIELD=VALUE")
            raise typer.Exit(2)
        key = key.strip()
        fields[key] = ([v.strip().upper() for v in value.split(",") if v.strip()] if key in ("actors", "targets")
                       else value.strip().lower() in ("1", "true", "yes") if key == "hedged"
                       else value.strip().upper() if key in ("type", "framework") else value.strip() or None)
    if evidence:
        fields["evidence"] = {"text": evidence}
    with _store(db, create=False) as store:
        try:
            if action == "add":
                got = store.correct("add", doc_id=report, event=fields, author=author, note=note)
            else:
                got = store.correct(action, report_id=report, event=fields or None, author=author, note=note)
        except StoreError as exc:
            _err(f"error: {exc}")
            raise typer.Exit(2) from None
    print(f"correction {got['id']}: {got['action']} {got['applied_to'] or got['report_id'] or ''} ({got['state']})")


@corrections_app.command("list")
def list_cmd(
    db: DbOpt = None,
    state: Annotated[str | None, typer.Option(help="Only applied or only orphaned corrections.")] = None,
    fmt: FormatOpt = Format.table,
    output: OutOpt = None,
) -> None:
    """Every correction, oldest first; `orphaned` ones no longer find their span or report."""
    with _store(db, create=False) as store:
        rows = store.corrections(state=state)
    with _writing(output):
        write_rows([{k: r[k] for k in ("id", "action", "state", "doc_id", "report_id", "applied_to", "author",
                                       "created_at", "evidence_text")} | {"event": json.dumps(r["event"])
                                                                          if r["event"] else ""}
                    for r in rows], fmt, output, title=f"{len(rows)} corrections")


@corrections_app.command("export")
def export_cmd(db: DbOpt = None, output: OutOpt = None) -> None:
    """The corrected documents as a gold file (one JSON line per document, the reference scorer's
    format), so an analyst's corrections become an evaluation set for `latticework eval`."""
    with _store(db, create=False) as store:
        lines = store.corrections_gold()
    with _writing(output), destination(output) as out:
        for line in lines:
            out.write(json.dumps(line, ensure_ascii=False) + "\n")
