"""``python -m trialkg`` runs the command-line interface."""

from trialkg.cli import main

main()
