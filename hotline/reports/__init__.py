"""Hotline figures for supervisors and the 6-monthly / annual reports to the province."""
