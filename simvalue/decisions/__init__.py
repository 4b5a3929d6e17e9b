"""Deciding: comparisons of scenarios, business cases, rankings, their plausibility and the verdicts in words."""
