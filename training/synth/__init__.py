"""Synthetic annual reports with exact gold: content, renderings, noise and offset tracking.

Public API: `generate(n, seed, out_dir, noise, version)` writes a directory of reports with
their gold records; `generate_one(rng_seed, noise, version)` returns one `SynthDoc`.
"""

from training.synth.generator import SynthDoc, SynthSummary, derive_seed, generate, generate_one
from training.synth.noise import LEVELS, NoiseRates

__all__ = ["LEVELS", "NoiseRates", "SynthDoc", "SynthSummary", "derive_seed", "generate", "generate_one"]
