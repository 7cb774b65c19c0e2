"""``python -m hingecheck`` runs the command line."""

from hingecheck.cli.main import app

app(prog_name="hingecheck")
