"""The small sample of generated reports checked in under tests/fixtures/synth/.

Regenerate after a change to the generator (the test `test_synth_fixtures_are_current` says
when)::

    python -m training.synth.fixtures
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from training.synth.generator import SynthDoc, derive_seed, generate_one

logger = logging.getLogger(__name__)

FIXTURE_DIR = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "synth"
FIXTURE_SEED = 20240101

# (noise level, template version, file kind): a few reports per level, and one HTML and one
# .docx rendering.
SAMPLES: tuple[tuple[str, str, str], ...] = (
    ("none", "2019", "txt"),
    ("none", "legacy", "txt"),
    ("low", "2021", "txt"),
    ("low", "2021", "html"),
    ("high", "2019", "txt"),
    ("high", "2021", "docx"),
)


def fixture_docs() -> list[SynthDoc]:
    """The fixture reports, generated afresh."""
    docs = []
    for i, (noise, version, kind) in enumerate(SAMPLES):
        name = f"synth_fixture_{i:02d}_{noise}"
        docs.append(generate_one(derive_seed(FIXTURE_SEED, i), noise, version, name=name, file_kind=kind))
    return docs


def serialize(doc: SynthDoc) -> dict[str, bytes]:
    """File name → bytes of a report's three files, as written under the fixture folder."""

    def dump(payload: dict[str, Any]) -> bytes:
        return (json.dumps(payload, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")

    stem = doc.name.rsplit(".", 1)[0]
    return {doc.name: doc.data, f"{stem}.json": dump(doc.gold), f"{stem}.meta.json": dump(doc.meta)}


def write_fixtures(out: Path = FIXTURE_DIR) -> list[Path]:
    """Write the fixture files; returns their paths."""
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for doc in fixture_docs():
        for name, data in serialize(doc).items():
            (out / name).write_bytes(data)
            paths.append(out / name)
    logger.info(
        "wrote %d fixture files (%d bytes) to %s", len(paths), sum(p.stat().st_size for p in paths), out
    )
    return paths


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    write_fixtures()
