"""`python -m conformance ...` is the `gwconform` command."""

from .cli import main

main(prog_name="gwconform")
