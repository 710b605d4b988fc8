"""Load on `latticework serve`: the event list and event detail at a fixed request rate, on PostgreSQL.

usage: .venv/bin/python bench/bench_serve.py [--n 100000] [--real 200] [--rate 200] [--duration 30]
                                             [--workers 1] [--pg URL] [--keep] [--json]

1. Builds a store of N documents in a scratch schema of the PostgreSQL database ($LATTICEWORK_TEST_PG or
   --pg): N − R synthetic articles go through Store.ingest like any input (story hashing, clustering,
   one transaction per batch), coded by a template coder that knows the events it wrote into each
   text, since the real coder would take hours at this size; R (--real) articles are coded by the
   real coder. A share of the synthetic articles report an event another outlet already reported, so
   the store holds events of several reports and sources, as a news corpus does.
2. Starts the real `latticework serve` on a free loopback port in a subprocess.
3. Drives it open-loop at --rate requests/s for --duration s: each request is sent at its scheduled
   time whatever the earlier ones are doing (a slow server cannot slow the load down), and its
   latency runs from that scheduled time to the last byte of the response. Half the requests list
   events (no filter, an actor, a dyad, a type and mode, a date window, min_sources, reports, pages
   further on), half fetch one event (ids drawn from the store). The client is a small HTTP/1.1 keep-alive
   client on asyncio streams, so that the load generator's own cost stays low on a 2-core machine.
4. Prints p50/p90/p99/max per kind and per filter, the achieved rate, errors, and whether p99 < 100 ms
   (the target); then the filters that read every report (an outlet as source, words in the
   evidence), timed one request at a time since they are not served in milliseconds at this size.

The schema is dropped at the end; --keep leaves it for the next run, which reuses it when it holds the
same N and R (the build takes minutes at 100k).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

from latticework.ingest import Document  # noqa: E402
from latticework.store import Store  # noqa: E402

TARGET_P99_MS = 100.0
STATES = [("Japan", "JPN"), ("the United States", "USA"), ("Australia", "AUS"), ("India", "IND"),
          ("South Korea", "KOR"), ("the Philippines", "PHL"), ("France", "FRA"), ("the United Kingdom", "GBR"),
          ("Germany", "DEU"), ("Vietnam", "VNM"), ("Indonesia", "IDN"), ("Canada", "CAN"), ("Italy", "ITA"),
          ("China", "CHN"), ("Russia", "RUS"), ("North Korea", "PRK"), ("New Zealand", "NZL"), ("Poland", "POL"),
          ("Spain", "ESP"), ("the Netherlands", "NLD"), ("Norway", "NOR"), ("Sweden", "SWE"), ("Finland", "FIN"),
          ("Turkey", "TUR"), ("Brazil", "BRA"), ("Mexico", "MEX"), ("Singapore", "SGP"), ("Malaysia", "MYS"),
          ("Thailand", "THA"), ("Israel", "ISR"), ("Egypt", "EGY"), ("Saudi Arabia", "SAU"), ("Iran", "IRN"),
          ("Pakistan", "PAK"), ("South Africa", "ZAF"), ("Nigeria", "NGA"), ("Kenya", "KEN"), ("Ukraine", "UKR"),
          ("Greece", "GRC"), ("Denmark", "DNK")]
HOSTILE = {"CHN", "RUS", "PRK", "IRN"}
CITIES = ["Tokyo", "Canberra", "Manila", "Seoul", "New Delhi", "Paris", "London", "Berlin", "Hanoi", "Jakarta",
          "Ottawa", "Rome", "Warsaw", "Madrid", "Oslo", "Ankara", "Singapore", "Cairo", "Nairobi", "Kyiv"]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"]
OUTLETS = [f"outlet-{k:02d}" for k in range(24)]
#: (sentence, type, mode, directed, cameo): the template coder's events; {a} and {b} are the parties.
TEMPLATES = [
    ("{a} and {b} held defence talks in {city} on {day} {month} {year}.", "CONSULT", "meeting", False, "040"),
    ("The navies of {a} and {b} conducted a joint exercise near {city} in {month} {year}.", "COOPERATE",
     "exercise", False, "062"),
    ("{a} and {b} signed a defence cooperation agreement in {city} on {day} {month} {year}.", "AGREE", "sign",
     False, "057"),
    ("{a} agreed to supply air defence radars to {b}, officials said in {city} in {month} {year}.", "AID",
     "arms_transfer", True, "072"),
    ("{a} criticised {b} over its military activities near {city} on {day} {month} {year}.", "ACCUSE",
     "criticize", True, "111"),
    ("Defence ministers of {a} and {b} spoke by phone on {day} {month} {year}.", "CONSULT", "call", False, "040"),
]
FILLER = ["Analysts said the move reflected long-standing ties.", "The ministry gave no further details.",
          "Officials declined to comment on the cost.", "Local media reported the news on the same day."]
REAL = ["{a} and {b} held defence talks in {city} on {day} {month} {year}.",
        "The navies of {a} and {b} conducted a joint exercise near {city} in {month} {year}.",
        "{a} criticised {b} over its military activities near {city} on {day} {month} {year}."]


class TemplateCoder:
    """Codes a synthetic article into the events its generator wrote into it (carried in `extra`):
    deterministic, as the EventCoder protocol asks, and fast enough for 100k documents."""

    version = "bench-template-1"

    def code(self, doc: Document) -> list[dict]:
        return [dict(e) for e in doc.extra.get("events", [])]


def _event(rng: random.Random) -> dict:
    (na, a), (nb, b) = rng.sample(STATES, 2)
    tpl = rng.randrange(len(TEMPLATES))
    if TEMPLATES[tpl][1] == "ACCUSE" and a not in HOSTILE and rng.random() < 0.7:
        code = rng.choice(sorted(HOSTILE))
        (na, a) = next(s for s in STATES if s[1] == code)
        if a == b:
            (nb, b) = ("Japan", "JPN") if a != "JPN" else ("Australia", "AUS")
    year = rng.randint(2015, 2025)
    return {"a": (na, a), "b": (nb, b), "tpl": tpl, "city": rng.choice(CITIES), "day": rng.randint(1, 28),
            "month": rng.randint(1, 12), "year": year, "framework": "QUAD" if rng.random() < 0.05 else None}


def synthetic_documents(n: int, seed: int = 11) -> Iterator[Document]:
    """N articles of one or two event sentences and filler; about a third retell a recent event."""
    rng = random.Random(seed)
    recent: list[dict] = []
    for i in range(n):
        text, events = "", []
        for _ in range(rng.choice([1, 1, 2])):
            ev = rng.choice(recent) if recent and rng.random() < 0.35 else _event(rng)
            recent.append(ev)
            if len(recent) > 500:
                recent.pop(0)
            sentence, typ, mode, directed, cameo = TEMPLATES[ev["tpl"]]
            s = sentence.format(a=ev["a"][0], b=ev["b"][0], city=ev["city"], day=ev["day"],
                                month=MONTHS[ev["month"] - 1], year=ev["year"])
            s = s[0].upper() + s[1:]
            start = len(text)
            text += s + " "
            date = (f"{ev['year']:04d}-{ev['month']:02d}" if "{day}" not in sentence
                    else f"{ev['year']:04d}-{ev['month']:02d}-{ev['day']:02d}")
            actors, targets = ([ev["a"][1]], [ev["b"][1]]) if directed else (sorted([ev["a"][1], ev["b"][1]]), [])
            events.append({"type": typ, "mode": mode, "actors": actors, "targets": targets, "date": date,
                           "status": "occurred", "hedged": False, "framework": ev["framework"],
                           "location": {"name": ev["city"], "country": None},
                           "evidence": {"text": s, "start": start, "end": start + len(s)},
                           "confidence": 0.8, "cameo": cameo})
            text += rng.choice(FILLER) + " "
        last = max(e["date"] for e in events)
        published = (last + "-28")[:10] if len(last) == 7 else last
        yield Document(id=f"syn-{i:07d}", text=text.strip(), published=published, title=f"Report {i}",
                       source=rng.choice(OUTLETS), url=f"https://news.example/{i}", origin=f"bench:{i}",
                       extra={"events": events})


def real_documents(n: int, seed: int = 5) -> list[Document]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        (a, _), (b, _) = rng.sample(STATES[:18], 2)
        year = rng.randint(2018, 2025)
        s = rng.choice(REAL).format(a=a, b=b, city=rng.choice(CITIES), day=rng.randint(1, 28),
                                    month=rng.choice(MONTHS), year=year)
        out.append(Document(id=f"real-{i:05d}", text=s[0].upper() + s[1:], published=f"{year}-12-31",
                            source=rng.choice(OUTLETS), origin=f"real:{i}"))
    return out


# ------------------------------------------------------------------------------------------- the store

def _schema_url(base: str, schema: str) -> str:
    sep = "&" if "?" in base else "?"
    return f"{base}{sep}options=-csearch_path%3D{schema}"


def build_store(base: str, n: int, real: int, keep: bool, log: Any) -> tuple[str, str, bool]:
    """(url, schema, reused): a scratch schema holding the bench store, built unless --keep left one."""
    schema = f"bench_serve_{n}_{real}" + ("" if keep else f"_{os.getpid()}")  # a kept one is found again by name
    admin = sa.create_engine(base)
    with admin.begin() as conn:
        exists = conn.exec_driver_sql("SELECT 1 FROM information_schema.schemata WHERE schema_name = %(s)s",
                                      {"s": schema}).first() is not None
    url = _schema_url(base, schema)
    if exists:
        with Store(url) as store:
            if store.stats()["documents"] == n and keep:
                admin.dispose()
                return url, schema, True
        with admin.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
    with admin.begin() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    admin.dispose()
    t0 = time.perf_counter()
    with Store(url) as store:
        rep = store.ingest(synthetic_documents(n - real), TemplateCoder(), progress=False, batch=500)
        log(f"synthetic: {rep.summary()} in {time.perf_counter() - t0:.0f} s")
        if real:
            from latticework.coder import Coder

            t1 = time.perf_counter()
            rep = store.ingest(real_documents(real), Coder(), progress=False)
            log(f"real coder: {rep.summary()} in {time.perf_counter() - t1:.0f} s")
        with store.engine.connect() as conn:
            conn.exec_driver_sql("ANALYZE")
            conn.commit()
    return url, schema, False


def drop_schema(base: str, schema: str) -> None:
    admin = sa.create_engine(base)
    with admin.begin() as conn:
        conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    admin.dispose()


def request_mix(url: str, seed: int = 3) -> list[tuple[str, str, str]]:
    """(kind, label, path) of the requests to send, in a random order: half event lists (each label a
    filter), half single events (ids and report ids drawn from the whole store)."""
    rng = random.Random(seed)
    with Store(url) as store:
        total = store.count_events()
        ids = [e["event_id"] for e in store.iter_events(limit=20000, offset=max(0, total // 2 - 10000))]
        reports = [e["event_id"] for e in store.iter_events(reports=True, limit=5000, offset=total // 3)]
        actors = [a["code"] for a in store.actors()]
    friendly = [a for a in actors if a not in HOSTILE] or actors
    lists = [("first page", "/api/events"), ("page 4", "/api/events?offset=300"),
             ("page 11", "/api/events?offset=1000"), ("min_sources=2", "/api/events?min_sources=2"),
             ("type+mode", "/api/events?type=COOPERATE&mode=exercise"),
             ("date window", "/api/events?since=2020-01&until=2020-06"),
             ("type+since", "/api/events?type=ACCUSE&since=2024"), ("reports", "/api/events?reports=true&limit=50"),
             ("actor", f"/api/events?actor={friendly[0]}")]
    if len(friendly) > 1:
        lists.append(("dyad", f"/api/events?actor={friendly[0]}&with={friendly[1]}"))
    out: list[tuple[str, str, str]] = []
    for _ in range(4000):
        if rng.random() < 0.5:
            label, path = rng.choice(lists)
            out.append(("list", label, path))
        elif rng.random() < 0.8 or not reports:
            out.append(("detail", "event", "/api/events/" + rng.choice(ids)))
        else:
            out.append(("detail", "report", "/api/events/" + rng.choice(reports).replace("#", "%23")))
    return out


# ------------------------------------------------------------------------------------------- load

class Conn:
    """One keep-alive HTTP/1.1 connection (asyncio streams): send a GET, read one response."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    async def get(self, host: str, path: str) -> tuple[int, int]:
        self.writer.write(f"GET {path} HTTP/1.1\r\nHost: {host}\r\nAccept: application/json\r\n\r\n".encode())
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        length = next((int(v) for k, _, v in (x.partition(":") for x in lines[1:]) if k.lower() == "content-length"), 0)
        body = await self.reader.readexactly(length)
        return status, len(body)


