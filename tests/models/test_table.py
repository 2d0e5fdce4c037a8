"""models.table: figures of a table region -> template cells.

Decoding is tested with a hand-built classifier (probabilities written by the test, no model);
learning with a tiny model trained here on generated appeals tables; plus the save/load round trip.
"""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest

from extraction.schema import TABLES, cell_keys
from models.figures import number_tokens, read_number
from models.table import TableModel
from training.labels import CELL_LABELS

LABELS = list(CELL_LABELS)
COL = {lab: i for i, lab in enumerate(LABELS)}


# --- figures --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ("0\t0\t12", ["0", "0", "12"]),
        ("减 17 | 增1 | -3 | +5", ["减 17", "增1", "-3", "+5"]),
        ("348.47万元", ["348.47"]),
        ("1.属于国家秘密", ["1"]),  # list numbering: the dot is not part of the figure
        ("１,２３４ 〇 O l", ["１,２３４", "〇", "O", "l"]),
        ("1O5\tl2", ["1O5", "l2"]),
        ("Office gov.cn Iowa", []),  # letters inside words are not figures
        ("二〇二〇年", ["〇", "〇"]),
    ],
)
def test_table_number_tokens(text: str, tokens: list[str]) -> None:
    assert [text[s:e] for s, e in number_tokens(text)] == tokens


@pytest.mark.parametrize(
    ("raw", "value", "note"),
    [
        ("０", 0, None),
        ("12", 12, None),
        ("1,234", 1234, None),
        ("减 17", -17, None),
        ("增1", 1, None),
        ("-3", -3, None),
        ("3227.23", 3227.23, None),
        ("〇", 0, "repaired 〇->0"),
        ("1O5", 105, "repaired O->0"),
        ("l2", 12, "repaired l->1"),
        ("二", None, None),
    ],
)
def test_table_read_number(raw: str, value: float | None, note: str | None) -> None:
    assert read_number(raw) == (value, note)


# --- decoding with a hand-built classifier --------------------------------------------------------


class HandClassifier:
    """Stands in for CharClassifier: each figure gets the readings the test gives it."""

    labels = tuple(LABELS)
    outside = COL["O"]

    def __init__(self, readings: dict[int, list[tuple[str | None, float]]]) -> None:
        self.readings = readings  # figure start -> [(key or None, prob)]
        self.calls: list[tuple[int, int]] = []

    def char_probs(self, text: str, start: int = 0, end: int | None = None) -> np.ndarray:
        end = len(text) if end is None else end
        self.calls.append((start, end))
        probs = np.zeros((end - start, len(LABELS)), dtype=np.float32)
        probs[:, self.outside] = 1.0
        for s, e in number_tokens(text, start, end):
            if s not in self.readings:
                continue
            probs[s - start : e - start] = 0.0
            for key, p in self.readings[s]:
                for i in range(s, e):
                    tag = "O" if key is None else f"{'B' if i == s else 'I'}-{key}"
                    probs[i - start, COL[tag]] += p
        return probs


def layout(cells: list[tuple[str | None, str, float]]) -> tuple[str, dict[int, list]]:
    """A text with one figure per line, and the readings of each figure (key None: not a cell)."""
    text, readings = "", {}
    for i, (key, raw, p) in enumerate(cells):
        text += f"第{'一二三四五六七八九十'[i % 10]}格：{raw}\n"
        start = len(text) - len(raw) - 1
        readings[start] = [(key, p), (None, 1 - p)] if key else [(None, 1.0)]
    return text, readings


REVIEW = "appeals.review"


def test_table_predict_fills_every_template_key_of_found_tables() -> None:
    text, readings = layout([(f"{REVIEW}.upheld", "3", 0.9), (f"{REVIEW}.total", "3", 0.8), (None, "7", 0)])
    got = TableModel(HandClassifier(readings)).predict(text, "2021")
    assert got["active"] == {} and got["requests"] == {}
    assert list(got["appeals"]) == cell_keys("appeals", "2021")
    upheld, total = got["appeals"]["review.upheld"], got["appeals"]["review.total"]
    assert (upheld.value, upheld.raw, text[upheld.start : upheld.end], upheld.source) == (
        3,
        "3",
        "3",
        "model",
    )
    assert upheld.score == pytest.approx(0.9) and total.value == 3
    blank = got["appeals"]["litigation_direct.pending"]
    assert blank.value is None and blank.start is None and blank.score == pytest.approx(1.0)


