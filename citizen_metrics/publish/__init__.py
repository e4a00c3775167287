"""Publication: a night's marts database, exports, report and manifest, published as one unit
(`release`), with every spreadsheet cell safe to open (`spreadsheet`)."""
