"""Agencies that receive routed tips: police, Border Guard, social services, 111, the desk."""
