"""The honest floor: the least work that reads the survey exports and gives the survey marts.

What it does, and nothing else: reads every export shape of the benchmark folder keeping only
the columns the marts need (DuckDB's CSV reader for the UTF-8 exports, fastexcel for the Kobo
workbook, the tiny hand-typed files decoded in Python), maps answer labels back to choice
names where a file was exported with labels, keeps the latest version of each submission,
and rolls up every satisfaction indicator and option share over every geography × breakdown
in one GROUPING SETS pass from cells (commune × dimensions). No validation, no quarantine, no
provenance, no hashing, no publication: the pipeline (`benchmarks/materialize.py`) is
measured against this (`benchmarks/benchmark.py`).

Which columns a file has is read from its header line with the project's header mapping
(`citizen_metrics.ingest.readers.survey.survey_layout`): metadata, not data.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import resource
import sys
import time
from itertools import combinations
from pathlib import Path

import duckdb
import fastexcel
import pyarrow as pa
import pyarrow.csv as pacsv

from citizen_metrics.ingest.readers.grids import decode_text, is_workbook, sniff_delimiter
from citizen_metrics.ingest.readers.survey import (
    SUBMISSION_ID_HEADERS,
    SUBMISSION_TIME_HEADERS,
    SurveyLayout,
    survey_layout,
)
from citizen_metrics.ingest.xlsform import SurveyForm, header_key, load_form
from citizen_metrics.settings import Settings

DIMENSIONS = ("sex", "age_group", "disability", "residence")


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _label_maps(form: SurveyForm) -> dict[str, str]:
    """question -> a DuckDB map literal from every French or Arabic label to its name."""
    maps = {}
    for name in form.answer_fields:
        question = form.question(name)
        if not question.is_select_one:
            continue
        pairs = {label: choice.name for choice in form.choices.get(question.list_name or "", ())
                 for label in choice.labels.values()}
        if pairs:
            entries = ", ".join(f"{_literal(k)}: {_literal(v)}" for k, v in pairs.items())
            maps[name] = f"map {{{entries}}}"
    return maps


def _select(layout: SurveyLayout, headers: list[str], form: SurveyForm, labelled: bool,
            maps: dict[str, str]) -> str:
    """The columns the marts need, under the form's names, from one file's columns."""
    def column(index: int | None) -> str:
        return "null::varchar" if index is None else _quoted(headers[index])

    parts = [
        f"regexp_replace({column(layout.submission_id_column)}, '^uuid:', '') as submission_id",
        f"{column(layout.submission_time_column)} as submitted_at",
    ]
    for name in form.answer_fields:
        source = column(layout.question_columns.get(name))
        if labelled and name in maps:
            source = f"coalesce({maps[name]}[{source}], {source})"
        parts.append(f"{source} as {name}")
    return ", ".join(parts)


def _header(path: Path) -> tuple[list[str], str, str]:
    """A text export's header, delimiter and encoding, from its first line."""
    head = path.open("rb").read(1 << 16)
    text, encoding = decode_text(head) if not head.startswith(codecs.BOM_UTF8) else (
        head.decode("utf-8-sig", errors="replace"), "utf-8")
    line = text.lstrip("\ufeff").splitlines()[0]
    delimiter = sniff_delimiter(line)
    return next(csv.reader(io.StringIO(line), delimiter=delimiter)), delimiter, encoding


def read_exports(con: duckdb.DuckDBPyConnection, raw_dir: Path, form: SurveyForm) -> int:
    """`exports`: every survey export's needed columns, one row per data row."""
    maps = _label_maps(form)
    lookup = form.header_lookup()
    kept = {header_key(name) for name in (*SUBMISSION_ID_HEADERS, *SUBMISSION_TIME_HEADERS)}

    def needed(header: str) -> bool:
        key = header_key(header)
        return key in kept or key.rsplit("/", 1)[-1] in kept or (
            key in lookup and lookup[key][0] in form.answer_fields and lookup[key][1] is None)

    selects = []
    for number, path in enumerate(sorted(raw_dir.iterdir())):
        if is_workbook(path.open("rb").read(8)):
            workbook = fastexcel.read_excel(str(path))
            if "participants" in workbook.sheet_names:
                continue  # a workshop register
            table = workbook.load_sheet(
                0, header_row=0, use_columns=lambda c: needed(c.name), dtypes="string"
            ).to_arrow()
            headers = table.column_names
            layout = survey_layout(headers, form)
            if layout is None:
                continue
            name = f"workbook_{number}"
            con.register(name, table)
            source = name
        else:
            headers, delimiter, encoding = _header(path)
            layout = survey_layout(headers, form)
            if layout is None:
                continue
            if encoding.startswith("utf-8"):
                source = (f"read_csv({_literal(str(path))}, delim = {_literal(delimiter)}, "
                          "quote = '\"', escape = '\"', header = true, all_varchar = true)")
            else:  # a hand-typed file of a few kilobytes: decoded in Python
                text, _ = decode_text(path.read_bytes())
                table = pacsv.read_csv(
                    io.BytesIO(text.encode()),
                    parse_options=pacsv.ParseOptions(delimiter=delimiter,
                                                     newlines_in_values=True),
                    convert_options=pacsv.ConvertOptions(
                        column_types=dict.fromkeys(headers, pa.string())),
                )
                name = f"paper_{number}"
                con.register(name, table)
                source = name
        labelled = layout.shape == "paper" or not any(
            headers[i] == q.name or headers[i].endswith("/" + q.name)
            or headers[i].endswith("-" + q.name)
            for q_name, i in layout.question_columns.items()
            for q in [form.question(q_name)]
        )
        selects.append(f"select {_select(layout, headers, form, labelled, maps)} from {source}")
    con.execute("create table exports as " + " union all by name ".join(selects))
    con.execute("delete from exports where commune like '#%'")  # Kobo's hashtag line
    return con.execute("select count(*) from exports").fetchone()[0]  # type: ignore[index]


