"""Every bound simvalue puts on input and on work, in one place, each with the reason for its size.

Numbers outside these bounds are typos or hostile input, not models: a duration of 10^300 hours,
a YAML file nested 100,000 deep, a CAB meeting every millisecond. The loader, the checks and the
work budget read their limits from here, so a reader finds every bound (and its why) in one file.
"""

from __future__ import annotations

# -- numbers in a scenario -----------------------------------------------------------------------
#: Longest duration accepted anywhere (hours): 1,000 years. Longer is a typo, and keeping every
#: duration below it keeps sums of many durations far from float overflow.
MAX_HOURS = 1000 * 8766.0
#: Highest rate (events per hour): a million an hour; the work budget refuses long runs far sooner.
MAX_RATE_PER_HOUR = 1e6
#: Largest money amount (a penalty, an investment) and money rate per hour: products with hours and
#: item counts stay finite (1e12 x 1e7 h x 1e8 items is 1e27, far from overflow).
MAX_MONEY = 1e12
#: Most people in one team (or items per CAB meeting): more is a typo; memory is per person.
MAX_CAPACITY = 100_000
#: Coefficient of variation bounds: below, use a fixed duration; above, the distribution's tail
#: would overflow sampling (lognormal sigma, gamma shape 1/cv^2).
MIN_CV, MAX_CV = 1e-3, 100.0
#: Weibull shape bounds: below 0.1 the mean is Gamma(1 + 1/shape) times the scale (over 10^6 at
#: 0.1, overflow at 0.006); above 1,000 it is a fixed duration in all but name.
MIN_WEIBULL_SHAPE, MAX_WEIBULL_SHAPE = 0.1, 1000.0
#: Largest arrival-profile multiplier (they are relative; only their ratios matter).
MAX_PROFILE_MULTIPLIER = 1e6
#: Most values in an empirical distribution written in the scenario.
MAX_EMPIRICAL_VALUES = 100_000
#: Most open items at the start (``initial:``): a desk's open tickets number in the thousands; a
#: hundred thousand is the wrong export (closed tickets too) or a typo in a count. (A million took over
#: 60 s and 1.8 GB a replication: each is placed, queued and recorded unfinished.)
MAX_INITIAL_ITEMS = 100_000
#: Largest snapshot file of open tickets read (bytes): a hundred thousand rows of about 80 characters.
MAX_SNAPSHOT_BYTES = 8 * 1024 * 1024
#: Longest name of an activity as a step's log label (and of a team member): an event log's activity
#: longer than this is refused when the log is read, not written into a scenario that check refuses.
MAX_LABEL = 200
#: Years an event log's timestamps may lie in: outside them a date is a typo or a sentinel (9999-12-31),
#: and a case spanning millennia would be simulated as one.
LOG_YEARS = (1900, 2200)
#: Oldest open ticket (years before the scenario's start): older is a typo in the year (0001-...).
MAX_TICKET_AGE_YEARS = 100
#: Most items one spawn entry may create at once (``spawn: {type: incident, count: 3}``), and most
#: entries under one step's ``spawn``: a linked record raises a handful, never thousands.
MAX_SPAWN_COUNT = 1_000
MAX_SPAWN_ENTRIES = 100

#: Longest text of one duration or rate ("20min", "40/d"): a number and a unit fit in 64 characters;
#: the parsing regular expressions would backtrack for minutes over a megabyte of digits.
MAX_QUANTITY_TEXT = 64

# -- event logs ----------------------------------------------------------------------------------
#: Most rows (events) of an event log read by calibrate: a year of a large service desk is about a
#: million; each row costs a few hundred bytes as text, so this is about 2 GB at most.
MAX_LOG_ROWS = 5_000_000
#: Most bytes of an event log read (after decompression; Parquet: its uncompressed size): a 7 MB gzip
#: inflating to 720 MB is a bomb, not an export.
MAX_LOG_BYTES = 512 * 1024 * 1024

# -- YAML ----------------------------------------------------------------------------------------
#: Largest scenario or variant file read (bytes). Real scenarios are a few kilobytes.
MAX_YAML_BYTES = 2 * 1024 * 1024
#: Deepest nesting of mappings and lists. Real scenarios nest about 8 deep.
MAX_YAML_DEPTH = 64
#: Most nodes a document may expand to once aliases are followed (a "billion laughs" guard).
MAX_YAML_NODES = 50_000

