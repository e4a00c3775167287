"""Large UTF-8 exports stream in batches: the result must equal reading the file whole."""

from __future__ import annotations

import functools
import shutil
from pathlib import Path

import pyarrow as pa
import pytest

from pipeline import ingest
from pipeline.ingest import raw_files, read_survey_file
from pipeline.privacy import Pseudonymiser
from pipeline.readers.tables import stream_utf8_file
from pipeline.settings import REPO_ROOT
from pipeline.xlsform import load_form
from tests.conftest import FIXTURES

FORM = load_form(REPO_ROOT / "data" / "reference" / "forms" / "citizen_survey.xlsx")


class ListSink:
    def __init__(self) -> None:
        self.tables: list[pa.Table] = []

    def write(self, table: pa.Table) -> None:
        self.tables.append(table)

    def discard(self, source_file: str) -> None:
        self.tables = [t for t in self.tables if t["source_file"][0].as_py() != source_file]


def read(path: Path, monkeypatch: pytest.MonkeyPatch, streaming) -> tuple[ListSink, object]:
    monkeypatch.setattr(ingest, "stream_utf8_file", streaming)
    sink = ListSink()
    raw = next(raw_files(path.parent))
    return sink, read_survey_file(raw, FORM, Pseudonymiser(b"t"), sink)


@pytest.mark.parametrize(("name", "batches"),
                         [("kobo_export_2022-04.csv", 4), ("kobo_labels_fr.csv", 1)])
def test_small_batches_equal_the_whole_file(tmp_path, monkeypatch, name, batches) -> None:
    shutil.copyfile(FIXTURES / "e2e" / name, tmp_path / name)
    tiny = functools.partial(stream_utf8_file, rows_per_batch=1, block_size=4096)
    streamed, streamed_read = read(tmp_path / name, monkeypatch, tiny)
    whole, whole_read = read(tmp_path / name, monkeypatch, lambda path: None)
    assert len(streamed.tables) == batches and len(whole.tables) == 1
    assert pa.concat_tables(streamed.tables).equals(whole.tables[0])
    assert streamed_read.outcomes == whole_read.outcomes
    # The HXL line of the Kobo export is not a data row: rows are numbered from 1 anyway.
    rows = whole.tables[0].num_rows
    assert whole.tables[0]["source_row"].to_pylist() == list(range(1, rows + 1))


def test_a_file_broken_midway_falls_back_to_the_exact_path(tmp_path, monkeypatch) -> None:
    good = (FIXTURES / "e2e" / "kobo_export_2022-03.csv").read_bytes()
    lines = good.split(b"\r\n")
    lines[12] = lines[12].rsplit(b";", 3)[0]  # a ragged row far from the start
    (tmp_path / "ragged.csv").write_bytes(b"\r\n".join(lines))
    tiny = functools.partial(stream_utf8_file, rows_per_batch=1, block_size=4096)
    sink, result = read(tmp_path / "ragged.csv", monkeypatch, tiny)
    assert len(sink.tables) == 1  # the streamed batches were discarded, then read whole
    assert result.outcomes[0].rows_read == 16
    assert [f.source_row for f in result.failures] == [11]  # line 13 = data row 11 (HXL)
