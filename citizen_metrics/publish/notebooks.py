"""Execute the analysts' notebooks (jupytext scripts in `notebooks/`) and export them to HTML.

    make notebooks                      # every notebook, into data/marts/notebooks/*.html
    python -m citizen_metrics.publish.notebooks notebooks/02_satisfaction_by_service_and_group.py \\
        --parameter GEOGRAPHY_CODE=050910101

Notebooks live in git as `py:percent` scripts (readable diffs, no outputs); jupytext turns
them into notebooks, nbclient runs them in a fresh kernel on the published marts (the
kernel inherits `PIPELINE_MARTS_DIR`), nbconvert writes the HTML. Parameters replace the
values of the cell tagged `parameters` (as papermill does) by a cell inserted after it.

The HTML works offline, from a shared folder or an e-mail: it fetches nothing. In a kernel,
Plotly shows a figure as its JSON (its MIME type), which Jupyter draws; the export turns each
such figure into a `<div>` drawn by Plotly's JavaScript, embedded once in the page's head,
and leaves out what nbconvert's page would load from the internet (require.js, MathJax,
mermaid: the notebooks use none of them).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

import jinja2
import jupytext
import nbformat
import plotly.io as pio
from nbclient import NotebookClient
from nbconvert import HTMLExporter
from plotly.offline import get_plotlyjs

from citizen_metrics.settings import REPO_ROOT, Settings

NOTEBOOKS_DIR = REPO_ROOT / "notebooks"
KERNEL = "python3"
PLOTLY_MIMETYPE = "application/vnd.plotly.v1+json"

# nbconvert's `lab` page without what it would fetch from a CDN (require.js, MathJax, mermaid,
# the widgets' manager), with Plotly's JavaScript inline when the notebook has a figure.
OFFLINE_TEMPLATE = "citizen_metrics_offline.html.j2"
_OFFLINE_TEMPLATE_SOURCE = """\
{%- extends 'index.html.j2' -%}
{%- block html_head_js -%}
{%- if resources.plotly_js -%}
<script>window.PlotlyConfig = {MathJaxConfig: 'local'};</script>
<script>{{ resources.plotly_js }}</script>
{%- endif -%}
{%- endblock html_head_js -%}
{%- block jupyter_widgets -%}{%- endblock jupyter_widgets -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
"""


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
    # Figures as their JSON only (Jupyter's default), whatever the caller's environment asks
    # for: `to_html` draws them, offline.
    environment["PLOTLY_RENDERER"] = "plotly_mimetype"
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


def with_offline_figures(notebook: nbformat.NotebookNode) -> tuple[nbformat.NotebookNode, int]:
    """A copy of `notebook` where each Plotly figure also has its HTML (a `<div>` and the
    call that draws it, without Plotly's JavaScript and without MathJax), and the number of
    figures. HTML a renderer had put beside a figure (which may load MathJax from a CDN) is
    replaced. The `<div>`s are numbered in order, so that the same notebook gives the same
    page."""
    notebook = nbformat.from_dict(notebook)  # a deep copy: the caller's outputs stay as run
    figures = [output["data"] for cell in notebook.cells for output in cell.get("outputs", [])
               if PLOTLY_MIMETYPE in output.get("data", {})]
    for number, data in enumerate(figures, start=1):
        data["text/html"] = pio.to_html(
            dict(data[PLOTLY_MIMETYPE]), full_html=False, include_plotlyjs=False,
            include_mathjax=False, div_id=f"figure-{number}", default_width="100%",
            default_height=525, validate=False, config={"displaylogo": False})
    return notebook, len(figures)


def _title(notebook: nbformat.NotebookNode) -> str:
    """The page's title: the first heading of the notebook's markdown cells."""
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            heading = next((line.lstrip("#").strip() for line in cell.source.splitlines()
                            if line.startswith("#")), "")
            if heading:
                return heading
    return "Carnet"


def to_html(notebook: nbformat.NotebookNode) -> str:
    """The executed notebook as one HTML page, in French, that needs no network."""
    drawn, figures = with_offline_figures(notebook)
    exporter = HTMLExporter(
        template_name="lab", template_file=OFFLINE_TEMPLATE, language_code="fr",
        extra_loaders=[jinja2.DictLoader({OFFLINE_TEMPLATE: _OFFLINE_TEMPLATE_SOURCE})])
    resources = {"metadata": {"name": _title(notebook)},
                 "plotly_js": get_plotlyjs() if figures else ""}
    body, _ = exporter.from_notebook_node(drawn, resources=resources)
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