# -- work ----------------------------------------------------------------------------------------
#: Expected visits of one step per item (traffic equations): more means a loop that almost never
#: exits (a rework probability of 0.9999), which is a typo, not a process.
MAX_VISITS_PER_ITEM = 1_000.0
#: Most step entries one item may make in a run: stops a zero-time loop that the clock cannot end.
MAX_STEP_ENTRIES_PER_ITEM = 100_000
#: Default budget of simulated events per call of simulate (all replications): under a minute on
#: one core at the engine's speed (about 250k events per second with results built). Raise it with ``max_events`` / ``--max-events`` for big studies.
DEFAULT_MAX_EVENTS = 10_000_000
#: Share of the memory available (the smaller of free memory and the address-space limit) that one
#: call may plan to use for its records; the rest is for pandas' copies and the interpreter.
MEMORY_SHARE = 0.5
#: Bytes held per recorded step execution and per item, records and result frames together
#: (measured: benchmarks/engine_throughput.py reports memory per 100k items).
BYTES_PER_STEP_RECORD = 200
BYTES_PER_ITEM_RECORD = 300
#: A run that keeps no event rows (``record="items"`` or ``"summary"``) folds its finished items into
#: tallies once this many have been recorded: memory then stays near this many items' records plus
#: the step records of the items in flight, whatever the horizon.
FOLD_ITEMS = 32_768
#: Most points in a sweep design.
MAX_SWEEP_POINTS = 100_000
#: Default budget of a whole sweep, in events (points x replications x (events of a replication +
#: SWEEP_TASK_EVENTS)): about half an hour on one core. A 100,000-point grid of a small desk is 3e9
#: (about 100 minutes on two cores) and needs asking for: ``max_total_events`` / ``--max-total-events``.
DEFAULT_MAX_SWEEP_EVENTS = 500_000_000
#: The fixed cost of one sweep task (a point's run built, one replication's results and metrics), counted
#: as events: about 60 ms a task against the engine's 250,000 events a second (tests measured 63 ms a
#: task for 480-event replications, 195 ms for 48,000-event ones on the 2-core development machine).
SWEEP_TASK_EVENTS = 15_000
#: Simulated events a second on one core, results built (benchmarks/engine_throughput.py): turns a work
#: estimate into seconds.
EVENTS_PER_SECOND = 250_000
#: A sweep estimated to take less than this (seconds on one core) runs in this process even when a
#: process pool is asked for: starting the pool's workers costs about 2 s (one point x 8 short
#: replications on 2 workers took 0.76 of the serial time).
SMALL_SWEEP_SECONDS = 2.0
#: Most events one replication may need (estimated at check): beyond it the run would take many
#: minutes per replication; the cause is a typo (180w for 180d, a CAB meeting every second).
MAX_EVENTS_PER_REPLICATION = 100_000_000
#: Most changes over time: each is a whole scenario validated and compiled (about 20 ms each).
MAX_CHANGES = 100
#: Most holidays in one list (a century of public holidays is about 1,500).
MAX_HOLIDAYS = 10_000
#: Most holiday entries all distinct team calendars may hold together (teams and changes over time that
#: keep a calendar share one): each costs about 0.4 kB of tables, so this is about 400 MB.
MAX_SCHEDULE_HOLIDAYS = 1_000_000
#: Most people named in one team's ``members`` (what calibrate writes: the log's resources of that team).
MAX_MEMBERS = 10_000
#: Most shifts of one team (a rota with one entry per day and hour of the week is 168).
MAX_SHIFTS = 1_000
#: Most variants in one comparison (its tables and figures grow with them); a sweep takes more.
MAX_VARIANTS = 50
#: Most local sweep workers per core: each is a Python process of about 100 MB and points are
#: CPU-bound, so more workers only fill memory.
MAX_WORKERS_PER_CORE = 2

#: Most times one caller may give up and ring back on one visit of a step (``on_abandon: {retry}``): a
#: retry probability near 1 with a short patience would otherwise ring back for ever; after this many
#: the caller leaves, abandoned.
MAX_ABANDON_RETRIES = 100

#: Teams one work step may name (shared staff, ``team: [a, b]``): a handful, searched at every entry.
MAX_SHARED_TEAMS = 8

#: Attributes a demand type may declare, and values per attribute (each a class of the traffic equations).
MAX_ATTRIBUTES, MAX_ATTRIBUTE_VALUES = 4, 20
#: Most classes one demand type may split into (its priorities times every combination of attribute values):
#: the checks solve the traffic equations per class; 160,000 (4 x 20 values) filled 4 GB, 8,000 took 4 s.
MAX_ITEM_CLASSES = 2_000
