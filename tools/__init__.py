"""Developer tools of the project (not shipped in the wheel): the demo data generator."""
