"""The Definitions object loads, validates and wires what the UI and the schedule expect."""

from __future__ import annotations

import dagster as dg

from assets.definitions import defs


def test_definitions_validate() -> None:
    dg.Definitions.validate_loadable(defs)


def test_every_asset_has_a_group_and_a_description() -> None:
    graph = defs.resolve_asset_graph()
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        assert node.group_name in {"reference", "raw", "validated", "marts", "quality",
                                   "labels", "publication"}, key
        assert node.description and len(node.description) > 40, key


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
    # 17 before the labels: + reference_labels, 6 label tables, the report, the publication
    assert len(job.asset_layer.executable_asset_keys) == 26
    schedule = defs.resolve_schedule_def("nightly_citizen_metrics")
    assert schedule.cron_schedule == "0 2 * * *"
    assert schedule.execution_timezone == "Africa/Casablanca"
    assert defs.resolve_sensor_def("new_raw_files").job_name == "citizen_metrics_job"


def test_conservation_check_blocks_publication() -> None:
    graph = defs.resolve_asset_graph()
    checks = {key.name: graph.get_check_spec(key) for key in graph.asset_check_keys}
    assert checks["every_row_accounted_for"].blocking
    assert checks["no_estimate_below_threshold"].blocking
