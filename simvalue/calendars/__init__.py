"""Working time: weekly patterns, shifts and holidays on the clock (schedule.py), and their spellings (spelling.py)."""
