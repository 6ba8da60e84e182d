"""Campaigns: messages, segments, schedules, two-person approval, outbox and results."""
