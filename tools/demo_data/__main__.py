"""`python -m tools.demo_data --out FOLDER`: write the demo input files (see `--help`)."""

from tools.demo_data.generator import main

raise SystemExit(main())
