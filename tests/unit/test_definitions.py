"""The Definitions object loads, validates and wires what the UI and the schedule expect."""

from __future__ import annotations

import re
from datetime import timedelta

import dagster as dg

from citizen_metrics.build.steps import WRITER
from citizen_metrics.defs.definitions import defs
from citizen_metrics.tables import TABLES, published_tables


def test_definitions_validate() -> None:
    dg.Definitions.validate_loadable(defs)


def test_every_asset_has_a_group_and_a_description() -> None:
    graph = defs.resolve_asset_graph()
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        assert node.group_name in {"reference", "staging", "intermediate", "marts",
                                   "labels", "quality", "publication"}, key
        assert node.description and len(node.description) > 40, key
        assert node.owners, key
        assert {"layer", "domain", "data"} <= set(node.tags), key
        assert node.code_version, key
        # What the table is for, not how it is built: no table names, no method names.
        assert not re.search(r"\b(int|stg|ref)_\w+|Kish|pandera|SQL", node.description), key


def test_every_warehouse_table_is_an_asset_of_its_layer() -> None:
    """One asset per declared table, named like it, in the group of its layer, with the
    declared columns as its column schema; its dependencies are the tables its step reads."""
    graph = defs.resolve_asset_graph()
    keys = {key.to_user_string() for key in graph.get_all_asset_keys()}
    assert keys == set(TABLES) | {"citizen_metrics_database", "mart_exports",
                                  "manager_report", "published_marts"}
    for name, table in TABLES.items():
        node = graph.get(dg.AssetKey(name))
        assert node.group_name == table.layer, name
        assert node.description == table.description  # French first, English beside
        assert node.description.startswith(table.description_fr)
        schema = node.metadata["dagster/column_schema"].schema
        assert [c.name for c in schema.columns] == [f.name for f in table.fields], name
        parents = {key.to_user_string() for key in node.parent_keys}
        assert parents == set(WRITER[name].reads), name
    # Dependencies come from the SQL files' ref() calls.
    assert {key.to_user_string() for key in
            graph.get(dg.AssetKey("mart_equity_gaps")).parent_keys} == {
        "int_survey_rollup", "mart_survey_indicators", "ref_geography"}


def test_the_published_figures_are_expected_daily() -> None:
    graph = defs.resolve_asset_graph()
    for name in (*published_tables(), "citizen_metrics_database", "mart_exports",
                 "manager_report", "published_marts"):
        policy = graph.get(dg.AssetKey(name)).freshness_policy
        assert policy is not None and policy.fail_window.to_timedelta() == timedelta(hours=26)
    assert graph.get(dg.AssetKey("int_survey_responses")).freshness_policy is None


def test_warehouse_writers_share_one_pool() -> None:
    graph = defs.resolve_asset_graph()
    outside = {
        key.to_user_string()
        for key in graph.get_all_asset_keys()
        if set(graph.get(key).pools or ()) != {"duckdb_warehouse"}
    }
    # Only the exports and the report, which read tonight's database, and the publication,
    # which swaps tonight's files in, are outside.
    assert outside == {"mart_exports", "manager_report", "published_marts"}


def test_job_schedule_and_sensor() -> None:
    job = defs.resolve_job_def("citizen_metrics_job")
    # One asset per declared table, then the database, its exports, the report and the
    # publication of the three together.
    assert len(job.asset_layer.executable_asset_keys) == len(TABLES) + 4
    schedule = defs.resolve_schedule_def("nightly_citizen_metrics")
    assert schedule.cron_schedule == "0 2 * * *"
    assert schedule.execution_timezone == "Africa/Casablanca"
    assert defs.resolve_sensor_def("new_raw_files").job_name == "citizen_metrics_job"


def test_conservation_check_blocks_publication() -> None:
    graph = defs.resolve_asset_graph()
    checks = {key.name: graph.get_check_spec(key) for key in graph.asset_check_keys}
    assert checks["every_row_accounted_for"].blocking
    assert checks["no_estimate_below_threshold"].blocking


def test_every_asset_check_says_what_it_verifies_in_french_first() -> None:
    """Managers and clerks read the checks in Dagster's UI: French first, the English after
    "EN:", as table descriptions are; a docstring alone would show English only."""
    graph = defs.resolve_asset_graph()
    specs = [graph.get_check_spec(key) for key in graph.asset_check_keys]
    assert len(specs) >= 9
    english_words = re.compile(r"\b(the|every|rows?|tonight|figures?|no|of)\b", re.I)
    for spec in specs:
        assert spec.description, spec.name
        french, separator, english = spec.description.partition("\n\nEN: ")
        assert separator and french and english, spec.name
        # the French says it in French: no English word, some French one
        assert not english_words.search(french), (spec.name, french)
        assert re.search(r"\b(les?|la|des?|du|aucune?|chaque)\b", french), spec.name
        assert english_words.search(english), (spec.name, english)