async def drive(port: int, mix: list[tuple[str, str, str]], rate: float, duration: float) -> dict[str, Any]:
    host = f"127.0.0.1:{port}"
    idle: list[Conn] = []
    lat: dict[str, list[float]] = {"list": [], "detail": []}
    by_label: dict[str, list[float]] = {}
    errors: list[str] = []
    done = 0

    async def one(kind: str, label: str, path: str, due: float) -> None:
        nonlocal done
        reused = bool(idle)
        conn = idle.pop() if idle else Conn(*await asyncio.open_connection("127.0.0.1", port))
        try:
            status, _ = await conn.get(host, path)
        except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
            conn.writer.close()
            if not reused:
                errors.append(f"{path}: {type(exc).__name__}")
                return
            # the server closed an idle keep-alive connection (uvicorn: after 5 s): send again on a new one
            conn = Conn(*await asyncio.open_connection("127.0.0.1", port))
            try:
                status, _ = await conn.get(host, path)
            except (OSError, asyncio.IncompleteReadError, ValueError) as exc2:
                errors.append(f"{path}: {type(exc2).__name__}")
                conn.writer.close()
                return
        ms = (time.perf_counter() - due) * 1000
        lat[kind].append(ms)
        by_label.setdefault(f"{kind}: {label}", []).append(ms)
        done += 1
        if status != 200:
            errors.append(f"{path}: HTTP {status}")
        idle.append(conn)

    n = int(rate * duration)
    tasks = []
    start = time.perf_counter() + 0.2
    for i in range(n):
        due = start + i / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        kind, label, path = mix[i % len(mix)]
        tasks.append(asyncio.ensure_future(one(kind, label, path, due)))
    await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - start
    for c in idle:
        c.writer.close()
    return {"latencies": lat, "by_label": by_label, "errors": errors, "sent": n, "done": done, "elapsed": elapsed,
            "connections": len(idle)}


