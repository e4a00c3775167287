"""Seeded, deterministic demo input files with problems planted in known numbers.

`python -m tools.demo_data --out data/raw` (what `make demo-data` runs) writes them. The entry
points are in `tools.demo_data.generator` (see its docstring for what is written); the work is
split by concern: `population` (who is interviewed, where, when), `answers` (the form and the
answers), `planted` (the survey's planted problems), `survey` (every version of every
submission), `file_shapes` (the export files), `registers` (the workshop registers) and
`columns` (the column representation they share).
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
