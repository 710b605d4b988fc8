"""The report: claims with numbers on a hand-built history, Markdown, and the HTML as a browser shows it."""

from __future__ import annotations

import os
import re
import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import numpy as np
import pytest

from latticework import report as R


def ev(eid: str, t: str, actors: list[str], targets: list[str], date: str, text: str,
       framework: str | None = None) -> dict:
    return {"doc_id": "doc-" + eid[:1], "event_id": eid, "type": t, "mode": None, "actors": actors,
            "targets": targets, "framework": framework, "date": date, "status": "occurred", "hedged": False,
            "location": None, "evidence": {"text": text, "start": 0, "end": len(text)}, "confidence": 0.9}


# A small invented history: Ruritania (JPN) gathers partners over the year while a rival pair grows hostile.
HISTORY = [
    ev("a1", "CONSULT", ["JPN", "USA"], [], "2024-01-10", "The two defence chiefs met in January."),
    ev("a2", "COOPERATE", ["JPN", "AUS"], [], "2024-05-03", "Their navies drilled together in May."),
    ev("a3", "AGREE", ["JPN", "GBR", "ITA"], [], "2024-07-12", "Three partners signed the jet treaty.", "GCAP"),
    ev("a4", "COOPERATE", ["JPN", "KOR", "USA"], [], "2024-08-20", "A trilateral exercise took place.", "TSCF"),
    ev("a5", "AGREE", ["JPN", "PHL"], [], "2024-07-08", "An access agreement was signed.", "RAA"),
    ev("a6", "ACCUSE", ["JPN"], ["CHN"], "2024-07-30", "Tokyo named Beijing its greatest challenge."),
    ev("a7", "THREATEN", ["PRK"], ["KOR"], "2024-09-02", "Pyongyang threatened strikes on the South."),
    ev("a8", "COOPERATE", ["CHN", "RUS"], [], "2024-07-15", "Bombers of both flew a joint patrol."),
    ev("a9", "ACCUSE", ["CHN"], ["JPN"], "2024-08-01", "Beijing denounced Tokyo's partnerships."),
    ev("b1", "COOPERATE", ["JPN", "USA"], [], "2024-10-01", "Joint command coordination began."),
    ev("b2", "CONSULT", ["PRK", "RUS"], [], "2024-06-19", "The leaders held a summit."),
]


@pytest.fixture(scope="module")
def data() -> dict:
    return R.analyse(HISTORY, "2024", "2024", window_months=6)


def test_claims_with_numbers(data: dict) -> None:
    hub, blocs, dilemma = data["claims"]
    assert hub["title"] == "JPN is the hub" and hub["verdict"] == "supported"
    assert hub["numbers"]["margin"] >= R.HUB_MARGIN and "a3" in hub["event_ids"]
    assert hub["test"]["p_value"] <= R.C.ALPHA and hub["test"]["name"] == "hub concentration"
    assert set(blocs["numbers"]["bloc_b"]) == {"CHN", "RUS", "PRK"}
    assert {"JPN", "USA", "KOR", "GBR", "ITA", "PHL", "AUS"} <= set(blocs["numbers"]["bloc_a"])
    assert blocs["numbers"]["frustration"] == 0 and {"a6", "a7", "a9"} <= set(blocs["event_ids"])
    # two camps, perfectly balanced, but only two hostile ties (CHN–JPN, KOR–PRK) run between them:
    # too little to call it bloc politics, and the sign shuffles are balanced too often (p0 > ALPHA)
    assert blocs["verdict"] == "not enough evidence" and blocs["numbers"]["hostile_ties"] == 2
    assert {m["name"] for m in blocs["minimums"] if not m["met"]} == {
        "hostile ties between the blocs", "share of shuffles that are unbalanced (1 − p0)"}
    # two half-year windows: cooperation within blocs rises (first half 1+2+1, second half much more),
    # but two windows and eight cooperative events are below the dilemma's minimums
    assert [w["since"] for w in data["series"]] == ["2024-01", "2024-07"]
    assert dilemma["numbers"]["late"] > dilemma["numbers"]["early"]
    assert dilemma["verdict"] == "not enough evidence"
    assert {"windows in the series", "cooperative events inside a bloc"} <= {
        m["name"] for m in dilemma["minimums"] if not m["met"]}
    for c in data["claims"]:
        assert set(c["test"]) >= {"name", "statistic", "null_model", "observed", "null", "draws", "p_value", "alpha"}
        assert set(c["test"]["null"]) == {"mean", "sd", "q05", "q50", "q95"}
    assert data["network"].ties[("CHN", "JPN")].net == -2


