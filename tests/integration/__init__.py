"""The whole graph materialized (end-to-end runs, nights, recovery, incremental runs) and
what is built from its marts; slow property tests."""
