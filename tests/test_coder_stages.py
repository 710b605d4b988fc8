"""The coder's stages one at a time: rules as data, the syntax of slots, sentences end to end.

tests/test_coder.py tests behaviour a user sees; this file pins the mechanisms that produce it, so
that a change to one stage shows where it broke.
"""

from __future__ import annotations

import pytest

from latticework.coder import Coder
from latticework.coder.arguments import phrase, slots_for, subject_of
from latticework.coder.rules import Rules, inflections
from latticework.ingest import Document


@pytest.fixture(scope="module")
def coder() -> Coder:
    return Coder()


def _events(coder: Coder, text: str, published: str = "2024-06-05") -> list[tuple]:
    return sorted((e["type"], e["mode"], tuple(e["actors"]), tuple(e["targets"]), e["date"], e["status"])
                  for e in coder.code(Document(id="t", text=text, published=published)))


def test_rules_load_and_point_at_known_frames() -> None:
    rules = Rules.load()
    assert {"meet", "sign", "supply", "buy", "criticize"} <= set(rules.frames)
    for entries in rules.entries.values():
        for e in entries:
            assert e.frame in rules.frames, e
            for cls in (e.needs, e.obj):
                assert cls in (None, "-") or all(c in rules.classes for c in cls.split("+")), (e, cls)
    assert "met" in rules.forms and "signed" in rules.forms and "bought" in rules.forms


def test_inflections_cover_regular_forms() -> None:
    assert {"sign", "signs", "signed", "signing"} <= inflections("sign")
    assert {"supplies", "supplied"} <= inflections("supply")
    assert "patrolling" in inflections("patrol") or "patroling" in inflections("patrol")


def test_control_verbs_share_their_subject(coder: Coder) -> None:
    doc = coder.nlp("Japan agreed to hold exercises with India.")
    hold = next(t for t in doc if t.lemma_ == "hold")
    subj, patient = subject_of(hold)
    assert [t.text for t in subj] == ["Japan"] and not patient


def test_event_noun_takes_the_subject_of_its_carrying_verb(coder: Coder) -> None:
    doc = coder.nlp("Poland held talks with Korea in Warsaw.")
    talks = next(t for t in doc if t.lower_ == "talks")
    slots = slots_for(talks, {"during"})
    assert [t.text for t in slots.heads["subj"]] == ["Poland"]
    assert [t.text for t in slots.heads["with"]] == ["Korea"]
    assert slots.governor is not None and slots.governor.lemma_ == "hold"


def test_phrase_keeps_of_phrases_and_conjuncts(coder: Coder) -> None:
    doc = coder.nlp("The defence ministers of Japan and Australia met.")
    head = next(t for t in doc if t.lower_ == "ministers")
    assert {"Japan", "Australia"} <= {t.text for t in phrase(head)}


@pytest.mark.parametrize("text, expected", [
    ("Japan and Australia held talks in Tokyo on Tuesday.",
     [("CONSULT", "meeting", ("AUS", "JPN"), (), "2024-06-04", "occurred")]),
    ("France sold 24 Rafale jets to Egypt.",
     [("AID", "arms_transfer", ("FRA",), ("EGY",), None, "occurred")]),
    ("Russia condemned Finland.", [("ACCUSE", "criticize", ("RUS",), ("FIN",), None, "occurred")]),
    ("Japan did not sign the pact with China.", []),
    ("India will hold joint exercises with France next month.",
     [("COOPERATE", "exercise", ("FRA", "IND"), (), "2024-07", "planned")]),
])
def test_sentences(coder: Coder, text: str, expected: list[tuple]) -> None:
    assert _events(coder, text) == expected


def test_evidence_points_into_the_document(coder: Coder) -> None:
    text = "Share this\n\nThe navies of Japan and India held drills in the Bay of Bengal on Monday."
    for e in coder.code(Document(id="t", text=text, published="2024-06-05")):
        ev = e["evidence"]
        assert text[ev["start"]:ev["end"]] == ev["text"]


def test_version_names_the_model(coder: Coder) -> None:
    assert "core_web_sm" in coder.version


def test_a_government_site_speaks_in_the_first_person(coder: Coder, tmp_path) -> None:
    """ "We" in a document from a government's own site is that government; --data folders add sites."""
    text = "We held talks with Sweden's defence minister on Monday."
    doc = Document(id="t", text=text, published="2024-06-05", url="https://www.regjeringen-example.no/x")
    assert coder.code(doc) == []  # an unknown site: nobody to be "we"
    (tmp_path / "sources.tsv").write_text("domain\tcode\twhat\nregjeringen-example.no\tNOR\ttest site\n",
                                          encoding="utf-8")
    events = Coder(data_dirs=[tmp_path]).code(doc)
    assert [(e["type"], sorted(e["actors"])) for e in events] == [("CONSULT", ["NOR", "SWE"])]


