"""latticework.ontology: the table in data/ontology.tsv agrees with ONTOLOGY.md and with itself."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from latticework import ontology as O

ONTOLOGY_MD = Path(__file__).parents[1] / ".." / "shared" / "ONTOLOGY.md"


def _md_rows() -> list[tuple[str, str, str, list[str]]]:
    """(type, mode, PLOVER column, CAMEO codes) for each row of ONTOLOGY.md's 'Types and modes' table."""
    if not ONTOLOGY_MD.exists():
        pytest.skip("ONTOLOGY.md not available")
    text = ONTOLOGY_MD.read_text(encoding="utf-8")
    section = text.split("## Types and modes", 1)[1].split("\n## ", 1)[0]
    rows = []
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 5 or cells[0] in ("type", "") or set(cells[0]) <= {"-"}:
            continue
        rows.append((cells[0], cells[1].strip("`"), cells[3], re.findall(r"\d{3,4}", cells[4])))
    assert len(rows) >= 15
    return rows


def test_every_row_of_the_ontology_is_in_the_table() -> None:
    md = _md_rows()
    assert [(t, m) for t, m, _, _ in md] == [(e.type, e.mode) for e in O.ENTRIES]
    for t, m, _, cameo in md:
        assert O.is_known(t, m)
        assert list(O.CAMEO_CODES[(t, m)]) == cameo, (t, m)


def test_plover_column_agrees() -> None:
    for t, m, plover, _ in _md_rows():
        ptype, pmode, _contexts = O.plover(t, m)
        assert plover.startswith(ptype), (t, m, plover)
        if pmode:
            assert f"{ptype}/{pmode}" in plover, (t, m, plover)
        if "/" in plover.split(" ")[0]:
            assert pmode, (t, m, plover)  # a PLOVER mode in the document is in the table


def test_shapes_partition_the_types() -> None:
    assert O.SYMMETRIC == {"CONSULT", "AGREE", "COOPERATE"}
    assert O.DIRECTED == {"AID", "ACCUSE", "THREATEN", "REQUEST"}
    assert O.UNILATERAL == {"MOBILIZE"}
    assert not (O.SYMMETRIC & O.DIRECTED) and not (O.SYMMETRIC & O.UNILATERAL) and not (O.DIRECTED & O.UNILATERAL)
    assert O.SYMMETRIC | O.DIRECTED | O.UNILATERAL == set(O.TYPES)
    assert all(O.shape(t) is not None for t in O.TYPES) and O.shape("FOO") is None and O.shape(None) is None


def test_modes_belong_to_one_type_and_are_unique() -> None:
    assert set(O.MODES) == set(O.TYPES)
    for t, modes in O.MODES.items():
        assert modes and len(set(modes)) == len(modes), t
    assert O.is_known("CONSULT", "visit") and not O.is_known("CONSULT", "sign") and not O.is_known("SUPPORT")
    assert O.is_known("AGREE") and not O.is_known(None)


def test_fallbacks_for_a_missing_or_unknown_mode() -> None:
    assert O.cameo_code("CONSULT", None) == "040" and O.cameo_code("MOBILIZE", None) == "150"
    assert O.cameo_code("MOBILIZE", "deployment") == "154" and O.cameo_code("AGREE", "pledge") == "0312"
    assert O.plover("AGREE", None) == ("SUPPORT", "", ["military"])
    assert O.plover("AGREE", "pledge") == ("AGREE", "", [])
    assert O.plover("CONSULT", "call") == ("CONSULT", "phone", [])
    assert O.cameo_code("FOO", None) == "" and O.plover("FOO", "x") == ("FOO", "", [])
    assert O.entry("AID", "nonsense") == O.entry("AID", None)


def test_plover_imports_map_back() -> None:
    assert O.PLOVER_TO_TYPE["SUPPORT"] == "AGREE"
    for e in O.ENTRIES:
        assert O.PLOVER_TO_TYPE[e.plover_type] == e.type
    assert all(O.PLOVER_TO_TYPE[t] == t for t in O.TYPES)


def test_loader_rejects_a_broken_table(tmp_path: Path) -> None:
    bad = tmp_path / "o.tsv"
    bad.write_text("# header\nCONSULT\tmeeting\tsymmetric\tCONSULT\t-\t-\t040\n", encoding="utf-8")
    with pytest.raises(ValueError, match="no fallback line"):
        O.load(bad)
    bad.write_text("CONSULT\tmeeting\tsymmetric\tCONSULT\t-\t-\t040\nCONSULT\t*\tdirected\tCONSULT\t-\t-\t040\n",
                   encoding="utf-8")
    with pytest.raises(ValueError, match=":2: CONSULT is symmetric"):
        O.load(bad)
    bad.write_text("CONSULT\tmeeting\tsideways\tCONSULT\t-\t-\t040\n", encoding="utf-8")
    with pytest.raises(ValueError, match="shape"):
        O.load(bad)
    bad.write_text("CONSULT\tmeeting\tsymmetric\n", encoding="utf-8")
    with pytest.raises(ValueError, match="7 tab-separated"):
        O.load(bad)


def test_network_and_interchange_use_the_table() -> None:
    from latticework import interchange, network

    assert set(network.SYMMETRIC_TYPES) == O.SYMMETRIC and set(network.DIRECTED_TYPES) == O.DIRECTED
    for e in O.ENTRIES:
        ev = {"type": e.type, "mode": e.mode}
        assert interchange.cameo_of(ev) == e.cameo[0]
        assert interchange.plover_of(ev) == (e.plover_type, e.plover_mode, list(e.plover_contexts))
