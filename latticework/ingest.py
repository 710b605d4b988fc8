"""Reading documents: JSONL, .txt, .html, directories, .gz and standard input.

Everything streams: JSONL is read one bounded line at a time, so a 1 GB file costs the memory of
its largest accepted document, not of the file. Bad input never raises; it is yielded as an
`InputProblem` naming the file and line (or the document id) and the stream goes on, so one broken
line does not cost a whole run.
"""

from __future__ import annotations

import codecs
import gzip
import json
import os
import re
import sys
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from latticework.validate import document_problem, normalise_published, shown, shown_id

__all__ = ["DEFAULT_MAX_BYTES", "EXTENSIONS", "Document", "InputProblem", "looks_english", "normalise_published",
           "read_documents"]

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
"""Documents larger than this (UTF-8 bytes of the text) are rejected: they are almost always dumps,
not articles, and they would dominate memory."""

EXTENSIONS = (".jsonl", ".txt", ".html", ".htm")
"""What a directory walk picks up (each also with `.gz`)."""

_SNIFF = 8192  # bytes looked at to detect binary files and to guess the format of stdin

_KNOWN_FIELDS = ("id", "text", "published", "title", "source", "url", "language")


@dataclass
class Document:
    id: str
    text: str
    published: str | None = None
    title: str | None = None
    source: str | None = None
    url: str | None = None
    language: str | None = None
    origin: str = ""  # where it came from, e.g. "corpus.jsonl:12", for messages
    extra: dict = field(default_factory=dict)


@dataclass
class InputProblem:
    """A document (or line) that could not be read; `where` names the file and line or id."""

    where: str
    message: str

    def __str__(self) -> str:
        # a file name that is not valid UTF-8 reaches Python as lone surrogates: escape them, so that
        # the line can always be printed
        line = f"{self.where}: {self.message}"
        return line.encode("utf-8", "backslashreplace").decode("utf-8")


class _Skip(Exception):
    """Raised inside a reader for a problem that ends the current file."""


# --- language check ------------------------------------------------------------------------------

_EN_STOPWORDS = frozenset(
    """a about after against all also an and are as at be because been before being between both but by
    can could did do does during each for from had has have he her his how i if in into is it its more
    most no not of on or other our over said she should so some such than that the their them then there
    these they this those through to under until was we were what when where which while who will with
    would you""".split()
)
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
_ASCII_LOWER = re.compile(r"\b[a-z]+\b")
_NON_LATIN = re.compile(r"[^\W\d_\u0000-\u024f]+", re.UNICODE)  # letters outside Latin scripts


def looks_english(text: str, sample: int = 1000) -> bool:
    """Cheap guess whether `text` is English: mostly Latin letters and a normal share of English
    function words. News prose in English runs at 30-50 % stopwords; other languages in Latin script
    at well under 8 %. Too little text (under 20 lower-case words) to judge counts as English."""
    head = text[:sample]
    if head.isascii():  # fast path, most English news
        words = _ASCII_LOWER.findall(head)
    else:
        found = _WORD.findall(head)
        letters = sum(map(len, found))
        if letters < 40:
            return True
        if sum(map(len, _NON_LATIN.findall(head))) / letters > 0.4:
            return False
        words = [w for w in found if w.islower()]
    # proper nouns say nothing about the language (and lists of names are common): judge the
    # lower-case words only
    if len(words) < 20:
        return True
    hits = sum(1 for w in words if w in _EN_STOPWORDS)
    return hits / len(words) >= 0.08


def _is_english_tag(tag: str) -> bool:
    t = tag.strip().lower().replace("_", "-")
    return t in ("en", "eng", "english") or t.startswith("en-")


# --- low-level reading ---------------------------------------------------------------------------

class _Chain:
    """A read-only byte stream: `head` (already read for sniffing) followed by the rest of `fh`."""

    def __init__(self, head: bytes, fh: BinaryIO) -> None:
        self._head = head
        self._fh = fh

    def read(self, n: int) -> bytes:
        if self._head:
            out, self._head = self._head[:n], self._head[n:]
            if len(out) < n:
                out += self._fh.read(n - len(out))
            return out
        return self._fh.read(n)

    def readline(self, limit: int) -> bytes:
        if self._head:
            i = self._head.find(b"\n", 0, limit)
            if i >= 0:
                out, self._head = self._head[: i + 1], self._head[i + 1 :]
                return out
            if len(self._head) >= limit:
                out, self._head = self._head[:limit], self._head[limit:]
                return out
            out, self._head = self._head, b""
            return out + self._fh.readline(limit - len(out))
        return self._fh.readline(limit)


