"""Validation plugins: the surface for plugin authors.

``from service.plugins import hookimpl, Finding, TaskTypeDef`` is all a plugin needs; the
views and the context are here for type hints. The plugin manager lives in
:mod:`service.plugins.manager` and is built by the application, never on import.
"""

from service.plugins.context import ValidationContext
from service.plugins.findings import Finding
from service.plugins.markers import hookimpl
from service.plugins.tasktypes import TaskTypeDef
from service.plugins.views import (
    FollowUpGoalView,
    FollowUpView,
    GoalView,
    IndicatorView,
    MilestoneView,
    PlanView,
    TargetVersion,
    TopManagerView,
)

__all__ = [
    "Finding",
    "FollowUpGoalView",
    "FollowUpView",
    "GoalView",
    "IndicatorView",
    "MilestoneView",
    "PlanView",
    "TargetVersion",
    "TaskTypeDef",
    "TopManagerView",
    "ValidationContext",
    "hookimpl",
]