def test_ties_that_grew(data: dict) -> None:
    ch = data["changes"]
    assert ch["halves"] == ["2024-01 – 2024-06", "2024-07 – 2024-12"]
    top = ch["grew_most"][0]
    assert (top["a"], top["b"], top["before"], top["after"], top["is_new"]) == ("JPN", "USA", 1.0, 4.0, False)
    assert {("CHN", "JPN"), ("KOR", "PRK")} == {(r["a"], r["b"]) for r in ch["soured"]}
    assert ("GBR", "ITA") in {(r["a"], r["b"]) for r in ch["new"]}


def test_no_rising_cooperation_no_dilemma() -> None:
    flat = [e for e in HISTORY if e["date"] < "2024-07"] + [HISTORY[5]]
    d = R.analyse(flat, "2024", "2024", window_months=6)
    assert d["claims"][2]["verdict"] == "not enough evidence"
    assert d["claims"][2]["numbers"]["late"] <= d["claims"][2]["numbers"]["early"]


def test_markdown_report(tmp_path: Path) -> None:
    out = tmp_path / "r.md"
    R.write_report(HISTORY, out, "2024", "2024", window_months=6)
    text = out.read_text(encoding="utf-8")
    assert "### JPN is the hub — supported" in text
    assert "> Tokyo named Beijing its greatest challenge." in text
    assert "| 1 | JPN |" in text
    assert "| JPN–USA | 1 | 4 | +3 | +0 |" in text
    with pytest.raises(R.N.NetworkError, match="must end in .html or .md"):
        R.write_report(HISTORY, tmp_path / "r.pdf")


def test_html_is_self_contained(tmp_path: Path) -> None:
    out = tmp_path / "r.html"
    R.write_report(HISTORY, out, "2024", "2024", window_months=6)
    page = out.read_text(encoding="utf-8")
    assert "<script" not in page and "<link" not in page and " src=" not in page
    assert not re.search(r'href="https?:', page)
    for link in re.findall(r'href="#(ev-[^"]+)"', page):  # every evidence link has its target
        assert f'id="{link}"' in page


def _browser() -> str | None:
    found = os.environ.get("LATTICEWORK_TEST_BROWSER") or shutil.which("chromium")
    if found and shutil.which(found):
        return found
    if os.environ.get("LATTICEWORK_REQUIRE_BROWSER") == "1":
        pytest.fail("no Chromium: set LATTICEWORK_TEST_BROWSER or install the Debian package chromium")
    pytest.skip("no Chromium found (set LATTICEWORK_REQUIRE_BROWSER=1 to make this a failure)")
    return None


def _chromium(browser: str, tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars",
             f"--user-data-dir={tmp_path / 'profile'}"]
    return subprocess.run([browser, *flags, *args], capture_output=True, text=True, timeout=120, check=True)


def _png_pixels(path: Path) -> tuple[int, int, list[bytes]]:
    """Decode an 8-bit RGB/RGBA non-interlaced PNG (what Chromium writes) into rows of pixels."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat = 8, b""
    w = h = bpp = 0
    while pos < len(data):
        (length,), kind = struct.unpack(">I", data[pos:pos + 4]), data[pos + 4:pos + 8]
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            w, h, depth, colour = struct.unpack(">IIBB", body[:10])
            assert depth == 8 and colour in (2, 6)
            bpp = 3 if colour == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw, stride, prev = zlib.decompress(idat), w * bpp, bytearray(w * bpp)
    rows: list[bytes] = []
    for y in range(h):
        f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(b"".join(bytes(line[j:j + 3]) for j in range(0, stride, bpp)))
        prev = line
    return w, h, rows


def test_report_in_headless_chromium(tmp_path: Path) -> None:
    browser = _browser()
    assert browser
    out = tmp_path / "report.html"
    R.write_report(HISTORY, out, "2024", "2024", window_months=6)
    dom = _chromium(browser, tmp_path, "--dump-dom", out.as_uri()).stdout
    assert "JPN is the hub" in dom and "Bloc politics" in dom and "Security dilemma" in dom
    assert dom.count('class="actor"') == 10  # one drawn node per actor
    assert dom.count('class="chart"') == 5
    assert "Beijing denounced Tokyo's partnerships." in dom or "Beijing denounced Tokyo&#x27;s partnerships." in dom
    shot = tmp_path / "shot.png"
    _chromium(browser, tmp_path, "--window-size=1100,2600", f"--screenshot={shot}", out.as_uri())
    w, h, rows = _png_pixels(shot)
    assert (w, h) == (1100, 2600)

    pixels = np.frombuffer(b"".join(rows), dtype=np.uint8).reshape(h, w, 3).astype(int)

    def count(rgb: tuple[int, int, int]) -> int:
        return int((np.abs(pixels - np.array(rgb)).max(axis=2) < 12).sum())

    # both bloc colours are painted (the network drawing is visible), not just present in the markup
    assert count((0x1F, 0x5F, 0xBF)) > 300
    assert count((0xC8, 0x32, 0x2D)) > 100