#: Filters that read every report at this size (docs/serve.md): timed one request at a time, not in the load.
SCANS = [("source (an outlet)", "/api/events?source=outlet-03"), ("text", "/api/events?text=radars"),
         ("status+source", "/api/events?status=occurred&source=outlet-03")]


async def one_at_a_time(port: int, paths: list[tuple[str, str]], repeat: int = 5) -> dict[str, float]:
    """Median latency of each path, sent alone (the first request of each, which fills the count
    cache, included)."""
    conn = Conn(*await asyncio.open_connection("127.0.0.1", port))
    out = {}
    for label, path in paths:
        xs = []
        for _ in range(repeat):
            t = time.perf_counter()
            await conn.get(f"127.0.0.1:{port}", path)
            xs.append((time.perf_counter() - t) * 1000)
        out[label] = round(statistics.median(xs), 1)
    conn.writer.close()
    return out


def _pct(xs: list[float], q: float) -> float:
    if not xs:
        return float("nan")
    s = sorted(xs)
    return s[min(len(s) - 1, max(0, int(round(q / 100 * len(s) + 0.5)) - 1))]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve(url: str, workers: int) -> tuple[subprocess.Popen, int]:
    port = _free_port()
    exe = Path(sys.executable).with_name("latticework")
    cmd = [str(exe) if exe.exists() else sys.executable, *([] if exe.exists() else ["-m", "latticework.cli"]),
           "serve", "--db", url, "--port", str(port), "--workers", str(workers)]
    env = {k: v for k, v in os.environ.items() if k != "LATTICEWORK_TOKEN"}
    env["PYTHONPATH"] = str(ROOT)
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"latticework serve exited: {proc.stderr.read().decode()[-2000:] if proc.stderr else ''}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return proc, port
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("latticework serve did not start within 60 s")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=100_000, help="documents in the store")
    ap.add_argument("--real", type=int, default=200, help="of which coded by the real coder")
    ap.add_argument("--rate", type=float, default=200.0, help="requests per second (open loop)")
    ap.add_argument("--duration", type=float, default=30.0, help="seconds of load")
    ap.add_argument("--workers", type=int, default=1, help="server processes")
    ap.add_argument("--pg", default=os.environ.get("LATTICEWORK_TEST_PG"), help="PostgreSQL URL")
    ap.add_argument("--keep", action="store_true", help="keep the scratch schema (and reuse a kept one)")
    ap.add_argument("--json", action="store_true", help="print the figures as one JSON line at the end")
    args = ap.parse_args(argv)
    if not args.pg:
        print("error: no PostgreSQL: set LATTICEWORK_TEST_PG or pass --pg URL", file=sys.stderr)
        return 2
    base = args.pg if not args.pg.startswith("postgresql://") else "postgresql+psycopg://" + args.pg.split("://", 1)[1]
    real = min(args.real, args.n)

    def log(msg: str) -> None:
        print(msg, flush=True)

    t0 = time.perf_counter()
    url, schema, reused = build_store(base, args.n, real, args.keep, log)
    with Store(url) as store:
        st = store.stats()
    log(f"store: {st['documents']} documents, {st['reports']} reports, {st['events']} events, {st['actors']} actors "
        f"({'reused' if reused else f'built in {time.perf_counter() - t0:.0f} s'})")
    proc = None
    try:
        mix = request_mix(url)
        proc, port = serve(url, args.workers)
        warm = asyncio.run(drive(port, mix[::-1], min(args.rate, 50.0), min(2.0, args.duration / 2)))  # connections, caches, JIT of plans
        if warm["errors"]:
            log(f"warm-up errors: {warm['errors'][:5]}")
        res = asyncio.run(drive(port, mix, args.rate, args.duration))
        scans = asyncio.run(one_at_a_time(port, SCANS, 3 if args.duration < 10 else 5))
    finally:
        if proc is not None:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
        if not args.keep:
            drop_schema(base, schema)
    lat = res["latencies"]
    every = lat["list"] + lat["detail"]
    figures: dict[str, Any] = {"documents": st["documents"], "events": st["events"], "reports": st["reports"],
                               "rate_asked": args.rate, "rate_achieved": round(res["done"] / res["elapsed"], 1),
                               "duration": round(res["elapsed"], 1), "requests": res["sent"],
                               "errors": len(res["errors"]), "workers": args.workers}
    for kind, xs in (("list", lat["list"]), ("detail", lat["detail"]), ("all", every)):
        figures[kind] = {"n": len(xs), "p50_ms": round(_pct(xs, 50), 1), "p90_ms": round(_pct(xs, 90), 1),
                         "p99_ms": round(_pct(xs, 99), 1), "max_ms": round(max(xs), 1) if xs else None,
                         "mean_ms": round(statistics.fmean(xs), 1) if xs else None}
        f = figures[kind]
        log(f"{kind:>6}: n={f['n']} p50 {f['p50_ms']} ms  p90 {f['p90_ms']} ms  p99 {f['p99_ms']} ms  "
            f"max {f['max_ms']} ms")
    figures["by_filter"] = {}
    for label, xs in sorted(res["by_label"].items()):
        figures["by_filter"][label] = {"n": len(xs), "p50_ms": round(_pct(xs, 50), 1), "p99_ms": round(_pct(xs, 99), 1)}
        log(f"    {label:<24} n={len(xs):<5} p50 {_pct(xs, 50):8.1f} ms  p99 {_pct(xs, 99):8.1f} ms")
    figures["scans_alone_ms"] = scans
    log("not in the load, one request at a time (median): "
        + "; ".join(f"{k} {v:g} ms" for k, v in scans.items()))
    ok = figures["all"]["p99_ms"] < TARGET_P99_MS and not res["errors"]
    figures["target_met"] = ok
    log(f"achieved {figures['rate_achieved']} requests/s of {args.rate:g} asked over {figures['duration']} s; "
        f"{len(res['errors'])} errors{(': ' + '; '.join(res['errors'][:3])) if res['errors'] else ''}")
    log(f"p99 {figures['all']['p99_ms']} ms: target p99 < {TARGET_P99_MS:g} ms {'MET' if ok else 'NOT MET'}")
    if args.json:
        print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
