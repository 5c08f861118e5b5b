"""What one ingest did: records loaded, replaced, unchanged, older, failed; and why it stopped."""

from __future__ import annotations

from dataclasses import dataclass, field

from trialkg.exceptions import RecordError

__all__ = ["OLDER", "UNCHANGED", "IngestReport"]

UNCHANGED = "unchanged"
OLDER = "older"


@dataclass
class IngestReport:
    """What one ingest did; ``errors`` holds one message per failed record or file."""

    loaded: int = 0
    replaced: int = 0
    unchanged: int = 0
    older: int = 0
    failed: int = 0
    triples: int = 0
    errors: list[str] = field(default_factory=list)
    #: What reading noticed in records that still loaded (unknown enumeration values).
    warnings: list[str] = field(default_factory=list)
    #: MeSH ids used by the studies written (to decide whether the MeSH graph needs a
    #: refresh); ``"*"`` when a record of another kind was written.
    mesh_ids: set[str] = field(default_factory=set)
    #: Ctrl-C stopped the ingest; the counts cover the batches committed before it.
    interrupted: bool = False
    #: An error stopped the ingest (the worker process died); ``errors`` says which, and the
    #: counts cover the batches committed before it.
    aborted: bool = False

    @property
    def ok(self) -> bool:
        return self.failed == 0 and not self.aborted

    def count(self, outcome: str | RecordError) -> None:
        """Count a record that was not written: ``unchanged``, ``older`` or an error."""
        if isinstance(outcome, RecordError):
            self.failed += 1
            self.errors.append(str(outcome))
        elif outcome == UNCHANGED:
            self.unchanged += 1
        else:
            self.older += 1

    @property
    def records(self) -> int:
        """Records read, whatever became of them (0: the input held none)."""
        return self.loaded + self.unchanged + self.older + self.failed

    def summary(self) -> str:
        """One line, e.g. ``1 study loaded, 0 failed, 1,148 triples written``."""
        loaded = f"{self.loaded:,} {'study' if self.loaded == 1 else 'studies'} loaded"
        if self.replaced:
            loaded += f" ({self.replaced:,} replacing an earlier version)"
        parts = [loaded]
        if self.unchanged:
            parts.append(f"{self.unchanged:,} unchanged")
        if self.older:
            parts.append(f"{self.older:,} older than the stored version (kept the stored one)")
        parts.append(f"{self.failed:,} failed")
        parts.append(f"{self.triples:,} triples written")
        text = ", ".join(parts)
        if self.interrupted:
            text = "interrupted: " + text + " (the batch in progress was discarded whole)"
        elif self.aborted:
            text = "stopped: " + text + " (the batch in progress was discarded whole)"
        return text
