"""Who is acting: the principal behind an API token or a CLI command."""

from __future__ import annotations

from dataclasses import dataclass

from service.vocabulary import Role


@dataclass(frozen=True)
class Actor:
    """A role and its scope: a department is bound to one ministry, an institution to one
    institution (and through it to its ministry)."""

    name: str
    role: Role
    ministry_id: int | None = None
    institution_id: int | None = None
    token_id: int | None = None
    #: the person acting (a signed-in user, or the owner of a personal token)
    user_id: int | None = None
    email: str | None = None

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def is_department(self) -> bool:
        return self.role == Role.DEPARTMENT

    @property
    def is_institution(self) -> bool:
        return self.role == Role.INSTITUTION


#: the actor of commands run on the server itself (`mrp demo`, migrations, the poller)
SYSTEM = Actor(name="system", role=Role.ADMIN)
