"""Running a scenario and measuring it: simulate, the work budget, the result frames, streamed summaries, tallies, SLA clocks, chains, backlog, metrics and statistics."""