def test_plural_model_names_are_weapons(coder: Coder) -> None:
    assert _events(coder, "Sweden sold six Gripens to Thailand.") == [
        ("AID", "arms_transfer", ("SWE",), ("THA",), None, "occurred")]


def test_long_text_without_full_stops_is_coded_in_pieces(coder: Coder) -> None:
    """spaCy refuses more than a million characters at once, and the parser slows on endless sentences:
    paragraphs are tokenised in chunks and sentences parsed in pieces, offsets still pointing into the text."""
    text = "Japan and Australia held talks in Tokyo on Tuesday " * 30 + "filler " * 150_000
    events = coder.code(Document(id="t", text=text, published="2024-06-05"))
    assert len(text) > 1_000_000 and events
    assert all(text[e["evidence"]["start"]:e["evidence"]["end"]] == e["evidence"]["text"] for e in events)


def test_a_named_system_names_its_maker_as_supplier(coder: Coder) -> None:
    """data/weapons.tsv: "Colombia will buy Gripen jets" has Sweden as supplier; an unknown system has none."""
    assert _events(coder, "Colombia bought 17 Gripen fighter jets.") == [
        ("AID", "arms_transfer", ("SWE",), ("COL",), None, "occurred")]
    assert _events(coder, "Colombia bought 17 fighter jets.") == [
        ("AID", "arms_transfer", (), ("COL",), None, "occurred")]


def test_a_passive_participle_takes_its_noun_as_patient(coder: Coder) -> None:
    """"a shipment of howitzers delivered to Chile": the noun the participle modifies is what was delivered,
    not the subject of the clause it sits in."""
    doc = coder.nlp("Recent weeks have seen a shipment of howitzers delivered to Chile.")
    delivered = next(t for t in doc if t.lower_ == "delivered")
    subj, patient = subject_of(delivered)
    assert [t.text for t in subj] in (["shipment"], ["howitzers"]) and patient


def test_phrase_of_a_document_subject_names_its_parties(coder: Coder) -> None:
    doc = coder.nlp("The logistics agreement between Canada and Japan took effect.")
    head = next(t for t in doc if t.lower_ == "agreement")
    assert {"Canada", "Japan"} <= {t.text for t in phrase(head)}


def test_a_supplier_in_a_relative_clause_is_not_the_supplier(coder: Coder) -> None:
    """"from Mali" belongs to the fighters crossing into Niger, not to the drones."""
    assert _events(coder, "France delivered drones to Niger, which fights militants coming from Mali.") == [
        ("AID", "arms_transfer", ("FRA",), ("NER",), None, "occurred")]


def test_equipment_arriving_is_a_delivery_and_forces_arriving_a_deployment(coder: Coder) -> None:
    assert _events(coder, "The first Korean K9 howitzers arrived at the Baltic port of Gdynia.") == [
        ("AID", "arms_transfer", ("KOR",), ("POL",), None, "occurred")]
    assert [e[:3] for e in _events(coder, "The first American troops arrived in Romania.")] == [
        ("MOBILIZE", "deployment", ("USA",))]


def test_partners_of_an_unnamed_side_take_the_actor_named_before(coder: Coder) -> None:
    """"India ... follows agreements signed with A and B": A and B are India's partners, not each other's."""
    assert _events(coder, "The footprint of India follows agreements signed with Mauritius and Seychelles.") == [
        ("AGREE", "sign", ("IND", "MUS"), (), None, "occurred"),
        ("AGREE", "sign", ("IND", "SYC"), (), None, "occurred")]


def test_an_event_noun_with_its_own_by_agent_does_not_take_the_verbs_subject(coder: Coder) -> None:
    """"It triggered a drill by China": the by-phrase names the drill's actor; "it" is not a participant."""
    doc = coder.nlp("It triggered a rival drill by China.")
    drill = next(t for t in doc if t.lower_ == "drill")
    slots = slots_for(drill, {"during"})
    assert not slots.heads.get("subj") and [t.text for t in slots.heads["by"]] == ["China"]


def test_a_buyer_without_a_back_reference_keeps_its_supplier_unnamed(coder: Coder) -> None:
    """"Other customers", "these jets" go on with the last supplier; "new submarines" do not."""
    assert _events(coder, "France sold Rafale jets to India. Japan bought new submarines.") == [
        ("AID", "arms_transfer", (), ("JPN",), None, "occurred"),
        ("AID", "arms_transfer", ("FRA",), ("IND",), None, "occurred")]
