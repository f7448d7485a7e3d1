"""``python -m evalsys`` runs the command line."""

from evalsys.cli import main

main()
