"""The programme managers' report: one static HTML file in French, with Arabic names,
built from the published marts (`data/marts/report/rapport.html`).

`data` reads the published database, `figures` builds the Plotly charts, `page` assembles
the page; `build_report` does all three.
"""

from citizen_metrics.publish.report.page import (
    REPORT_DIR_NAME,
    REPORT_FILE_NAME,
    ReportSummary,
    build_report,
)

__all__ = ["REPORT_DIR_NAME", "REPORT_FILE_NAME", "ReportSummary", "build_report"]
