"""The Label Studio labeling config, generated from `extraction.schema` (the one source of labels).

A task shows one report's text. Annotators mark:

- entity spans with the `ent` labels (AGENCY, COUNT, AMOUNT, DATE);
- table cells as spans on their numbers with the `cell` label, and per region the cell key
  (`cell_key`, a drop-down of every `table.row.col` of both template versions) and the value
  (`cell_value`, the corrected number when the text shows a damaged one);
- the document fields (agency, year, format version, period, publication date, contact) and the
  findings, once per task.

Every control name used by `annotations.convert` is a constant here, so the config and the
conversion cannot drift apart.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from xml.sax.saxutils import quoteattr

from extraction.schema import FINDING_CODES, FORMAT_VERSIONS, LABELS, TABLES, VERSIONS, Contact, all_cell_keys

LABEL_CONFIG_VERSION = "nianbao.review.v1"

TEXT = "text"  # the <Text> object's name and the task data key that holds the report text
DOC = "doc"  # the task data key of the report's file name
ENT = "ent"  # <Labels> of the entity spans
CELL = "cell"  # <Labels> of the table-cell spans
CELL_LABEL = "CELL"  # its one label
CELL_KEY = "cell_key"  # per-region <Choices>: the cell key
CELL_VALUE = "cell_value"  # per-region <Number>: the cell's value
FORMAT_VERSION = "format_version"  # <Choices>
FINDINGS = "findings"  # <Choices choice="multiple">
YEAR = "year"  # <Number>

# Every cell key of both template versions, table by table in template order: the choices of `cell_key`.
CELL_KEYS: tuple[str, ...] = tuple(
    dict.fromkeys(k for t in TABLES for v in VERSIONS for k in all_cell_keys(v) if k.startswith(f"{t}."))
)
# Contact parts: those whose default is a list take several lines (one item per line).
CONTACT_FIELDS: tuple[str, ...] = tuple(f.name for f in dataclasses.fields(Contact))
CONTACT_LISTS: frozenset[str] = frozenset(
    f.name
    for f in dataclasses.fields(Contact)
    if f.default_factory is list  # type: ignore[comparison-overlap]
)

# Distinct, readable on white; one per entity label.
_COLOURS = ("#ffb74d", "#81c784", "#64b5f6", "#ce93d8", "#e57373", "#4db6ac")


@dataclass(frozen=True)
class TextField:
    """A document field typed as text: control name, the record path it fills, and whether it is a list."""

    name: str
    path: tuple[str, ...]
    is_list: bool = False
    hint: str = ""


TEXT_FIELDS: tuple[TextField, ...] = (
    TextField("agency", ("agency",), hint="publishing body as written"),
    TextField("period_start", ("period", "start"), hint="ISO date, e.g. 2020-01-01"),
    TextField("period_end", ("period", "end"), hint="ISO date"),
    TextField("published", ("published",), hint="ISO date"),
    *(
        TextField(
            f"contact_{n}", ("contact", n), n in CONTACT_LISTS, "one per line" if n in CONTACT_LISTS else ""
        )
        for n in CONTACT_FIELDS
    ),
)


def _choices(values: tuple[str, ...] | list[str]) -> str:
    return "".join(f"<Choice value={quoteattr(v)}/>" for v in values)


def label_config() -> str:
    """The labeling config XML (deterministic: the same schema gives the same string)."""
    ent_labels = "".join(
        f"<Label value={quoteattr(label)} background={quoteattr(_COLOURS[i % len(_COLOURS)])}/>"
        for i, label in enumerate(LABELS)
    )
    fields = []
    for f in TEXT_FIELDS:
        limit = "" if f.is_list else ' maxSubmissions="1"'
        placeholder = f" placeholder={quoteattr(f.hint)}" if f.hint else ""
        fields.append(
            f'<Header value={quoteattr(f.name)} size="6"/>'
            f'<TextArea name="{f.name}" toName="{TEXT}" editable="true" rows="1"{limit}{placeholder}/>'
        )
    parts = [
        '<View style="display: grid; grid-template-columns: 2fr 1fr; gap: 1em">',
        "<View>",
        f'<Header value="${DOC}"/>',
        f'<Labels name="{ENT}" toName="{TEXT}">{ent_labels}</Labels>',
        f'<Labels name="{CELL}" toName="{TEXT}"><Label value="{CELL_LABEL}" background="#90a4ae"/></Labels>',
        f'<Text name="{TEXT}" value="${TEXT}" granularity="symbol"/>',
        "</View>",
        '<View style="position: sticky; top: 0">',
        f'<View visibleWhen="region-selected" whenLabelValue="{CELL_LABEL}">',
        '<Header value="cell key and value" size="5"/>',
        f'<Choices name="{CELL_KEY}" toName="{TEXT}" perRegion="true" layout="select">'
        f"{_choices(CELL_KEYS)}</Choices>",
        f'<Number name="{CELL_VALUE}" toName="{TEXT}" perRegion="true" step="any"/>',
        "</View>",
        '<Header value="document" size="5"/>',
        f'<Header value="{FORMAT_VERSION}" size="6"/>',
        f'<Choices name="{FORMAT_VERSION}" toName="{TEXT}" choice="single" showInline="true">'
        f"{_choices(FORMAT_VERSIONS)}</Choices>",
        f'<Header value="{YEAR}" size="6"/>',
        f'<Number name="{YEAR}" toName="{TEXT}" min="1949" max="2099"/>',
        *fields,
        f'<Header value="{FINDINGS}" size="6"/>',
        f'<Choices name="{FINDINGS}" toName="{TEXT}" choice="multiple">{_choices(FINDING_CODES)}</Choices>',
        "</View>",
        "</View>",
    ]
    return "".join(parts)
