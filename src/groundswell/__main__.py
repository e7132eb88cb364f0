"""``python -m groundswell``: the command line, as the ``groundswell`` script."""

from groundswell.cli import main

main()
