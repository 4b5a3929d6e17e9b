"""Working time: weekly patterns (week.py), shifts and holidays on the clock (schedule.py), and their spellings
(spelling.py), read once into typed values."""
