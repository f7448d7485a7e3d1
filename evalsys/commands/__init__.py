"""CLI commands, one module per topic; :mod:`evalsys.cli` registers them on the app."""
