"""``python -m service`` is the ``mrp`` command."""

from service.cli import main

main()
