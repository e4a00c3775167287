"""Execute the analysts' notebooks (jupytext scripts in `notebooks/`) and export them to HTML.

    make notebooks                      # every notebook, into data/marts/notebooks/*.html
    python -m citizen_metrics.publish.notebooks notebooks/02_satisfaction_by_service_and_group.py \\
        --parameter GEOGRAPHY_CODE=050910101

Notebooks live in git as `py:percent` scripts (readable diffs, no outputs); jupytext turns
them into notebooks, nbclient runs them in a fresh kernel on the published marts (the
kernel inherits `PIPELINE_MARTS_DIR`), nbconvert writes the HTML. Parameters replace the
values of the cell tagged `parameters` (as papermill does) by a cell inserted after it.
Figures are shown with Plotly's `notebook` renderer as well as its own MIME type, so they
are drawn in the exported HTML too (Plotly's JavaScript is embedded once per notebook).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

import jupytext
import nbformat
from nbclient import NotebookClient
from nbconvert import HTMLExporter

from citizen_metrics.settings import REPO_ROOT, Settings

NOTEBOOKS_DIR = REPO_ROOT / "notebooks"
KERNEL = "python3"


def notebook_paths(folder: Path = NOTEBOOKS_DIR) -> list[Path]:
    """The notebooks: jupytext scripts whose name starts with a number (`01_…`)."""
    return sorted(p for p in folder.glob("[0-9]*.py") if p.is_file())


def with_parameters(notebook: nbformat.NotebookNode,
                    parameters: dict[str, object]) -> nbformat.NotebookNode:
    """Insert `NAME = value` assignments after the cell tagged `parameters`."""
    if not parameters:
        return notebook
    index = next((i for i, cell in enumerate(notebook.cells)
                  if "parameters" in cell.get("metadata", {}).get("tags", [])), None)
    if index is None:
        raise ValueError("the notebook has no cell tagged 'parameters'")
    unknown = [name for name in parameters if f"{name} =" not in notebook.cells[index].source]
    if unknown:
        raise ValueError(f"not parameters of this notebook: {unknown}")
    source = "\n".join(f"{name} = {value!r}" for name, value in parameters.items())
    injected = nbformat.v4.new_code_cell(
        source="# Parameters\n" + source, metadata={"tags": ["injected-parameters"]})
    notebook.cells.insert(index + 1, injected)
    return notebook


def _client(path: Path, parameters: dict[str, object] | None,
            timeout: int) -> NotebookClient:
    notebook = with_parameters(jupytext.read(path), parameters or {})
    return NotebookClient(notebook, kernel_name=KERNEL, timeout=timeout,
                          resources={"metadata": {"path": str(path.parent)}})


def _environment(marts_dir: Path | None) -> dict[str, str]:
    environment = {**os.environ}
    python_path = [str(REPO_ROOT), *filter(None, [environment.get("PYTHONPATH")])]
    environment["PYTHONPATH"] = os.pathsep.join(python_path)
    if marts_dir is not None:
        environment["PIPELINE_MARTS_DIR"] = str(marts_dir)
    return environment


def execute(path: Path, parameters: dict[str, object] | None = None,
            marts_dir: Path | None = None, timeout: int = 300) -> nbformat.NotebookNode:
    """Run one notebook top to bottom in a new kernel; returns it with its outputs."""
    return execute_many([(path, parameters)], marts_dir, timeout)[0]


def execute_many(runs: list[tuple[Path, dict[str, object] | None]],
                 marts_dir: Path | None = None,
                 timeout: int = 300) -> list[nbformat.NotebookNode]:
    """Run several notebooks at once, each in its own kernel (kernels mostly wait on
    imports and I/O, so running them side by side takes about the time of the longest)."""
    environment = _environment(marts_dir)
    clients = [_client(path, parameters, timeout) for path, parameters in runs]

    async def run_all() -> None:
        # The kernel's own log (its start-up banner and warnings about local TCP sockets)
        # is of no use here: a failing cell raises CellExecutionError with its traceback.
        await asyncio.gather(*(client.async_execute(env=environment, stderr=subprocess.DEVNULL)
                               for client in clients))

    asyncio.run(run_all())
    return [client.nb for client in clients]


def to_html(notebook: nbformat.NotebookNode) -> str:
    body, _ = HTMLExporter().from_notebook_node(notebook)
    return body


def run(paths: Iterable[Path], out_dir: Path, parameters: dict[str, object]) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    chosen = list(paths)
    notebooks = execute_many([(path, parameters or None) for path in chosen])
    for path, notebook in zip(chosen, notebooks, strict=True):
        target = out_dir / f"{path.stem}.html"
        target.write_text(to_html(notebook), encoding="utf-8")
        print(f"{path.relative_to(REPO_ROOT) if path.is_relative_to(REPO_ROOT) else path}"
              f" -> {target}")
        written.append(target)
    return written


def _parameter(text: str) -> tuple[str, str]:
    name, _, value = text.partition("=")
    if not name.isidentifier() or not _:
        raise argparse.ArgumentTypeError(f"expected NAME=value, got {text!r}")
    return name, value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path,
                        help="jupytext scripts (default: every notebook in notebooks/)")
    parser.add_argument("--out", type=Path,
                        default=Settings.from_env().marts_dir / "notebooks",
                        help="where the HTML goes (default: data/marts/notebooks)")
    parser.add_argument("--parameter", action="append", type=_parameter, default=[],
                        help="NAME=value for the cell tagged `parameters` (text values)")
    args = parser.parse_args(argv)
    if not Settings.from_env().marts_database.exists():
        print("No published marts: run `make run` first.", file=sys.stderr)
        return 1
    run(args.notebooks or notebook_paths(), args.out, dict(args.parameter))
    return 0


if __name__ == "__main__":
    sys.exit(main())