def _bounded_lines(stream: _Chain, cap: int) -> Iterator[tuple[int, bytes | None, int]]:
    """Yield (line number, bytes, size); bytes is None for a line longer than `cap`, whose rest is
    skipped in chunks so that it never sits in memory whole."""
    n = 0
    while True:
        line = stream.readline(cap + 1)
        if not line:
            return
        n += 1
        if len(line) > cap and not line.endswith(b"\n"):
            size = len(line)
            while True:
                chunk = stream.readline(1 << 20)
                size += len(chunk)
                if not chunk or chunk.endswith(b"\n"):
                    break
            yield n, None, size
        else:
            yield n, line, len(line)


def _mb(n: int) -> str:
    return f"{n / (1024 * 1024):.1f} MB"


def _decode(data: bytes, where: str, name_line: bool) -> tuple[str | None, InputProblem | None]:
    """Strict UTF-8 decoding; the problem names the line of the first bad byte when `name_line`."""
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError as e:
        line = 1 + data.count(b"\n", 0, e.start)
        at = f"{where}:{line}" if name_line else where
        return None, InputProblem(at, f"invalid UTF-8 (byte 0x{data[e.start]:02x}); skipped")


def _wide_encoding(head: bytes) -> str | None:
    """"UTF-16" or "UTF-32" when the first bytes are such text (by its byte order mark, or for
    UTF-16 without one by the NUL in every other byte of ASCII-range text), else None."""
    if head.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        return "UTF-32"
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "UTF-16"
    sample = head[:1024]
    half = len(sample) // 2
    if half >= 8:
        even, odd = sample[0::2].count(0), sample[1::2].count(0)
        if max(even, odd) >= 0.4 * half and min(even, odd) <= 0.05 * half:
            return "UTF-16"
    return None


