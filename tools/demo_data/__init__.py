"""Seeded, deterministic demo input files with problems planted in known numbers.

`python -m tools.demo_data --out data/raw` (what `make demo-data` runs) writes them; the
generator itself is `tools.demo_data.generator` (see its docstring for what it writes).
"""

from tools.demo_data.generator import (
    DEFAULT_SHAPES,
    KOBO_SYSTEM,
    ODK_TRAILING,
    REGISTER_KINDS,
    SURVEY_FLAGS,
    SURVEY_INVALID,
    DemoSummary,
    generate_demo_data,
    main,
)

__all__ = [
    "DEFAULT_SHAPES",
    "KOBO_SYSTEM",
    "ODK_TRAILING",
    "REGISTER_KINDS",
    "SURVEY_FLAGS",
    "SURVEY_INVALID",
    "DemoSummary",
    "generate_demo_data",
    "main",
]
