"""Which file a row shared by cumulative exports is credited to follows what the files hold
(their latest submission or workshop date, then their digest), never their modification
times: a clerk who copies the exports back with a plain `cp` gets the same per-file counts."""

from __future__ import annotations

from pathlib import Path

from tests.support import E2E_FILES, FIXTURES, copy_raw_files, ingest

SUMMARY = (
    "select source_file, status, rows_read, accepted, duplicate, superseded, "
    "excluded_no_consent, quarantined from quality_file_summary order by source_file"
)
ORDER = "select source_file from int_file_order order by credit_order"


def test_files_copied_anew_are_credited_the_same_rows(tmp_path: Path) -> None:
    as_sent = ingest(_copied(tmp_path / "as_sent", E2E_FILES))
    # The same files copied back in the opposite order: the newest export now looks oldest.
    copied = ingest(_copied(tmp_path / "copied", list(reversed(E2E_FILES))))
    assert as_sent.execute(SUMMARY).fetchall() == copied.execute(SUMMARY).fetchall()
    assert as_sent.execute(ORDER).fetchall() == copied.execute(ORDER).fetchall()
    # Worked out by hand from the files: March's export (latest submission 5 March) comes
    # before April's (its rows repeat March's and add April's), and the March register (last
    # workshop in March) before the April one; the empty files hold nothing, so come first.
    order = [name for (name,) in copied.execute(ORDER).fetchall()]
    assert order.index("kobo_export_2022-03.csv") < order.index("kobo_export_2022-04.csv")
    assert order.index("registre_EXP01_2022-03.xlsx") < order.index(
        "registre_EXP01_2022-04.xlsx")
    assert set(order[:2]) == {"empty.csv", "header_only.csv"}
    march, april = (copied.execute(
        "select accepted, duplicate from quality_file_summary where source_file = ?",
        [name]).fetchone() for name in ("kobo_export_2022-03.csv", "kobo_export_2022-04.csv"))
    # March's 16 rows: 12 accepted; B1 and B2 are duplicates of the French-labels export,
    # which holds only them and so comes first; April's 21 rows repeat 15 of March's and add
    # 2 (the end-to-end test's counts, file by file).
    assert (march, april) == ((12, 2), (2, 15))


def _copied(raw: Path, names: list[str]) -> Path:
    copy_raw_files(names, FIXTURES / "e2e", raw)
    return raw
