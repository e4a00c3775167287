"""The test suite: unit/, integration/, deploy/ (see support.py)."""
