"""``python -m gdlab`` runs the same CLI as the ``gdlab`` command."""

from gdlab.cli import main

main()
