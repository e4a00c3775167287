"""The analysts' notebooks read the published marts only, through public names, and the
exporter writes pages that need no network. These tests read the notebooks' sources and
export small notebooks built here; the notebooks themselves are run in
tests/integration/test_notebooks.py."""

from __future__ import annotations

import ast

import jupytext
import nbformat
import plotly.graph_objects as go
import plotly.io as pio
import pytest

from citizen_metrics.publish.notebooks import PLOTLY_MIMETYPE, notebook_paths, to_html
from tests.support import external_resources

# What a notebook may import from the package: the helper that opens the published marts.
PUBLIC_MODULES = {"citizen_metrics.publish.access"}
# Words of the private warehouse and of settings that lead to it.
PRIVATE = ("data/work", "warehouse", "PIPELINE_WORK_DIR", "work_dir", "settings")


def imported_modules(source: str) -> set[str]:
    """Every module an `import` or `from … import` of `source` names."""
    modules = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            modules |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            modules.add(node.module or "")
            modules |= {f"{node.module}.{alias.name}" for alias in node.names}
    return modules


def code_of(path) -> str:
    """The notebook's code cells (markdown may name a folder to explain it)."""
    notebook = jupytext.read(path)
    return "\n".join(cell.source for cell in notebook.cells if cell.cell_type == "code")


@pytest.mark.parametrize("path", notebook_paths(), ids=lambda path: path.name)
def test_a_notebook_reads_the_published_marts_only(path) -> None:
    code = code_of(path)
    ours = {module for module in imported_modules(code)
            if module.split(".")[0] == "citizen_metrics"}
    assert not {m for m in ours if m.startswith("citizen_metrics.publish.report")}
    assert {m for m in ours if m in PUBLIC_MODULES or m.rsplit(".", 1)[0] in PUBLIC_MODULES
            } == ours, "a notebook imports only open_marts' module from the package"
    assert "open_marts()" in code
    assert not [word for word in PRIVATE if word in code.lower()]


def test_the_import_check_sees_a_report_import() -> None:
    source = "from citizen_metrics.publish.report import charts\nimport citizen_metrics.x\n"
    assert imported_modules(source) >= {"citizen_metrics.publish.report",
                                         "citizen_metrics.publish.report.charts",
                                         "citizen_metrics.x"}


def notebook_with(*outputs: dict) -> nbformat.NotebookNode:
    cell = nbformat.v4.new_code_cell("figure")
    cell.outputs = [nbformat.v4.new_output("display_data", data=data) for data in outputs]
    return nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("# Un carnet\n\nTexte."), cell])


def test_a_figure_is_drawn_offline_with_plotly_once() -> None:
    spec = pio.to_json(go.Figure(go.Bar(x=[1, 2], y=["a", "b"])), validate=False)
    figure = {PLOTLY_MIMETYPE: pio.from_json(spec).to_plotly_json()}
    # what Plotly's `notebook` renderer puts beside a figure: MathJax from a CDN
    cdn = {**figure, "text/html": '<script src="https://cdnjs.cloudflare.com/ajax/libs/'
                                  'mathjax/3.2.2/es5/tex-svg.min.js"></script><div></div>'}
    html = to_html(notebook_with(figure, cdn))
    assert external_resources(html) == []
    assert "cdnjs" not in html  # nor require.js, MathJax or mermaid from nbconvert's page
    assert html.count("plotly.js v") == 1
    assert html.count("Plotly.newPlot(") == 2
    assert '<html lang="fr">' in html and "<title>Un carnet</title>" in html


def test_a_page_without_figures_carries_no_plotly() -> None:
    html = to_html(notebook_with({"text/plain": "rien"}))
    assert "plotly.js v" not in html
    assert external_resources(html) == []


def test_the_export_leaves_the_executed_notebook_as_it_was() -> None:
    figure = {PLOTLY_MIMETYPE: go.Figure(go.Bar(x=[1], y=["a"])).to_plotly_json()}
    notebook = notebook_with(figure)
    to_html(notebook)
    assert "text/html" not in notebook.cells[1].outputs[0]["data"]


@pytest.mark.parametrize("html", [
    '<script src="https://cdn.example/x.js"></script>',
    '<link rel="stylesheet" href="//cdn.example/x.css">',
    '<img src="http://example.org/logo.png">',
    "<style>@import url('theme.css');</style>",
    "<style>body { background: url(https://example.org/bg.png) }</style>",
    '<script type="module">await import("https://cdn.example/mermaid.mjs")</script>',
])
def test_the_offline_check_finds_a_fetch(html: str) -> None:
    assert external_resources(f"<html><head>{html}</head><body></body></html>") != []


def test_the_offline_check_lets_a_hyperlink_and_inline_code_be() -> None:
    page = ('<html><head><script>var u = "https://plotly.com/";</script>'
            '<style>a { color: red }</style></head><body>'
            '<a href="https://example.org">lien</a><img src="data:image/png;base64,AAAA">'
            "</body></html>")
    assert external_resources(page) == []
