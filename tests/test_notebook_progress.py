"""The notebook progress bars (simvalue.notebook): each draws to completion, and tqdm loads only when
a bar is drawn. Outside Jupyter tqdm.auto draws text on stderr, which is what is read here."""

from __future__ import annotations

import subprocess
import sys

from simvalue import notebook


def test_bar_draws_replications_to_the_end(capsys):
    update = notebook.bar("replications")
    for done in range(1, 4):
        update(done, 3)
    drawn = capsys.readouterr().err
    assert "replications: 100%" in drawn and "3/3" in drawn
    update(1, 2)  # used again: a new bar
    update(2, 2)
    assert "2/2" in capsys.readouterr().err


def test_bars_draw_one_bar_per_scenario(capsys):
    update = notebook.bars()
    for done in (1, 2):
        update("baseline", done, 2)
        update("automate approvals", done, 2)
    drawn = capsys.readouterr().err
    assert "baseline: 100%" in drawn and "automate approvals: 100%" in drawn


def test_sweep_bar_starts_from_the_resumed_points(capsys):
    update = notebook.sweep_bar()
    update(3, 5, 3)  # as sweep calls it first when three of five points were resumed
    assert "3/5" in capsys.readouterr().err
    update(4, 5, 3)
    update(5, 5, 3)
    assert "points: 100%" in capsys.readouterr().err


def test_staff_bar_counts_candidates_and_shows_the_latest(capsys):
    update = notebook.staff_bar()
    update(1, 300, "desk=5: call 93.1%")
    update(2, 300, "desk=6: call 97.1%")
    drawn = capsys.readouterr().err
    assert "candidates: 2" in drawn and "desk=6: call 97.1%" in drawn


def test_tqdm_loads_only_when_a_bar_is_drawn():
    code = ("import sys, simvalue\nnotebook = simvalue.notebook\n"
            "notebook.bar(); print('tqdm' in sys.modules)\nnotebook.bar()(1, 1); print('tqdm' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["False", "True"]
