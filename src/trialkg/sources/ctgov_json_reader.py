"""Typed access into one ClinicalTrials.gov API v2 JSON record.

:class:`JsonReader` wraps one object of the record and names the field path
(``protocolSection.designModule.phases``) in every :class:`~trialkg.exceptions.RecordError`,
so a wrong type becomes one clear line. Shared by the study reader
(:mod:`~trialkg.sources.ctgov_json`) and the results reader
(:mod:`~trialkg.sources.ctgov_json_results`).
"""

from __future__ import annotations

from typing import Any

from trialkg.exceptions import RecordError
from trialkg.model import DatePoint

__all__ = ["JsonReader"]


class JsonReader:
    """Typed access into one record's JSON, naming the field path in every error."""

    def __init__(self, obj: Any, path: str) -> None:
        self.obj = obj
        self.path = path

    def _get(self, key: str) -> Any:
        if not isinstance(self.obj, dict):
            return None
        return self.obj.get(key)

    def _fail(self, key: str, expected: str, value: Any) -> RecordError:
        return RecordError(
            f"field {self.path}.{key}: expected {expected}, got {type(value).__name__}"
        )

    def sub(self, key: str) -> JsonReader:
        value = self._get(key)
        if value is not None and not isinstance(value, dict):
            raise self._fail(key, "an object", value)
        return JsonReader(value or {}, f"{self.path}.{key}")

    def text(self, key: str) -> str | None:
        obj = self.obj
        value = obj.get(key) if type(obj) is dict else self._get(key)
        if value is None:
            return None
        if type(value) is str:  # the usual case, first
            return value.strip() or None
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            raise self._fail(key, "text", value)
        text = str(value).strip()
        return text or None

    def integer(self, key: str) -> int | None:
        value = self._get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise self._fail(key, "a number", value)
        try:
            number = int(value)
        except ValueError:
            raise self._fail(key, "a whole number", value) from None
        return number

    def number(self, key: str) -> float | None:
        value = self._get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self._fail(key, "a number", value)
        return float(value)

    def flag(self, key: str) -> bool | None:
        value = self._get(key)
        if value is None:
            return None
        if not isinstance(value, bool):
            raise self._fail(key, "true or false", value)
        return value

    def items(self, key: str) -> list[JsonReader]:
        value = self._get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            raise self._fail(key, "a list", value)
        return [JsonReader(v, f"{self.path}.{key}[{i}]") for i, v in enumerate(value)]

    def texts(self, key: str) -> list[str]:
        value = self._get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            raise self._fail(key, "a list of text", value)
        out = []
        for v in value:
            if isinstance(v, bool) or not isinstance(v, (str, int, float)):
                raise self._fail(key, "a list of text", v)
            text = str(v).strip()
            if text:
                out.append(text)
        return out

    def date(self, key: str) -> DatePoint | None:
        struct = self.sub(key)
        value = struct.text("date")
        return DatePoint(value, struct.text("type")) if value else None
