"""Peak memory of a night with a zip bomb in the raw folder: a workbook of about 1 MB whose
sheet inflates to 1 GB (`--inflated-mb`), dropped beside the test fixture's exports and
registers.

The run reads the sizes in the workbook's zip directory before any parser opens it
(`citizen_metrics.ingest.readers.grids.check_workbook_size`) and rejects it: its peak memory should
be the same as without the bomb. Prints both figures (MB) as JSON; each night runs in its own
process (`benchmarks.materialize`), so that its peak is its own.

    .venv/bin/python -m benchmarks.zip_bomb [--inflated-mb 1024]
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
FIXTURES = REPO_ROOT / "tests" / "fixtures" / "e2e"


def build_bomb(path: Path, inflated_mb: int) -> None:
    """A workbook (the parts Excel needs) whose one sheet is `inflated_mb` MB of spaces
    inside a valid sheet, deflated at the highest level: about 1 MB per GB on disk."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED,
                         compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", (
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats'
            '.org/package/2006/content-types"><Default Extension="xml" '
            'ContentType="application/xml"/></Types>'))
        archive.writestr("xl/workbook.xml", (
            '<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/'
            'spreadsheetml/2006/main"><sheets><sheet name="data" sheetId="1"/></sheets>'
            '</workbook>'))
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(b'<?xml version="1.0"?><worksheet><sheetData>')
            block = b" " * (1 << 20)
            for _ in range(inflated_mb):
                sheet.write(block)
            sheet.write(b"</sheetData></worksheet>")


def night(root: Path) -> dict[str, object]:
    """Materialize every asset on `root/raw` in a child process; its figures."""
    shutil.rmtree(root / "marts", ignore_errors=True)
    shutil.rmtree(root / "work", ignore_errors=True)
    done = subprocess.run([sys.executable, "-m", "benchmarks.materialize", str(root)],
                          cwd=REPO_ROOT, capture_output=True, text=True, check=True)
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inflated-mb", type=int, default=1024)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        shutil.copytree(FIXTURES, root / "raw")
        without = night(root)
        bomb = root / "raw" / "bombe.xlsx"
        build_bomb(bomb, args.inflated_mb)
        with_bomb = night(root)
        print(json.dumps({
            "bomb_bytes_on_disk": bomb.stat().st_size,
            "bomb_inflated_mb": args.inflated_mb,
            "peak_rss_mb_without_bomb": without["peak_rss_mb"],
            "peak_rss_mb_with_bomb": with_bomb["peak_rss_mb"],
            "success": [without["success"], with_bomb["success"]],
            "wall_seconds": [without["wall_seconds"], with_bomb["wall_seconds"]],
        }, indent=2))


if __name__ == "__main__":
    main()
