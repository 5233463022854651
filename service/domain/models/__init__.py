"""The domain's tables (DESIGN section 4), as SQLAlchemy 2 typed models."""

from service.domain.models.attainment import AttainmentSettings
from service.domain.models.audit import AuditEvent
from service.domain.models.changes import ChangeRequest
from service.domain.models.data_version import DataVersion
from service.domain.models.drafts import FollowUpDraft
from service.domain.models.followups import FollowUp, FollowUpFinding, FollowUpGoal
from service.domain.models.intake import InboundMessage, IntakeRun
from service.domain.models.outbound import OutboundMessage
from service.domain.models.plans import Goal, Indicator, Milestone, Plan
from service.domain.models.reminders import Reminder
from service.domain.models.reviews import FollowUpReview
from service.domain.models.sessions import WebSession
from service.domain.models.status import StatusThresholds
from service.domain.models.tenancy import (
    Institution,
    Ministry,
    MinistryPlugin,
    ReportingAddress,
)
from service.domain.models.tokens import ApiToken
from service.domain.models.users import User

__all__ = [
    "ApiToken",
    "AttainmentSettings",
    "AuditEvent",
    "ChangeRequest",
    "DataVersion",
    "FollowUp",
    "FollowUpDraft",
    "FollowUpFinding",
    "FollowUpGoal",
    "FollowUpReview",
    "Goal",
    "InboundMessage",
    "Indicator",
    "Institution",
    "IntakeRun",
    "Milestone",
    "Ministry",
    "MinistryPlugin",
    "OutboundMessage",
    "Plan",
    "Reminder",
    "ReportingAddress",
    "StatusThresholds",
    "User",
    "WebSession",
]
