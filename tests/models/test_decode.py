"""models.decode and models.cells: window stitching, BIO span decoding, identity-constrained cell choice, repair.

Pure numpy: no model is loaded; probabilities are built by hand.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from models.cells import TokenCandidates, assign_cells, digit_damage_reads, identities, repair_by_identity
from models.decode import Span, decode_bio, spans_to_entities
from models.ner import WindowProbs, stitch_windows
from training.labels import NER_LABELS, bio_tags

LABELS = list(NER_LABELS)


def one_hot(tags: list[str], p: float = 0.9) -> np.ndarray:
    """Probabilities that put `p` on each character's tag and spread the rest."""
    out = np.full((len(tags), len(LABELS)), (1 - p) / (len(LABELS) - 1), dtype=np.float32)
    for i, tag in enumerate(tags):
        out[i, LABELS.index(tag)] = p
    return out


# --- stitching ----------------------------------------------------------------------------------


def _windows(n: int, length: int, overlap: int, n_labels: int) -> list[WindowProbs]:
    """Windows like char_token_spans makes, each labelling every char with its own window index."""
    out, start, k = [], 0, 0
    while True:
        end = min(n, start + length)
        offsets = np.array([(0, 0)] + [(i, i + 1) for i in range(start, end)] + [(0, 0)])
        probs = np.zeros((len(offsets), n_labels), dtype=np.float32)
        probs[:, k % n_labels] = 1.0
        out.append(WindowProbs(offsets, probs, start, end))
        if end == n:
            return out
        start, k = end - overlap, k + 1


