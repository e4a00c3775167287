"""Property: random corruptions of valid files never crash the run and never lose a row.

Whatever happens to a file (a column dropped, junk in cells, the wrong encoding, bytes cut
off, rows shuffled or repeated, a broken workbook), ingestion finishes, every loaded file
accounts for each of its rows, a file that cannot be read is `rejected` with a reason, and a
healthy file beside it is read exactly as without the broken one.
"""

from __future__ import annotations

import csv
import io
import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support import FIXTURES, ingest

CSV_SOURCES = [
    FIXTURES / "e2e" / "kobo_export_2022-04.csv",
    FIXTURES / "e2e" / "kobo_labels_fr.csv",
    FIXTURES / "shapes" / "odk_central.csv",
    FIXTURES / "shapes" / "paper_cp1256.csv",
    FIXTURES / "shapes" / "paper_unicode.txt",
]
BINARY_SOURCES = [
    FIXTURES / "shapes" / "kobo_export.xlsx",
    FIXTURES / "e2e" / "registre_EXP01_2022-04.xlsx",
]
HEALTHY = FIXTURES / "e2e" / "kobo_export_2022-03.csv"


def _decode(data: bytes) -> tuple[str, str]:
    for encoding in ("utf-8-sig", "utf-16", "cp1256"):
        try:
            return data.decode(encoding), encoding
        except UnicodeError:
            continue
    raise AssertionError("fixture in an unexpected encoding")


def _rows(text: str) -> tuple[list[list[str]], str]:
    delimiter = max(";,\t", key=text.splitlines()[0].count)
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)), delimiter


def _write(rows: list[list[str]], delimiter: str) -> str:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return out.getvalue()


@st.composite
def corrupted_csv(draw) -> bytes:
    source = draw(st.sampled_from(CSV_SOURCES))
    data = source.read_bytes()
    text, encoding = _decode(data)
    rows, delimiter = _rows(text)
    kind = draw(st.sampled_from(
        ["drop_column", "junk", "encoding", "truncate", "shuffle", "duplicate", "ragged"]))
    if kind == "drop_column":
        column = draw(st.integers(0, len(rows[0]) - 1))
        rows = [row[:column] + row[column + 1:] for row in rows]
    elif kind == "junk":
        for _ in range(draw(st.integers(1, 20))):
            r = draw(st.integers(1, len(rows) - 1))
            c = draw(st.integers(0, len(rows[r]) - 1))
            rows[r][c] = draw(st.text(max_size=12))
    elif kind == "shuffle":
        body = rows[1:]
        rows = [rows[0], *draw(st.permutations(body))]
    elif kind == "duplicate":
        body = rows[1:]
        picks = draw(st.lists(st.integers(0, len(body) - 1), min_size=1, max_size=10))
        rows = [rows[0], *body, *(body[i] for i in picks)]
    elif kind == "ragged":
        r = draw(st.integers(1, len(rows) - 1))
        rows[r] = rows[r][: draw(st.integers(0, len(rows[r]) - 1))]
    text = _write(rows, delimiter)
    if kind == "encoding":
        target = draw(st.sampled_from(["latin-1", "cp1256", "utf-16-le", "utf-8"]))
        return text.encode(target, errors="replace")
    raw = text.encode(encoding if encoding != "utf-8-sig" else "utf-8-sig", errors="replace")
    if kind == "truncate":
        return raw[: draw(st.integers(0, len(raw)))]
    return raw


@st.composite
def corrupted_binary(draw) -> bytes:
    data = bytearray(draw(st.sampled_from(BINARY_SOURCES)).read_bytes())
    if draw(st.booleans()):
        return bytes(data[: draw(st.integers(0, len(data)))])
    for _ in range(draw(st.integers(1, 30))):
        data[draw(st.integers(0, len(data) - 1))] = draw(st.integers(0, 255))
    return bytes(data)


def _run(corrupted: bytes, suffix: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        raw = Path(folder)
        shutil.copyfile(HEALTHY, raw / "healthy.csv")
        (raw / f"corrupted{suffix}").write_bytes(corrupted)
        con = ingest(raw)
        summary = con.execute(
            "select source_file, status, reason, rows_read, rows_accounted, accepted, "
            "excluded_no_consent from quality_file_summary"
        ).fetchall()
        for name, status, reason, rows_read, accounted, *_ in summary:
            assert accounted, (name, summary)
            assert status == "loaded" or (reason and rows_read == 0), (name, summary)
        names = {row[0] for row in summary}
        assert {"healthy.csv", f"corrupted{suffix}"} <= names
        healthy = next(row for row in summary if row[0] == "healthy.csv")
        assert healthy[3] == 16  # always fully read, whatever the other file holds


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(corrupted=corrupted_csv())
def test_corrupted_text_files_keep_conservation(corrupted: bytes) -> None:
    _run(corrupted, ".csv")


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(corrupted=corrupted_binary())
def test_corrupted_workbooks_keep_conservation(corrupted: bytes) -> None:
    _run(corrupted, ".xlsx")
