"""Fast tests, run at every change (`make check`): no whole-graph run, no night, no PostgreSQL."""
