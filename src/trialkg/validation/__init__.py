"""Validation engines (see :mod:`trialkg.validate` for the report and the command)."""
