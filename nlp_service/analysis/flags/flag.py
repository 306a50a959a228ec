"""The flag record, its types and severities (the order of the moderation queue)."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

SEVERITY_ABUSE = 3
SEVERITY_LEGAL = 3
SEVERITY_CHURN = 2
SEVERITY_PERSONAL_DATA = 2
SEVERITY_URGENT = 1


class FlagType(StrEnum):
    ABUSE = "abuse"
    LEGAL = "legal"
    CHURN = "churn"
    URGENT = "urgent"
    PERSONAL_DATA = "personal_data"


@dataclass(frozen=True)
class Flag:
    type: FlagType
    reason: str  # matched span as written; for personal_data the entity types, "email,phone"
    severity: int  # 1..3, see module docstring
    start: int | None = None
    end: int | None = None

    def to_dict(self) -> dict[str, str | int | None]:
        return {
            "type": self.type.value,
            "reason": self.reason,
            "severity": self.severity,
            "start": self.start,
            "end": self.end,
        }


def has_abuse(flags: Iterable[Flag | Mapping[str, object]]) -> bool:
    """True when any flag is abuse; takes Flag objects or their `to_dict()` form."""
    return any(
        (f.type if isinstance(f, Flag) else f.get("type")) == FlagType.ABUSE.value for f in flags
    )
