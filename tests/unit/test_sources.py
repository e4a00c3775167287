"""The raw folder: which files are data, in which order, and what each one is."""

from __future__ import annotations

import os
from pathlib import Path

from citizen_metrics.ingest.sources import inventory, raw_files, scan, sniff
from citizen_metrics.settings import Settings
from tests.support import FIXTURES

LIMITS = Settings.from_env().read_limits


def _touch(path: Path, content: bytes, minute: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    stamp = 1_651_363_200 + 60 * minute
    os.utime(path, (stamp, stamp))


def test_regular_files_inside_the_raw_folder_in_arrival_order(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    _touch(raw / "b.csv", b"a;b\n1;2\n", 2)
    _touch(raw / "province" / "a.csv", b"a;b\n1;2\n", 1)
    _touch(raw / "README.md", b"drop files here", 0)
    _touch(raw / ".hidden.csv", b"a;b\n", 0)
    _touch(raw / "~$registre.xlsx", b"lock", 0)
    _touch(tmp_path / "elsewhere.csv", b"secret;file\n", 0)
    (raw / "link_out.csv").symlink_to(tmp_path / "elsewhere.csv")
    (raw / "link_in.csv").symlink_to(raw / "b.csv")
    os.mkfifo(raw / "pipe.csv")
    (raw / "loop.csv").symlink_to(raw / "loop.csv")
    (raw / "dangling.csv").symlink_to(raw / "gone.csv")
    (raw / "etc").symlink_to("/etc")
    names = [raw_file.name for raw_file in raw_files(raw)]
    # Hidden and lock files are no data; links out of the folder, loops, links to nothing
    # and pipes are not read, each rejected with its reason.
    assert set(names) == {"province/a.csv", "b.csv", "link_in.csv"}
    assert names.index("province/a.csv") < names.index("b.csv")  # older first
    rejected = {entry.name: entry.reason for entry in scan(raw).rejected}
    assert set(rejected) == {"link_out.csv", "pipe.csv", "loop.csv", "dangling.csv", "etc"}
    assert "vers l'extérieur du dossier" in rejected["link_out.csv"]
    assert "vers l'extérieur du dossier" in rejected["etc"]
    assert "tube nommé" in rejected["pipe.csv"]
    assert "boucle sur lui-même" in rejected["loop.csv"]
    assert "lien vers rien" in rejected["dangling.csv"]
    assert raw_files(tmp_path / "missing") == []


def test_files_are_told_apart_by_content(tmp_path: Path) -> None:
    _touch(tmp_path / "registre.dat", (FIXTURES / "e2e" / "registre_EXP01_2022-03.xlsx")
           .read_bytes(), 0)
    _touch(tmp_path / "export.xlsx", (FIXTURES / "shapes" / "kobo_export.xlsx").read_bytes(), 1)
    _touch(tmp_path / "notes.csv", b"anything;at all\n", 2)
    _touch(tmp_path / "empty.csv", b"", 3)
    _touch(tmp_path / "broken.xlsx", b"PK\x03\x04 not a zip at all", 4)
    kinds = {raw_file.name: sniff(raw_file, LIMITS)[0] for raw_file in raw_files(tmp_path)}
    assert kinds == {
        "registre.dat": "workshop_register",  # whatever its name
        "export.xlsx": "survey_export",
        "notes.csv": "survey_export",  # its reader decides from the headers
        "empty.csv": "unknown",
        "broken.xlsx": "unknown",
    }
    table = inventory(scan(tmp_path), LIMITS)
    assert table["file_order"].to_pylist() == [1, 2, 3, 4, 5]
    assert table["size_bytes"].to_pylist()[3] == 0
    assert len(table["sha256"][0].as_py()) == 64
