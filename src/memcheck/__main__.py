"""`python -m memcheck`: the `memcheck` command line (what the herd7 shim runs)."""
from .cli import main

main(prog_name="memcheck")
