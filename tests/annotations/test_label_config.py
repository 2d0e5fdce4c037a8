"""The labeling config: generated from the schema, one place for every label and control name."""

from __future__ import annotations

import dataclasses
import xml.etree.ElementTree as ET

from typer.testing import CliRunner

from annotations import label_config as lc
from extraction.cli import app
from extraction.schema import FINDING_CODES, FORMAT_VERSIONS, LABELS, VERSIONS, Contact, all_cell_keys


def _tree() -> ET.Element:
    return ET.fromstring(lc.label_config())


def _control(root: ET.Element, name: str) -> ET.Element:
    found = [el for el in root.iter() if el.get("name") == name]
    assert len(found) == 1, name
    return found[0]


def test_label_config_labels_come_from_the_schema() -> None:
    root = _tree()
    assert [el.get("value") for el in _control(root, lc.ENT)] == list(LABELS)
    keys = [el.get("value") for el in _control(root, lc.CELL_KEY)]
    assert set(keys) == {k for v in VERSIONS for k in all_cell_keys(v)} and len(keys) == len(set(keys))
    assert [el.get("value") for el in _control(root, lc.FORMAT_VERSION)] == list(FORMAT_VERSIONS)
    assert [el.get("value") for el in _control(root, lc.FINDINGS)] == list(FINDING_CODES)


def test_label_config_cells_carry_key_and_value_per_region() -> None:
    root = _tree()
    for name, tag in ((lc.CELL_KEY, "Choices"), (lc.CELL_VALUE, "Number")):
        el = _control(root, name)
        assert el.tag == tag and el.get("perRegion") == "true" and el.get("toName") == lc.TEXT
    assert _control(root, lc.TEXT).get("value") == f"${lc.TEXT}"


def test_label_config_has_every_document_field() -> None:
    root = _tree()
    names = {el.get("name") for el in root.iter("TextArea")}
    assert {f"contact_{f.name}" for f in dataclasses.fields(Contact)} <= names
    assert {"agency", "period_start", "period_end", "published"} <= names
    lists = {el.get("name") for el in root.iter("TextArea") if el.get("maxSubmissions") is None}
    assert lists == {"contact_phone", "contact_email", "contact_website"}


def test_label_config_cli_prints_the_same_xml() -> None:
    res = CliRunner().invoke(app, ["review", "config"])
    assert res.exit_code == 0 and res.output.strip() == lc.label_config()
