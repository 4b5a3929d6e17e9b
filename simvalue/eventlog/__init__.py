"""Event logs in and out: read real logs (CSV, Parquet, XES) and write simulated ones in pm4py's form.

Both directions use our own code (a streaming XES reader and writer); pm4py is AGPL and appears
only in the tests, to check that it opens what we write.
"""

from .read import EventLogError, EventLogWarning, read_log
from .write import ARRIVAL, EVENT_FORMATS, event_log, write_csv, write_log, write_parquet, write_xes

__all__ = ["ARRIVAL", "EVENT_FORMATS", "EventLogError", "EventLogWarning", "event_log", "read_log", "write_csv",
           "write_log", "write_parquet", "write_xes"]
