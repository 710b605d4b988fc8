"""What clustering reports into events costs, and how well it clusters.

usage: .venv/bin/python bench/bench_cluster.py [--n 5000] [--pure 100000] [--json]

1. The rule alone (latticework.cluster.cluster_reports) on `--pure` synthetic reports: ms per 1k
   reports, and MinHash signatures per document against the coder's time per document, same run.
2. In the store: `--n` documents in which events are each reported by one to four outlets (some as
   wire copies), ingested into a fresh SQLite file with the real coder. Every clustering function the
   store calls is clocked, so the figure is clustering time ÷ ingest time in the same process (target
   ≤ 0.20), plus the same over the coder's own time. Run with --n 100000 for the archive-size figure.
3. Quality on tests/data/clusters (written for this): pairwise and B-cubed precision/recall of the
   clustering of the gold reports (the rule alone) and of the reports the coder finds.
"""

from __future__ import annotations

import argparse
import functools
import json
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from scale_store import TimedCoder  # noqa: E402  (the real coder with a clock, shared by the benches)

from latticework import cluster  # noqa: E402
from latticework.coder import Coder  # noqa: E402
from latticework.ingest import Document  # noqa: E402
from latticework.store import Store  # noqa: E402
from latticework.store import clusters as store_clusters  # noqa: E402

STATES = [("Japan", "JPN"), ("the United States", "USA"), ("Australia", "AUS"), ("India", "IND"),
          ("South Korea", "KOR"), ("the Philippines", "PHL"), ("France", "FRA"), ("the United Kingdom", "GBR"),
          ("Germany", "DEU"), ("Vietnam", "VNM"), ("Indonesia", "IDN"), ("Canada", "CAN"), ("Italy", "ITA"),
          ("Poland", "POL"), ("New Zealand", "NZL"), ("Sweden", "SWE")]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"]
# Several wordings of each kind of event, so that the outlets of one event do not write the same text.
WORDINGS = {
    "AGREE": ["{a} and {b} signed a defence cooperation agreement on {day} {month} {year}.",
              "On {day} {month} {year}, {b} and {a} signed an agreement on defence equipment transfer.",
              "Ministers from {a} and {b} signed a security pact in a ceremony on {day} {month} {year}."],
    "COOPERATE": ["The navies of {a} and {b} held a joint exercise on {day} {month} {year}.",
                  "Troops from {b} and {a} took part in joint drills that began on {day} {month} {year}."],
    "CONSULT": ["Defence ministers of {a} and {b} held talks on {day} {month} {year}.",
                "{b} and {a} held defence talks on {day} {month} {year}, officials said."],
}
OUTLETS = ["Wire One", "Wire Two", "Daily Herald", "Evening Post", "Ministry Readout", "Policy Blog",
           "Regional Times", "Defence Weekly"]


def make_corpus(n_docs: int, seed: int = 11) -> list[Document]:
    """About `n_docs` documents: each event told by 1–4 outlets, a quarter of repeats being wire copies."""
    rng = random.Random(seed)
    docs: list[Document] = []
    e = 0
    while len(docs) < n_docs:
        (a, _), (b, _) = rng.sample(STATES, 2)
        kind = rng.choice(list(WORDINGS))
        year, month, day = rng.choice([2023, 2024, 2025]), rng.randrange(12), rng.randint(1, 28)
        fill = {"a": a, "b": b, "day": day, "month": MONTHS[month], "year": year}
        first_text = ""
        for k in range(rng.choice([1, 1, 2, 3, 4])):
            if k and rng.random() < 0.25:
                text = first_text + " Reporting by the wire desk."  # a republished wire copy
            else:
                text = rng.choice(WORDINGS[kind]).format(**fill)
            first_text = first_text or text
            pub = f"{year}-{month + 1:02d}-{min(28, day + rng.choice([0, 0, 1, 2])):02d}"
            docs.append(Document(id=f"c{e:06d}-{k}", text=text, published=pub, source=rng.choice(OUTLETS),
                                 origin=f"bench:{e}:{k}"))
        e += 1
    return docs[:n_docs]


