"""Agency notifications: outbox rows (never tip content) drained by the worker."""
