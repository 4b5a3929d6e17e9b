"""Charts: the house style (style.py) and every chart of results and decisions (plots.py)."""