class Clock:
    """Wraps the store's clustering functions with timers (the bench's own process only)."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.calls = 0

    def wrap(self, owner: Any, name: str) -> None:
        fn = getattr(owner, name)

        @functools.wraps(fn)
        def timed(*args: Any, **kwargs: Any) -> Any:
            t = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                self.seconds += time.perf_counter() - t
                self.calls += 1

        setattr(owner, name, timed)


def pure(n: int, seed: int = 3) -> dict[str, float]:
    rng = random.Random(seed)
    reports = []
    for i in range(n):
        (_, a), (_, b) = rng.sample(STATES, 2)
        day = rng.randrange(1, 29)
        reports.append({"event_id": f"r{i}", "type": rng.choice(list(WORDINGS)), "actors": [a, b],
                        "date": f"{rng.choice([2023, 2024])}-{rng.randint(1, 12):02d}-{day:02d}"
                        if rng.random() < 0.8 else None, "status": "occurred",
                        "published": f"2024-{rng.randint(1, 12):02d}-{day:02d}", "source": rng.choice(OUTLETS)})
    t = time.perf_counter()
    out = cluster.cluster_reports(reports)
    s = time.perf_counter() - t
    return {"reports": n, "events": len(set(out.values())), "ms_per_1k_reports": 1000 * s / n * 1000}


def in_store(n: int) -> dict[str, float]:
    docs = make_corpus(n)
    coder = Coder()
    coder.code(docs[0])  # load the model outside the clock
    clock = Clock()
    for name in ("assign", "write"):
        clock.wrap(store_clusters.Stories, name)
    clock.wrap(store_clusters, "recluster")
    clock.wrap(store_clusters, "blocks_of")
    sig_t = time.perf_counter()
    for d in docs[:500]:
        cluster.signature(d.text)
    sig_per_doc = (time.perf_counter() - sig_t) / min(500, len(docs))
    with tempfile.TemporaryDirectory() as tmp:
        timed = TimedCoder(coder)
        with Store(f"sqlite:///{tmp}/bench.db") as store:
            t = time.perf_counter()
            store.ingest(docs, coder=timed, progress=False, batch=200)
            wall = time.perf_counter() - t
            n_reports = store.count_events(reports=True)
            n_events = store.count_events()
    return {"documents": len(docs), "reports": n_reports, "events": n_events, "ingest_s": wall,
            "coding_s": timed.seconds, "clustering_s": clock.seconds,
            "clustering_over_ingest": clock.seconds / wall, "clustering_over_coding": clock.seconds / timed.seconds,
            "clustering_ms_per_1k_reports": 1000 * clock.seconds / max(1, n_reports) * 1000,
            "signature_over_coding_per_doc": sig_per_doc / (timed.seconds / len(docs))}


def quality() -> dict[str, Any]:
    from latticework import cluster_eval

    fixture = ROOT / "tests" / "data" / "clusters"
    if not (fixture / "gold.jsonl").exists():
        return {}
    reports, gold = cluster_eval.gold_reports(fixture / "gold.jsonl", fixture / "corpus.jsonl")
    pred = cluster.cluster_reports(reports)
    out: dict[str, Any] = {"gold_reports": {"pairwise": cluster_eval.pairwise_scores(gold, pred),
                                            "bcubed": cluster_eval.bcubed_scores(gold, pred)}}
    coded = coded_reports(fixture / "corpus.jsonl")
    labels = cluster_eval.label_predicted(coded, reports, gold)
    pred = cluster.cluster_reports(coded)
    out["coded_reports"] = {"pairwise": cluster_eval.pairwise_scores(labels, pred),
                            "bcubed": cluster_eval.bcubed_scores(labels, pred)}
    return out


def coded_reports(corpus: Path) -> list[dict[str, Any]]:
    """The coder's reports of a corpus, with the fields clustering reads (stories as the store finds them)."""
    docs = [json.loads(line) for line in corpus.read_text(encoding="utf-8").splitlines() if line.strip()]
    story = cluster.near_duplicates([(d["id"], d["text"]) for d in docs])
    coder = Coder()
    out = []
    for d in docs:
        doc = Document(id=d["id"], text=d["text"], published=d.get("published"), source=d.get("source"))
        for n, e in enumerate(coder.code(doc)):
            out.append({**e, "event_id": f"{d['id']}#p{n}", "doc_id": d["id"], "published": d.get("published"),
                        "source": d.get("source"), "story": story[d["id"]]})
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=5000, help="documents ingested into the store")
    ap.add_argument("--pure", type=int, default=100000, help="synthetic reports for the rule alone")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    result = {"pure": pure(args.pure), "store": in_store(args.n), "quality": quality()}
    if args.json:
        print(json.dumps(result, indent=1))
        return
    p, s = result["pure"], result["store"]
    print(f"rule alone: {p['reports']} reports -> {p['events']} events, {p['ms_per_1k_reports']:.1f} ms per 1k reports")
    print(f"store: {s['documents']} documents, {s['reports']} reports -> {s['events']} events")
    print(f"  clustering {s['clustering_s']:.2f} s of {s['ingest_s']:.2f} s ingest "
          f"= {s['clustering_over_ingest']:.3f} (target <= 0.20); over coding {s['clustering_over_coding']:.3f}; "
          f"{s['clustering_ms_per_1k_reports']:.0f} ms per 1k reports")
    print(f"  MinHash signature per document / coding per document = {s['signature_over_coding_per_doc']:.3f}")
    for level, scores in result["quality"].items():
        for name, sc in scores.items():
            print(f"quality ({level}, {name}): P {sc['precision']:.3f} R {sc['recall']:.3f} F1 {sc['f1']:.3f}")


if __name__ == "__main__":
    main()
