"""`python -m gdstudy.cli`: the same as the `gdstudy` command."""

from gdstudy.cli import main

main()
