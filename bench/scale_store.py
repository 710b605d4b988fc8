"""Store at scale: ingest N template documents into SQLite and PostgreSQL and time everything.

usage: .venv/bin/python bench/scale_store.py [--n 100000] [--batch 500] [--pg URL | --no-pg] [--json]

For each database it prints documents/s and events/s of `Store.ingest` (coding included), the
database size, the storage overhead (ingest time minus the time the same coder needs for the same
documents without storing, measured in the same run, over that coding time; target ≤ 20 %), and
the same overhead with the coding clocked inside the ingest itself (robust to machine load), and
the latency of every `latticework events` filter at that size: the first page (--limit 100, what a
user looks at) and a full count of the matching events (the whole filter evaluated). Target: every
query under 200 ms. PostgreSQL comes from --pg or $LATTICEWORK_TEST_PG; the bench works in a
scratch schema that it drops afterwards.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

from latticework.coder import Coder  # noqa: E402
from latticework.ingest import Document  # noqa: E402
from latticework.store import Store  # noqa: E402

STATES = [("Japan", "JPN"), ("the United States", "USA"), ("Australia", "AUS"), ("India", "IND"),
          ("South Korea", "KOR"), ("the Philippines", "PHL"), ("France", "FRA"), ("the United Kingdom", "GBR"),
          ("Germany", "DEU"), ("Vietnam", "VNM"), ("Indonesia", "IDN"), ("Canada", "CAN"), ("Italy", "ITA"),
          ("China", "CHN"), ("Russia", "RUS"), ("North Korea", "PRK"), ("New Zealand", "NZL"), ("Poland", "POL")]
CITIES = ["Tokyo", "Canberra", "Manila", "Seoul", "New Delhi", "Paris", "London", "Berlin", "Hanoi", "Jakarta"]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"]
TEMPLATES = [
    "{a} and {b} held defence talks in {city} on {day} {month} {year}.",
    "The navies of {a} and {b} conducted a joint exercise near {city} in {month} {year}.",
    "{a} and {b} signed an agreement on defence equipment transfer on {day} {month} {year}.",
    "{a} agreed to supply air defence radars to {b}, officials said in {month} {year}.",
    "{a} criticised {b} over its military activities near {city} on {day} {month} {year}.",
    "Defence ministers of {a} and {b} spoke by phone on {day} {month} {year}.",
    "{a} will deploy patrol aircraft to {city} later this year.",
    "Local officials in {city} opened a new library on {day} {month} {year}.",
]


def make_documents(n: int, seed: int = 7) -> list[Document]:
    """N short articles of two or three template sentences, with varied actors, places and dates."""
    rng = random.Random(seed)
    docs = []
    for i in range(n):
        year = rng.choice([2022, 2023, 2024, 2025])
        parts = []
        for _ in range(rng.choice([2, 3])):
            (a, _ca), (b, _cb) = rng.sample(STATES, 2)
            parts.append(rng.choice(TEMPLATES).format(a=a, b=b, city=rng.choice(CITIES), day=rng.randint(1, 28),
                                                      month=rng.choice(MONTHS), year=year))
        text = " ".join(parts)
        text = text[0].upper() + text[1:]
        docs.append(Document(id=f"bench-{i:07d}", text=text, published=f"{year}-12-31",
                             source=rng.choice(["wire", "paper", "ministry"]), origin=f"bench:{i}"))
    return docs


QUERIES: dict[str, dict] = {
    "--actor JPN": {"actor": "JPN"},
    "--actor JPN --with USA": {"actor": "JPN", "with_": "USA"},
    "--type COOPERATE": {"type": "COOPERATE"},
    "--mode exercise": {"mode": "exercise"},
    "--framework QUAD": {"framework": "QUAD"},
    "--since 2025-06": {"since": "2025-06"},
    "--until 2022-02": {"until": "2022-02"},
    "--since 2024-03-01 --until 2024-03-31": {"since": "2024-03-01", "until": "2024-03-31"},
    "--status planned": {"status": "planned"},
    "--source paper": {"source": "paper"},
    "--text radars": {"text": "radars"},
    "--actor KOR --type CONSULT --since 2024": {"actor": "KOR", "type": "CONSULT", "since": "2024"},
}


def _median_ms(fn, repeat: int = 3) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def db_size(store: Store) -> int:
    if store.dialect == "sqlite":
        return Path(sa.make_url(store.url).database or "").stat().st_size
    with store.engine.connect() as conn:
        return int(conn.execute(sa.text(
            "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = current_schema() AND c.relkind = 'r'"
        )).scalar_one())


class TimedCoder(Coder):
    """The real coder, with a clock around each call: the coding share of an ingest, same run, same load."""

    def __init__(self, inner: Coder) -> None:
        self.inner = inner
        self.version = inner.version
        self.seconds = 0.0

    def code(self, doc: Document) -> list[dict]:
        t = time.perf_counter()
        try:
            return self.inner.code(doc)
        finally:
            self.seconds += time.perf_counter() - t


def run_one(label: str, url: str, docs: list[Document], coder: Coder, coding_s: float, batch: int,
            coding_cpu: float) -> dict:
    store = Store(url)
    timed = TimedCoder(coder)
    t = time.perf_counter()
    c = time.process_time()
    report = store.ingest(docs, timed, progress=False, batch=batch)
    ingest_s = time.perf_counter() - t
    ingest_cpu = time.process_time() - c
    inside_s = timed.seconds
    if store.dialect == "postgresql":
        with store.engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
    t = time.perf_counter()
    again = store.ingest(docs, coder, progress=False, batch=batch)
    rerun_s = time.perf_counter() - t
    queries = {}
    for name, kw in QUERIES.items():
        page = _median_ms(lambda kw=kw: list(store.iter_events(**kw, limit=100)))
        count_holder: list[int] = []
        full = _median_ms(lambda kw=kw, out=count_holder: out.append(store.count_events(**kw)))
        queries[name] = {"page_ms": round(page, 1), "count_ms": round(full, 1), "matches": count_holder[-1]}
    result = {
        "database": label, "documents": report.new, "events": report.events,
        "ingest_s": round(ingest_s, 2), "docs_per_s": round(report.new / ingest_s, 1),
        "events_per_s": round(report.events / ingest_s, 1), "coding_s": round(coding_s, 2),
        "storage_overhead_pct": round(100 * (ingest_s - coding_s) / coding_s, 1) if coding_s else None,
        "coding_inside_ingest_s": round(inside_s, 2),
        "coding_cpu_s": round(coding_cpu, 2), "ingest_cpu_s": round(ingest_cpu, 2),
        "storage_overhead_cpu_pct": round(100 * (ingest_cpu - coding_cpu) / coding_cpu, 1),
        "storage_s": round(ingest_s - inside_s, 2),
        "storage_overhead_inside_pct": round(100 * (ingest_s - inside_s) / inside_s, 1) if inside_s else None,
        "rerun_unchanged_s": round(rerun_s, 2), "rerun_unchanged": again.unchanged,
        "db_bytes": db_size(store), "queries": queries,
    }
    store.close()
    return result


def print_result(r: dict) -> None:
    print(f"\n== {r['database']}: {r['documents']} documents, {r['events']} events")
    print(f"ingest {r['ingest_s']} s = {r['docs_per_s']} docs/s, {r['events_per_s']} events/s; "
          f"coding alone {r['coding_s']} s; storage overhead {r['storage_overhead_pct']} % (target ≤ 20 %)")
    print(f"same run, clocked inside the ingest: coding {r['coding_inside_ingest_s']} s, everything else "
          f"{r['storage_s']} s = {r['storage_overhead_inside_pct']} % of coding")
    print(f"CPU time of this process (all threads; load-independent, excludes the PostgreSQL server): coding alone "
          f"{r['coding_cpu_s']} s, ingest {r['ingest_cpu_s']} s = {r['storage_overhead_cpu_pct']} % overhead")
    print(f"rerun of the same input (all unchanged): {r['rerun_unchanged_s']} s; "
          f"database size {r['db_bytes'] / 1e6:.1f} MB")
    print(f"{'query':45s} {'page(100) ms':>12s} {'count ms':>9s} {'matches':>8s}")
    for name, q in r["queries"].items():
        print(f"{name:45s} {q['page_ms']:12.1f} {q['count_ms']:9.1f} {q['matches']:8d}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=100_000, help="documents to generate (default 100000)")
    ap.add_argument("--batch", type=int, default=500, help="documents per transaction")
    ap.add_argument("--pg", default=os.environ.get("LATTICEWORK_TEST_PG"), help="PostgreSQL URL")
    ap.add_argument("--no-pg", action="store_true", help="SQLite only")
    ap.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    args = ap.parse_args()

    docs = make_documents(args.n)
    coder = Coder()
    for d in make_documents(2000, seed=99):  # warm up (models, vocabulary, caches) on other documents
        coder.code(d)
    t = time.perf_counter()
    c = time.process_time()
    n_events = sum(len(coder.code(d)) for d in docs)
    coding_s = time.perf_counter() - t
    coding_cpu = time.process_time() - c
    results = {"n": args.n, "coder_version": coder.version, "coding_only_s": round(coding_s, 2),
               "coding_only_events": n_events, "runs": []}

    with tempfile.TemporaryDirectory() as tmp:
        results["runs"].append(run_one("sqlite", f"sqlite:///{tmp}/bench.db", docs, coder, coding_s, args.batch,
                                       coding_cpu))
    if args.pg and not args.no_pg:
        base = args.pg.replace("postgresql://", "postgresql+psycopg://", 1)
        schema = f"bench_{uuid.uuid4().hex[:8]}"
        admin = sa.create_engine(base)
        with admin.begin() as conn:
            conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
        try:
            sep = "&" if "?" in base else "?"
            results["runs"].append(run_one("postgresql", f"{base}{sep}options=-csearch_path%3D{schema}", docs,
                                           coder, coding_s, args.batch, coding_cpu))
        finally:
            with admin.begin() as conn:
                conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
            admin.dispose()

    if args.json:
        print(json.dumps(results, indent=1))
        return
    print(f"{args.n} documents; coder {coder.version}: coding alone {coding_s:.2f} s "
          f"({args.n / coding_s:.0f} docs/s, {n_events} events)")
    for r in results["runs"]:
        print_result(r)


if __name__ == "__main__":
    main()
