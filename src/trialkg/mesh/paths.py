"""Per-user directories (XDG on Linux, the platform's own elsewhere), without dependencies.

>>> user_cache_dir().name
'trialkg'
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

__all__ = ["user_cache_dir", "user_data_dir"]


def _base(xdg_var: str, fallback: str, mac: str, windows_var: str) -> Path:
    if sys.platform == "win32":
        return Path(os.environ.get(windows_var) or Path.home() / "AppData" / "Local")
    if sys.platform == "darwin":
        return Path.home() / "Library" / mac
    value = os.environ.get(xdg_var)
    return Path(value) if value else Path.home() / fallback


def user_cache_dir() -> Path:
    """Where trialkg may keep things it can fetch again (``$TRIALKG_CACHE`` wins)."""
    if os.environ.get("TRIALKG_CACHE"):
        return Path(os.environ["TRIALKG_CACHE"])
    return _base("XDG_CACHE_HOME", ".cache", "Caches", "LOCALAPPDATA") / "trialkg"


def user_data_dir() -> Path:
    """Where trialkg keeps user data, such as an imported MeSH release."""
    return _base("XDG_DATA_HOME", ".local/share", "Application Support", "LOCALAPPDATA") / (
        "trialkg"
    )