@given(st.integers(1, 200), st.integers(4, 40), st.data())
@settings(max_examples=60, deadline=None)
def test_decode_stitch_picks_the_window_farthest_from_an_edge(n: int, length: int, data) -> None:
    overlap = data.draw(st.integers(0, length // 2))
    n_labels = 50
    windows = _windows(n, length, overlap, n_labels)
    probs = stitch_windows(n, windows, n_labels, outside=0)

    def dist(w: WindowProbs, i: int) -> int:
        left = i - w.start if w.start > 0 else 1 << 30
        right = w.end - 1 - i if w.end < n else 1 << 30
        return min(left, right)

    for i in range(n):
        covering = [k for k, w in enumerate(windows) if w.start <= i < w.end]
        best = max(dist(windows[k], i) for k in covering)
        chosen = int(probs[i].argmax())
        assert any(k % n_labels == chosen and dist(windows[k], i) == best for k in covering)


def test_decode_stitch_uncovered_chars_are_outside() -> None:
    w = WindowProbs(np.array([(0, 0), (2, 3), (0, 0)]), np.eye(3, dtype=np.float32), 2, 3)
    probs = stitch_windows(5, [w], 3, outside=2)
    assert probs.argmax(axis=1).tolist() == [2, 2, 1, 2, 2]


# --- spans --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "tags", "want"),
    [
        # I- without B- still starts a span (model output may lack the B-)
        ("收到12件", ["O", "O", "I-COUNT", "I-COUNT", "I-COUNT"], [("COUNT", 2, 5)]),
        # whitespace read as O inside a span joins it when the right side continues it
        ("2020 年", ["B-DATE"] + ["I-DATE"] * 3 + ["O", "I-DATE"], [("DATE", 0, 6)]),
        # ... but not when the right side begins a new span
        (
            "2020 5月",
            ["B-DATE"] + ["I-DATE"] * 3 + ["O", "B-DATE", "I-DATE"],
            [("DATE", 0, 4), ("DATE", 5, 7)],
        ),
        # surrounding whitespace is stripped
        (" 12件 ", ["B-COUNT", "I-COUNT", "I-COUNT", "I-COUNT", "I-COUNT"], [("COUNT", 1, 4)]),
        # B B: two spans; a label change ends a span
        ("市局省厅", ["B-AGENCY", "I-AGENCY", "B-AGENCY", "I-AGENCY"], [("AGENCY", 0, 2), ("AGENCY", 2, 4)]),
        ("3件5", ["B-COUNT", "I-COUNT", "I-DATE"], [("COUNT", 0, 2), ("DATE", 2, 3)]),
        ("   ", ["I-DATE", "I-DATE", "I-DATE"], []),
    ],
)
def test_decode_bio_repairs_and_strips(text: str, tags: list[str], want: list[tuple]) -> None:
    spans = decode_bio(text, one_hot(tags), LABELS)
    assert [(s.label, s.start, s.end) for s in spans] == want


@pytest.mark.parametrize(("p_b", "p_i", "spans"), [(0.9, 0.05, 2), (0.5, 0.4, 1), (0.3, 0.6, 1)])
def test_decode_bio_splits_a_run_only_on_a_clear_begin(p_b: float, p_i: float, spans: int) -> None:
    # 市委市政府: AGENCY + AGENCY; the second 市 is B- only when the model clearly says so
    probs = one_hot(["B-AGENCY", "I-AGENCY", "I-AGENCY", "I-AGENCY", "I-AGENCY"])
    probs[2] = 0.0
    probs[2, LABELS.index("B-AGENCY")], probs[2, LABELS.index("I-AGENCY")] = p_b, p_i
    probs[2, LABELS.index("O")] = 1 - p_b - p_i
    assert len(decode_bio("市委市政府", probs, LABELS)) == spans


def test_decode_bio_score_is_mean_probability() -> None:
    probs = one_hot(["B-COUNT", "I-COUNT", "O"], p=0.9)
    probs[1] = 0.0
    probs[1, LABELS.index("I-COUNT")] = 0.5
    probs[1, LABELS.index("O")] = 0.5 - 1e-3
    (span,) = decode_bio("3件。", probs, LABELS)
    p_count_0 = 0.9 + 0.1 / (len(LABELS) - 1)  # B-COUNT + I-COUNT of the first char
    assert span.score == pytest.approx((p_count_0 + 0.5) / 2, abs=1e-6)


def test_decode_bio_entity_mass_beats_outside() -> None:
    # O is the single most probable tag, but B-DATE + I-DATE together outweigh it
    probs = np.zeros((2, len(LABELS)), dtype=np.float32)
    probs[:, LABELS.index("O")] = 0.4
    probs[:, LABELS.index("B-DATE")] = [0.35, 0.05]
    probs[:, LABELS.index("I-DATE")] = [0.25, 0.55]
    assert [(s.label, s.start, s.end) for s in decode_bio("5月", probs, LABELS)] == [("DATE", 0, 2)]


_CHARS = st.sampled_from(list("市公安局收到申请件年月日12345"))


@given(
    st.lists(
        st.tuples(st.sampled_from(["AGENCY", "COUNT", "DATE", "AMOUNT"]), st.integers(1, 5)), max_size=6
    ),
    st.data(),
)
@settings(max_examples=80, deadline=None)
def test_decode_bio_round_trips_tags(parts: list[tuple[str, int]], data) -> None:
    text, spans, pos = "", [], 0
    for label, length in parts:
        gap = data.draw(st.integers(0, 2))
        text += "".join(data.draw(st.lists(_CHARS, min_size=gap + length, max_size=gap + length)))
        spans.append((label, pos + gap, pos + gap + length))
        pos += gap + length
    got = decode_bio(text, one_hot(bio_tags(len(text), spans)), LABELS)
    assert [(s.label, s.start, s.end) for s in got] == spans


@pytest.mark.parametrize(
    ("text", "span", "value"),
    [
        ("共收到1300余条信息", Span("COUNT", 3, 9, 0.9), {"number": 1300, "unit": "条", "approx": True}),
        ("约 56万人次", Span("COUNT", 2, 7, 0.9), {"number": 560000, "unit": "人次", "approx": True}),
        ("金额10709.63 万元", Span("AMOUNT", 2, 13, 0.9), {"yuan": 107096300.0}),
        ("于2020 年 1 月 1 日", Span("DATE", 1, 15, 0.9), "2020-01-01"),
        ("试验市统计局", Span("AGENCY", 0, 6, 0.9), None),
    ],
)
def test_decode_entities_take_shared_normalized_values(text: str, span: Span, value: object) -> None:
    (ent,) = spans_to_entities(text, [span])
    assert (ent.value, ent.text, ent.source) == (value, text[span.start : span.end], "model")
    assert ent.score == pytest.approx(0.9)


def test_decode_entity_without_value_loses_score() -> None:
    (ent,) = spans_to_entities("第几件", [Span("COUNT", 0, 3, 0.8)])
    assert ent.value is None and ent.score == pytest.approx(0.4)


# --- identity-constrained choice ----------------------------------------------------------------

R = "appeals.review"


def tok(i: int, raw: str, *options: tuple[str | None, float]) -> TokenCandidates:
    value = int(raw) if raw.isdigit() else None
    return TokenCandidates(i * 3, i * 3 + len(raw), raw, value, None, [*options])


def _review_tokens(alt: float) -> list[TokenCandidates]:
    """upheld 3, corrected 2, other 0, pending 0, total 5, but the model prefers 5 as upheld."""
    return [
        tok(0, "5", (f"{R}.upheld", 0.6), (f"{R}.total", alt), (None, 0.01)),
        tok(1, "2", (f"{R}.corrected", 0.95), (None, 0.05)),
        tok(2, "0", (f"{R}.other", 0.95), (None, 0.05)),
        tok(3, "0", (f"{R}.pending", 0.95), (None, 0.05)),
        tok(4, "3", (f"{R}.total", 0.55), (f"{R}.upheld", 0.44), (None, 0.01)),
    ]


def test_decode_assign_prefers_the_reading_that_keeps_identities() -> None:
    tokens = _review_tokens(alt=0.39)
    a = assign_cells(tokens, "2021")
    assert a.owner[f"{R}.total"] == 0 and a.owner[f"{R}.upheld"] == 4
    assert "chosen by identity" in a.by_identity[f"{R}.total"]


def test_decode_assign_keeps_the_model_reading_without_an_alternative() -> None:
    tokens = _review_tokens(alt=0.39)
    tokens[0].options = [(f"{R}.upheld", 0.6), (None, 0.4)]  # total is not among its readings
    a = assign_cells(tokens, "2021")
    assert a.owner[f"{R}.upheld"] == 0 and a.owner[f"{R}.total"] == 4 and not a.by_identity


def test_decode_assign_one_token_per_key() -> None:
    tokens = [tok(i, "7", (f"{R}.upheld", 0.9 - i / 10), (None, 0.05)) for i in range(3)]
    a = assign_cells(tokens, "2019")
    assert a.owner == {f"{R}.upheld": 0}
    assert [a.key_of(tokens, i) for i in range(3)] == [f"{R}.upheld", None, None]


# --- repair by identity ---------------------------------------------------------------------------


def _requests_tokens(new_np: str) -> list[TokenCandidates]:
    """A requests table: 15 new from natural persons, all granted; other cells blank (= 0)."""
    cells = [
        ("new.natural_person", new_np),
        ("new.total", "15"),
        ("granted.natural_person", "15"),
        ("granted.total", "15"),
        ("results_total.natural_person", "15"),
        ("results_total.total", "15"),
    ]
    return [tok(i, raw, (f"requests.{k}", 0.9), (None, 0.1)) for i, (k, raw) in enumerate(cells)]


@pytest.mark.parametrize(
    ("raw", "repaired"),
    [("155", 15), ("115", 15), ("1", 15), ("5", 15), ("3", None), ("185", None), ("15", None)],
)
def test_decode_repairs_a_damaged_digit_only_when_determined(raw: str, repaired: int | None) -> None:
    tokens = _requests_tokens(raw)
    a = assign_cells(tokens, "2019")
    fixes = repair_by_identity(tokens, a, "2019")
    if repaired is None:
        assert "requests.new.natural_person" not in fixes
    else:
        value, note = fixes["requests.new.natural_person"]
        assert value == repaired
        assert "determined by identity" in note and "row_total[new]" in note and raw in note


def test_decode_no_repair_when_several_cells_could_take_the_blame() -> None:
    # total 33 vs 2 + 1: "33" -> 3 fits, but so does upheld "2" -> 32 (a lost digit): not determined
    tokens = [
        tok(0, "2", (f"{R}.upheld", 0.9), (None, 0.1)),
        tok(1, "1", (f"{R}.corrected", 0.9), (None, 0.1)),
        tok(2, "33", (f"{R}.total", 0.9), (None, 0.1)),
    ]
    a = assign_cells(tokens, "2021")
    assert repair_by_identity(tokens, a, "2021") == {}
    tokens[0] = tok(0, "7", (f"{R}.upheld", 0.9), (None, 0.1))  # 33 vs 7 + 1: no cell is one digit away
    a = assign_cells(tokens, "2021")
    assert repair_by_identity(tokens, a, "2021") == {}


def test_decode_never_invents_a_blank() -> None:
    # new.total blank while the applicant columns sum to 15: no token, no repair
    tokens = [t for t in _requests_tokens("15") if t.options[0][0] != "requests.new.total"]
    a = assign_cells(tokens, "2019")
    assert "requests.new.total" not in repair_by_identity(tokens, a, "2019")


@pytest.mark.parametrize(
    ("raw", "value", "ok"),
    [("155", 15, True), ("15", 155, True), ("l5", 115, True), ("1O5", 15, False), ("1OO5", 105, True), ("33", 3, True), ("185", 15, False),
     ("15", 16, False), ("15", 1500, False), ("15", -1, False), ("12", 1.5, False)],
)  # fmt: skip
def test_decode_digit_damage_reads(raw: str, value: float, ok: bool) -> None:
    assert digit_damage_reads(raw, value) is ok


@pytest.mark.parametrize("version", ["2019", "2021"])
def test_decode_identities_cover_the_spec(version: str) -> None:
    names = [i.name for i in identities(version)]
    assert sum(n.startswith("requests.balance") for n in names) == 7
    assert sum(n.startswith("requests.results_total") for n in names) == 7
    assert sum(n.startswith("appeals.total") for n in names) == 3
    rows = 23 if version == "2019" else 25
    assert sum(n.startswith("requests.row_total") for n in names) == rows
    assert identities("legacy") == ()


@pytest.mark.parametrize(
    ("text", "inside"),
    [
        ("对照《绿水市基层政务公开25个试点领域标准目录》开展", True),
        ("全年办理25个事项，见《目录》", False),
        ("《目录》收录25个事项", False),
        ("《绿水市\n25个试点》", False),  # a title does not cross a line
    ],
)
def test_decode_count_inside_a_title_is_no_entity(text: str, inside: bool) -> None:
    from models.decode import Span, inside_title, spans_to_entities

    s = text.index("25个")
    assert inside_title(text, s, s + 3) is inside
    ents = spans_to_entities(text, [Span("COUNT", s, s + 3, 0.99)])
    assert [e.text for e in ents] == ([] if inside else ["25个"])
