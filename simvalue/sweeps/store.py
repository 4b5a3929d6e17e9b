"""A resumable Parquet dataset: one file per finished point (all its replications), written atomically,
plus a manifest.

Running the same sweep with the same output skips the points already on disk; a different sweep
into the same folder is refused rather than mixed in.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
import warnings
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from ..errors import SimvalueError

MANIFEST = "_sweep.json"


class SweepStoreError(SimvalueError):
    """The output folder holds a different sweep (or is not a sweep folder)."""


def fingerprint(spec: dict[str, Any]) -> str:
    """A stable hash of everything that determines a sweep's results."""
    return hashlib.sha256(json.dumps(spec, sort_keys=True, default=str).encode()).hexdigest()[:16]


class SweepStore:
    """The folder ``path`` (conventionally ``sweep.parquet``) holding one Parquet file per point."""

    def __init__(self, path: str | Path, spec: dict[str, Any]) -> None:
        self.path = Path(path)
        self.key = fingerprint(spec)
        self.spec = spec

    def open(self) -> set[int]:
        """Create or reopen the folder; return the points already done."""
        manifest = self.path / MANIFEST
        if self.path.exists() and not self.path.is_dir():
            raise SweepStoreError(f"{self.path}: exists and is not a folder; a sweep writes a Parquet dataset folder")
        if manifest.exists():
            stored = _manifest(manifest)
            if stored.get("key") != self.key:
                raise SweepStoreError(f"{self.path}: holds a different sweep (other scenario, parameters, design, "
                                      "seed, replications or metrics); choose another output or remove it")
        elif self.path.exists() and any(self.path.iterdir()):
            raise SweepStoreError(f"{self.path}: is not empty and has no {MANIFEST}; choose another output")
        else:
            self.path.mkdir(parents=True, exist_ok=True)
            _atomic_write(manifest, lambda p: Path(p).write_text(json.dumps({"key": self.key, "spec": self.spec},
                                                                             indent=2, default=str)))
        for stale in self.path.glob(".point-*"):
            stale.unlink()  # a point killed mid-write; it is run again
        return {point for point, _ in self._points()}

    def _points(self) -> list[tuple[int, Path]]:
        """The stored points whose files read back; a damaged one is removed and will run again."""
        points = []
        for file in sorted(self.path.glob("point-*.parquet")):
            match = _POINT.fullmatch(file.name)
            if match is None:
                continue  # not ours: left alone, never read
            try:
                pq.read_metadata(file)
            except (OSError, ValueError, pa.ArrowException):
                warnings.warn(f"{file}: damaged; the point runs again", UserWarning, stacklevel=3)
                file.unlink()
                continue
            points.append((int(match.group(1)), file))
        return points

    def write(self, point: int, rows: pd.DataFrame) -> None:
        """Write one finished point (a crash mid-write leaves no partial file behind)."""
        _atomic_write(self.path / f"point-{point:06d}.parquet", lambda p: rows.to_parquet(p, index=False))

    def read(self) -> pd.DataFrame:
        """Every finished point, sorted by point and replication."""
        files = [file for _, file in self._points()]
        if not files:
            return pd.DataFrame()
        frame = pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)
        return frame.sort_values(["point", "replication"], ignore_index=True)


_POINT = re.compile(r"point-(\d{6,})\.parquet")


def _manifest(path: Path) -> dict[str, Any]:
    """The stored manifest, or a one-line error when it is not one of ours."""
    try:
        stored = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SweepStoreError(f"{path}: not a sweep manifest ({exc}); choose another output or remove it") from None
    if not isinstance(stored, dict):
        raise SweepStoreError(f"{path}: not a sweep manifest (expected a mapping); choose another output")
    return stored


def _atomic_write(final: Path, write) -> None:
    handle, temporary = tempfile.mkstemp(prefix=f".{final.name}.", dir=final.parent)
    os.close(handle)
    try:
        write(temporary)
        os.chmod(temporary, 0o644)
        os.replace(temporary, final)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