def roll_up(con: duckdb.DuckDBPyConnection, form: SurveyForm) -> int:
    """Latest versions, cells, then every geography × breakdown in one GROUPING SETS pass."""
    communes = Settings.from_env().reference_dir / "communes.csv"
    wg = ", ".join(form.washington_group_items)
    con.execute(
        f"""
        create table responses as
        with latest as (
            select * from exports where consent = 'yes' and submission_id <> ''
            qualify row_number() over (partition by submission_id
                                       order by submitted_at desc) = 1
        )
        select l.*, c.province_code, c.commune_code,
               case when try_cast(age as int) between 15 and 29 then 'youth'
                    when try_cast(age as int) between 30 and 59 then 'adult'
                    when try_cast(age as int) >= 60 then 'senior' else 'unknown' end
                   as age_group,
               case when list_has_any([{wg}], ['3', '4']) then 'with_disability'
                    else 'without_disability' end as disability,
               coalesce(milieu, 'unknown') as residence,
               c.population_2024::double
                   / count(*) over (partition by c.commune_code) as weight
        from latest l
        join read_csv({_literal(str(communes))}, all_varchar = true) c
            on c.commune_code = lpad(l.commune, 9, '0')
        """
    )
    likert = form.likert_questions
    options = {q: form.choice_names(q) for q in (*form.multi_select_questions,
                                                 *form.yes_no_items)}
    sums = []
    for q in likert:
        score = f"try_cast({q} as int)"
        sums += [f"count(*) filter ({score} between 1 and 5) as {q}__n",
                 f"sum({score}) filter ({score} between 1 and 5) as {q}__sum",
                 f"sum(weight) filter ({score} between 1 and 5) as {q}__w",
                 f"sum(weight) filter ({score} between 4 and 5) as {q}__w_sat"]
    for q, names in options.items():
        for option in names:
            test = (f"list_contains(string_split({q}, ' '), '{option}')"
                    if q in form.multi_select_questions else f"{q} = '{option}'")
            sums.append(f"sum(weight) filter ({test}) as {q}__{option}__w")
    con.execute(
        f"create table cells as select province_code, commune_code, {', '.join(DIMENSIONS)}, "
        f"count(*) as n, sum(weight) as w, {', '.join(sums)} from responses group by all"
    )
    measures = [c for (c,) in con.execute(
        "select column_name from information_schema.columns where table_name = 'cells' "
        "and column_name like '%\\_\\_%' escape '\\'").fetchall()]
    breakdowns = [(), *((d,) for d in DIMENSIONS), *combinations(DIMENSIONS, 2)]
    sets = ", ".join("(" + ", ".join(b) + ")" for b in breakdowns)
    con.execute(
        f"""
        create table marts as
        select province_code, commune_code, {", ".join(DIMENSIONS)}, sum(n) as n,
               {", ".join(f"sum({m}) as {m}" for m in measures)}
        from cells
        group by grouping sets ((province_code, commune_code), (province_code), ()),
                 grouping sets ({sets})
        """
    )
    return con.execute("select count(*) from marts").fetchone()[0]  # type: ignore[index]


def main(root: Path) -> None:
    form = load_form(Settings.from_env().survey_form)
    started = time.perf_counter()
    con = duckdb.connect()
    con.execute("set enable_progress_bar = false")
    rows_read = read_exports(con, root / "raw", form)
    read_seconds = time.perf_counter() - started
    mart_rows = roll_up(con, form)
    responses = con.execute("select count(*) from responses").fetchone()[0]  # type: ignore[index]
    print(json.dumps({
        "wall_seconds": round(time.perf_counter() - started, 3),
        "read_seconds": round(read_seconds, 3),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "rows_read": rows_read,
        "responses": responses,
        "mart_rows": mart_rows,
    }))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
