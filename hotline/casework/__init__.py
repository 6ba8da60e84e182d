"""Tip casework: workflow, assignment, recipients (one row per agency), notes, SLA."""