def test_table_predict_prefers_the_consistent_reading_and_says_so() -> None:
    # upheld 3 + corrected 2 = total 5, but the model reads "5" as upheld first
    text, readings = layout(
        [(f"{REVIEW}.upheld", "5", 0.6), (f"{REVIEW}.corrected", "2", 0.95), (f"{REVIEW}.total", "3", 0.55)]
    )
    starts = sorted(readings)
    readings[starts[0]] = [(f"{REVIEW}.upheld", 0.6), (f"{REVIEW}.total", 0.39), (None, 0.01)]
    readings[starts[2]] = [(f"{REVIEW}.total", 0.55), (f"{REVIEW}.upheld", 0.44), (None, 0.01)]
    cells = TableModel(HandClassifier(readings)).predict(text, "2019")["appeals"]
    assert (cells["review.upheld"].value, cells["review.total"].value) == (3, 5)
    assert "chosen by identity" in cells["review.total"].note


def _requests_text(new_np: str) -> tuple[str, dict[int, list]]:
    return layout(
        [
            ("requests.new.natural_person", new_np, 0.9),
            ("requests.new.total", "15", 0.9),
            ("requests.granted.natural_person", "15", 0.9),
            ("requests.granted.total", "15", 0.9),
            ("requests.results_total.natural_person", "15", 0.9),
            ("requests.results_total.total", "15", 0.9),
        ]
    )


@pytest.mark.parametrize("repair", [True, False])
def test_table_predict_repairs_a_doubled_digit_when_identities_determine_it(repair: bool) -> None:
    text, readings = _requests_text("155")
    cell = TableModel(HandClassifier(readings), repair=repair).predict(text, "2019")["requests"][
        "new.natural_person"
    ]
    assert cell.raw == "155"
    if repair:
        assert cell.value == 15 and cell.score == pytest.approx(0.9 * 0.6)
        assert "repaired '155' -> 15" in cell.note and "determined by identity" in cell.note
    else:
        assert cell.value == 155 and cell.note is None


def test_table_predict_confusable_read_and_confirmed_by_identities() -> None:
    text, readings = _requests_text("l5")
    cell = TableModel(HandClassifier(readings)).predict(text, "2019")["requests"]["new.natural_person"]
    assert cell.value == 15 and cell.note == "repaired l->1; identities hold"


def test_table_predict_reads_only_the_given_regions() -> None:
    text, readings = layout(
        [(f"{REVIEW}.upheld", "3", 0.9)] + [(None, "1", 0)] * 20 + [(f"{REVIEW}.total", "3", 0.9)]
    )
    clf = HandClassifier(readings)
    region = (0, 10)
    got = TableModel(clf).predict(text, "2021", regions={"appeals": region})["appeals"]
    assert got["review.upheld"].value == 3 and got["review.total"].value is None
    assert all(s >= 0 and e <= region[1] + 64 for s, e in clf.calls)


def test_table_predict_one_stray_figure_is_no_table() -> None:
    text, readings = layout([(None, "12", 0), ("active.fees.amount", "3", 0.7)])
    assert TableModel(HandClassifier(readings)).predict(text, "2021")["active"] == {}


@pytest.mark.parametrize("version", ["legacy", "unknown", "2018"])
def test_table_predict_reads_no_table_without_a_template(version: str) -> None:
    text, readings = layout([(f"{REVIEW}.upheld", "3", 0.9)])
    assert TableModel(HandClassifier(readings)).predict(text, version) == {t: {} for t in TABLES}


# --- a tiny trained model -----------------------------------------------------------------------

GROUPS = {"review": "行政复议", "litigation_direct": "直接起诉", "litigation_after_review": "复议后起诉"}
COLS = ("upheld", "corrected", "other", "pending", "total")
WINDOW, STRIDE = 64, 16


def appeals_doc(rng: random.Random) -> tuple[str, dict[str, tuple[int, int]]]:
    """Prose with numbers, then a tab-rendered appeals table; the cell offsets."""
    text = f"本年共办理{rng.randint(1, 99)}件，同比增长{rng.randint(1, 9)}个百分点。\n维持\t纠正\t其他\t未结\t总计\n"
    cells = {}
    for group, label in GROUPS.items():
        values = [rng.choice([0, 0, rng.randint(1, 30)]) for _ in range(4)]
        text += label
        for col, v in zip(COLS, [*values, sum(values)], strict=True):
            text += "\t"
            cells[f"appeals.{group}.{col}"] = (len(text), len(text) + len(str(v)))
            text += str(v)
        text += "\n"
    return text + f"以上数据截至{rng.randint(1, 12)}月底。\n", cells


