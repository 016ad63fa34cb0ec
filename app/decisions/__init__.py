"""Ranking and decisions: calibrated scores, the suggested award set, and (later) the pages."""