_META_CHARSET = re.compile(rb"""<meta\b[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
# as browsers read them (WHATWG Encoding): these labels mean windows-1252
_AS_1252 = {"iso-8859-1", "iso8859-1", "latin1", "latin-1", "l1", "us-ascii", "ascii", "cp819", "ibm819"}


def _decode_declared(data: bytes, where: str, utf8_problem: InputProblem) -> tuple[str | None, InputProblem | None]:
    """An HTML page that is not valid UTF-8, decoded by the charset its <meta> declares (in its
    first 8 KB); the UTF-8 problem stands when it declares none or UTF-8."""
    m = _META_CHARSET.search(data[:_SNIFF])
    if not m:
        return None, utf8_problem
    label = m.group(1).decode("ascii").lower()
    try:
        name = "cp1252" if label in _AS_1252 else codecs.lookup(label).name
    except LookupError:
        return None, InputProblem(where, f"declares charset {label!r}, which is unknown; skipped")
    if name == "utf-8":
        return None, utf8_problem
    try:
        return data.decode(name), None
    except UnicodeDecodeError as e:
        line = 1 + data.count(b"\n", 0, e.start)
        return None, InputProblem(f"{where}:{line}", f"invalid {label} (byte 0x{data[e.start]:02x}), the charset "
                                                      "the page declares; skipped")


def _kind(name: str) -> str | None:
    """Format from a file name (ignoring .gz): jsonl, txt, html or None when unknown."""
    low = name.lower()
    if low.endswith(".gz"):
        low = low[:-3]
    if low.endswith(".jsonl") or low.endswith(".ndjson"):
        return "jsonl"
    if low.endswith(".txt"):
        return "txt"
    if low.endswith(".html") or low.endswith(".htm"):
        return "html"
    return None


def _stem(path: str) -> str:
    name = Path(path).name
    for suffix in (".gz", ".txt", ".html", ".htm"):
        if name.lower().endswith(suffix):
            name = name[: -len(suffix)]
    return name


# --- the reader ----------------------------------------------------------------------------------

class _Reader:
    """State of one `read_documents` call: options and the ids seen so far (for duplicates)."""

    def __init__(self, published: str | None, language_check: bool, max_bytes: int) -> None:
        self.published = published
        self.language_check = language_check
        self.max_bytes = max_bytes
        self.seen: set[str] = set()

    def _finish(self, doc: Document) -> Document | InputProblem:
        """Checks common to every format: empty text, size, language, the fields every store can
        hold (latticework.validate: NUL, surrogates, sizes, a real publication date), duplicate id."""
        where = f"{doc.origin} (id {shown_id(doc.id)})"
        if not doc.text.strip():
            return InputProblem(where, "empty text; skipped")
        size = len(doc.text)
        if size > self.max_bytes or (size * 4 > self.max_bytes and len(doc.text.encode("utf-8")) > self.max_bytes):
            return InputProblem(where, f"document of {_mb(len(doc.text.encode('utf-8')))} is over the "
                                       f"{_mb(self.max_bytes)} limit; skipped")
        if self.language_check:
            if doc.language and not _is_english_tag(doc.language):
                return InputProblem(where, f"language {doc.language!r} is not English; skipped")
            if not doc.language and not looks_english(doc.text):
                return InputProblem(where, "text does not look like English; skipped")
        if doc.published is None or (isinstance(doc.published, str) and not doc.published.strip()):
            doc.published = self.published  # the run's --published, checked like the document's own
        bad = document_problem(doc)
        if bad:
            return InputProblem(where, f"{bad}; skipped")
        if doc.id in self.seen:
            return InputProblem(where, f"duplicate id {shown(doc.id)} (already read in this run); skipped")
        self.seen.add(doc.id)
        return doc

    def read_path(self, path: str, stdin: BinaryIO | None) -> Iterator[Document | InputProblem]:
        if path == "-":
            yield from self._read_stream("<stdin>", stdin or sys.stdin.buffer, None)
            return
        p = Path(path)
        if p.is_dir():
            files = sorted(
                str(f) for f in p.rglob("*")
                if f.is_file() and _kind(f.name) is not None
            )
            for f in files:
                yield from self._read_file(f)
            return
        if not p.exists():
            yield InputProblem(path, "no such file or directory")
            return
        yield from self._read_file(path)

    def _read_file(self, path: str) -> Iterator[Document | InputProblem]:
        try:
            raw: BinaryIO = open(path, "rb")
        except OSError as e:
            yield InputProblem(path, f"cannot open: {e.strerror or e}")
            return
        with raw:
            fh: BinaryIO = raw
            if path.lower().endswith(".gz"):
                fh = gzip.GzipFile(fileobj=raw, mode="rb")  # type: ignore[assignment]
            yield from self._read_stream(path, fh, _kind(path))

    def _read_stream(self, where: str, fh: BinaryIO, kind: str | None) -> Iterator[Document | InputProblem]:
        try:
            head = fh.read(_SNIFF)
            wide = _wide_encoding(head)
            if wide:
                yield InputProblem(where, f"{wide} text: convert it to UTF-8 "
                                          f"(e.g. iconv -f {wide} -t UTF-8); skipped")
                return
            first = head.removeprefix(b"\xef\xbb\xbf").lstrip()[:1]
            if kind is None:  # stdin or an unknown extension: look at the first non-blank byte
                kind = "jsonl" if first == b"{" else "html" if first == b"<" else "txt"
            # JSONL that starts like JSONL is judged line by line (a stray NUL costs its line only)
            if b"\x00" in head and not (kind == "jsonl" and first == b"{"):
                yield InputProblem(where, "binary file (NUL bytes), not text; skipped")
                return
            stream = _Chain(head, fh)
            if kind == "jsonl":
                yield from self._jsonl(where, stream)
            else:
                yield from self._whole(where, stream, kind)
        except (OSError, EOFError, zlib.error) as e:  # gzip.BadGzipFile is an OSError
            yield InputProblem(where, f"cannot read: {e}")

    def _jsonl(self, where: str, stream: _Chain) -> Iterator[Document | InputProblem]:
        # JSON escaping can double a text's size, so lines get twice the text limit before parsing
        cap = 2 * self.max_bytes + 65536
        for n, line, size in _bounded_lines(stream, cap):
            at = f"{where}:{n}"
            if line is None:
                yield InputProblem(at, f"line of {_mb(size)} is over the {_mb(self.max_bytes)} document limit; skipped")
                continue
            if n == 1 and line.startswith(b"\xef\xbb\xbf"):
                line = line[3:]
            if not line.strip():
                continue
            if b"\x00" in line:
                col = line.index(0) + 1
                yield InputProblem(at, f"raw NUL byte at column {col} (binary data); skipped")
                continue
            text, problem = _decode(line, at, False)
            if problem or text is None:
                yield problem or InputProblem(at, "undecodable line")
                continue
            yield self._from_json(text.rstrip("\r\n"), at)

    def _from_json(self, line: str, at: str) -> Document | InputProblem:
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as e:
            return InputProblem(at, f"malformed JSON at column {e.colno} ({e.msg.removesuffix(' at')}); skipped")
        except RecursionError:
            return InputProblem(at, "malformed JSON (nested too deeply); skipped")
        if not isinstance(obj, dict):
            return InputProblem(at, f"expected a JSON object, got {type(obj).__name__}; skipped")
        doc_id = obj.get("id")
        if isinstance(doc_id, int) and not isinstance(doc_id, bool):
            doc_id = str(doc_id)
        if not isinstance(doc_id, str) or not doc_id.strip():
            return InputProblem(at, "document has no \"id\"; skipped")
        where = f"{at} (id {shown_id(doc_id)})"
        text = obj.get("text")
        if text is None:
            return InputProblem(where, "document has no \"text\"; skipped")
        if not isinstance(text, str):
            return InputProblem(where, f"\"text\" must be a string, got {type(text).__name__}; skipped")
        fields: dict[str, str | None] = {}
        for key in ("published", "title", "source", "url", "language"):
            value = obj.get(key)
            if value is not None and not isinstance(value, str):
                return InputProblem(where, f"\"{key}\" must be a string or null; skipped")
            fields[key] = value
        extra = {k: v for k, v in obj.items() if k not in _KNOWN_FIELDS}
        return self._finish(Document(id=doc_id, text=text, origin=at, extra=extra, **fields))

    def _whole(self, where: str, stream: _Chain, kind: str) -> Iterator[Document | InputProblem]:
        """A .txt or .html file (or plain stdin) is one document."""
        limit = self.max_bytes if kind == "txt" else 4 * self.max_bytes  # markup is larger than its text
        data = stream.read(limit + 1)
        if len(data) > limit:
            yield InputProblem(where, f"file is over the {_mb(limit)} limit; skipped")
            return
        if data.startswith(b"\xef\xbb\xbf"):
            data = data[3:]
        text, problem = _decode(data, where, True)
        if problem and kind == "html":  # not UTF-8: the charset the page declares, if any
            text, problem = _decode_declared(data, where, problem)
        if problem or text is None:
            yield problem or InputProblem(where, "undecodable file")
            return
        doc_id = "stdin" if where == "<stdin>" else _stem(where)
        if kind == "html":
            yield self._from_html(text, where, doc_id)
            return
        yield self._finish(Document(id=doc_id, text=text, published=self.published, origin=where))

    def _from_html(self, html: str, where: str, doc_id: str) -> Document | InputProblem:
        import trafilatura  # slow import; only paid when HTML is read

        try:
            result = trafilatura.bare_extraction(html, with_metadata=True)
        except Exception as e:  # trafilatura raises many kinds on broken markup
            return InputProblem(where, f"cannot extract text from HTML ({type(e).__name__}); skipped")
        main = getattr(result, "text", None)
        if not isinstance(main, str) or not main.strip():
            return InputProblem(where, "no main text found in HTML; skipped")
        published = getattr(result, "date", None) or self.published
        doc = Document(id=doc_id, text=main, published=published, title=getattr(result, "title", None),
                       url=getattr(result, "url", None), source=getattr(result, "sitename", None),
                       language=None, origin=where)
        return self._finish(doc)


def read_documents(paths: Iterable[str | os.PathLike[str]], published: str | None = None, *,
                   language_check: bool = True, max_bytes: int = DEFAULT_MAX_BYTES,
                   stdin: BinaryIO | None = None) -> Iterator[Document | InputProblem]:
    """Stream documents from files, directories (recursive, sorted) or "-" (standard input).

    `published` is the anchor date for documents that carry none (.txt, stdin text, JSONL lines
    without the field). Problems are yielded in input order, interleaved with the documents, so a
    caller can report them as they come; ids are unique across one call."""
    reader = _Reader(published, language_check, max_bytes)
    if isinstance(paths, str | os.PathLike):  # one path, not an iterable of characters
        paths = [paths]
    for path in paths:
        yield from reader.read_path(os.fspath(path), stdin)
