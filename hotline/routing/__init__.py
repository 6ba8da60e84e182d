"""Tip routing: a pure rules engine over the province table and the rules in content/."""