@pytest.fixture(scope="module", params=["keys", "factored"])
def trained(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    """A tiny model trained on generated appeals tables, with B-/I- key labels or factored ones."""
    torch = pytest.importorskip("torch")
    from transformers import BertForTokenClassification

    from models.encoder import EncoderSize, bert_config, set_threads
    from models.table import factored_labels
    from models.tokenizer import build_char_tokenizer
    from training.config import validate_config
    from training.examples import window_examples
    from training.labels import cell_tags
    from training.train import factored_loss, train_loop

    set_threads(1)
    torch.manual_seed(0)
    rng = random.Random(0)
    docs = [appeals_doc(rng) for _ in range(80)]
    tokenizer = build_char_tokenizer([t for t, _ in docs], model_max_length=WINDOW)
    config = validate_config(
        {
            "model": {"max_positions": WINDOW, "dropout": 0.0, "layers": 2, "hidden": 32},
            "data": {"dataset": str(tmp_path_factory.mktemp("unused"))},
            "train": {"max_steps": 250, "batch_size": 16, "lr": 5e-3, "warmup_ratio": 0.05,
                      "window": WINDOW, "stride": STRIDE, "threads": 1, "log_every": 50},
            "decode": {"top_k": 3},
            "scheme": request.param,
            "out": {"dir": str(tmp_path_factory.mktemp("out")), "name": "table-test"},
        },
        "table",
    )  # fmt: skip
    labels, loss_fn = LABELS, None
    if request.param == "factored":
        labels = list(factored_labels([lab[2:] for lab in LABELS if lab != "O"]))
        loss_fn = factored_loss(LABELS, labels)
    model = BertForTokenClassification(
        bert_config(
            len(tokenizer), EncoderSize(2, 32, 2, 64), max_positions=WINDOW, dropout=0.0,
            pad_token_id=tokenizer.pad_token_id, num_labels=len(labels), id2label=dict(enumerate(labels)),
            label2id={lab: i for i, lab in enumerate(labels)},
        )
    )  # fmt: skip
    examples = []
    for text, cells in docs:
        tags = [COL[t] for t in cell_tags(len(text), cells)]
        examples += window_examples(tokenizer, text, tags, WINDOW, STRIDE)
    gen = torch.Generator().manual_seed(0)
    train_loop(model, examples, config, gen, tokenizer.pad_token_id, bf16=False, loss_fn=loss_fn)
    return model, tokenizer, config, labels


def table_model(trained) -> TableModel:
    from models.ner import CharClassifier

    model, tokenizer, _, _ = trained
    return TableModel(CharClassifier(model, tokenizer, WINDOW, STRIDE, bf16=False), "table-test@0")


def test_table_model_learns_to_place_figures(trained) -> None:
    reader = table_model(trained)
    rng = random.Random(321)  # unseen tables
    right = total = 0
    for _ in range(8):
        text, cells = appeals_doc(rng)
        got = reader.predict(text, "2021")["appeals"]
        for key, (s, e) in cells.items():
            cell = got[key.split(".", 1)[1]]
            right += (cell.start, cell.end) == (s, e) and cell.value == int(text[s:e])
            total += 1
    # an untrained model places nothing (every figure reads "not a cell")
    assert right / total >= 0.95, f"{right}/{total}"


def test_table_save_load_round_trip_gives_identical_cells(trained, tmp_path: Path) -> None:
    from models.artifacts import Manifest, save_checkpoint

    model, tokenizer, config, labels = trained
    manifest = Manifest(
        name="table-test", kind="table", version="0.0.1", labels=labels, config=config.model_dump(mode="json")
    )
    path = save_checkpoint(model, tokenizer, tmp_path / "table", manifest)
    loaded = TableModel.load(path, threads=1, bf16=False)
    assert loaded.version == "table-test@0.0.1" and loaded.top_k == 3 and loaded.repair is True
    text, _ = appeals_doc(random.Random(5))
    before, after = table_model(trained).predict(text, "2019"), loaded.predict(text, "2019")
    assert before.keys() == after.keys()
    for table in before:
        assert [(k, c.value, c.start, c.end, c.note) for k, c in before[table].items()] == [
            (k, c.value, c.start, c.end, c.note) for k, c in after[table].items()
        ]
        assert [c.score for c in before[table].values()] == pytest.approx(
            [c.score for c in after[table].values()], abs=1e-5
        )
