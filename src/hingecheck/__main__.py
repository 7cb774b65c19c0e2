"""``python -m hingecheck`` runs the command line."""

from hingecheck.cli import app

app(prog_name="hingecheck")
