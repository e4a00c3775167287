"""Large UTF-8 exports stream in batches: the result must equal reading the file whole."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from citizen_metrics.ingest.pseudonymise import Pseudonymiser
from citizen_metrics.ingest.readers import survey
from citizen_metrics.ingest.readers.results import FileRead, Reading, StreamBroken
from citizen_metrics.ingest.readers.survey import SurveyMapping, read_survey_export
from citizen_metrics.ingest.sources import raw_files
from citizen_metrics.ingest.stage import stage_file_inventory, stage_survey_files
from citizen_metrics.ingest.xlsform import load_form
from citizen_metrics.settings import REPO_ROOT, Settings
from tests.support import FIXTURES

FORM = load_form(REPO_ROOT / "data" / "reference" / "forms" / "citizen_survey.xlsx")
MAPPING = SurveyMapping(FORM, Pseudonymiser(b"t"),
                        Settings.from_env().vocabularies.selected_flags)


def tiny_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    """Stream in batches of a row, from blocks of 4 kB (the fixtures are small)."""
    monkeypatch.setattr(survey, "STREAM_ROWS", 1)
    monkeypatch.setattr(survey, "STREAM_BLOCK", 4096)


def collect(reading: Reading) -> tuple[list[pa.Table], FileRead]:
    """Every batch a reader yields, and what it returns."""
    tables = []
    while True:
        try:
            tables.append(next(reading).rows)
        except StopIteration as finished:
            return tables, finished.value


def decoded(table: pa.Table) -> pa.Table:
    """The table's values (answers come as dictionaries, whose encoding differs between
    batches: the values must not)."""
    return table.cast(pa.schema([
        field.with_type(field.type.value_type) if pa.types.is_dictionary(field.type)
        else field for field in table.schema]))


def read(path: Path, monkeypatch: pytest.MonkeyPatch, *, streaming: bool):
    tiny_batches(monkeypatch)
    raw = raw_files(path.parent)[0]
    return collect(read_survey_export(raw, MAPPING, streaming=streaming))


@pytest.mark.parametrize(("name", "batches"),
                         [("kobo_export_2022-04.csv", 4), ("kobo_labels_fr.csv", 1)])
def test_small_batches_equal_the_whole_file(tmp_path, monkeypatch, name, batches) -> None:
    shutil.copyfile(FIXTURES / "e2e" / name, tmp_path / name)
    streamed, streamed_read = read(tmp_path / name, monkeypatch, streaming=True)
    whole, whole_read = read(tmp_path / name, monkeypatch, streaming=False)
    assert len(streamed) == batches and len(whole) == 1
    assert decoded(pa.concat_tables(streamed)).equals(decoded(whole[0]))
    assert streamed_read.outcomes == whole_read.outcomes
    # The HXL line of the Kobo export is not a data row: rows are numbered from 1 anyway.
    rows = whole[0].num_rows
    assert whole[0]["source_row"].to_pylist() == list(range(1, rows + 1))


def test_a_file_broken_midway_is_staged_whole_from_the_exact_path(tmp_path, monkeypatch) -> None:
    good = (FIXTURES / "e2e" / "kobo_export_2022-03.csv").read_bytes()
    lines = good.split(b"\r\n")
    lines[12] = lines[12].rsplit(b";", 3)[0]  # a ragged row far from the start
    (tmp_path / "ragged.csv").write_bytes(b"\r\n".join(lines))
    # Streamed, the reader gives some batches, then finds the broken row.
    tiny_batches(monkeypatch)
    reading = read_survey_export(raw_files(tmp_path)[0], MAPPING)
    assert next(reading).rows.num_rows > 0
    with pytest.raises(StreamBroken):
        collect(reading)
    # Staged, what was streamed is dropped and the file read whole, exactly.
    con = duckdb.connect()
    limits = Settings.from_env().read_limits
    stage_file_inventory(con, tmp_path, limits)
    counts = stage_survey_files(con, tmp_path, MAPPING, limits)
    assert counts["rows"] == 15 and counts["malformed_rows"] == 1
    assert con.execute("select count(*), count(distinct source_row) from stg_survey_rows"
                       ).fetchone() == (15, 15)
    assert con.execute("select rows_read from stg_survey_file_reads").fetchone() == (16,)
    # Line 13 = data row 11 (after the header and the HXL line).
    assert con.execute("select source_row from stg_survey_read_failures").fetchall() == [(11,)]
