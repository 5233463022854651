"""Task-type definitions: the built-in four and the class plugins use to add their own."""

from __future__ import annotations

from dataclasses import dataclass

from service.vocabulary import TASK_TYPE_LABELS


@dataclass(frozen=True, slots=True)
class TaskTypeDef:
    """A task type a goal may have: ``code`` (``operations``, ``control``, …), a Danish
    ``label`` (``Driftslignende opgave``) and an optional Danish ``description``."""

    code: str
    label: str
    description: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.code, str) or not self.code.strip():
            raise ValueError("a task type needs a non-empty code")
        if not isinstance(self.label, str) or not self.label.strip():
            raise ValueError(f"task type {self.code!r} needs a Danish label")

    def to_dict(self) -> dict[str, str | None]:
        return {"code": self.code, "label": self.label, "description": self.description}


BUILTIN_TASK_TYPES: tuple[TaskTypeDef, ...] = tuple(
    TaskTypeDef(code, label) for code, label in TASK_TYPE_LABELS.items()
)
