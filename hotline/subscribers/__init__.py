"""Campaign subscribers: minimal data under a pseudonym, the address encrypted."""
