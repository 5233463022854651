"""The API's blueprints, one module per resource."""

from service.api.views import (
    changes,
    exports,
    followups,
    goals,
    health,
    institutions,
    intake,
    ministries,
    overview,
    plans,
    plugins,
    users,
)

BLUEPRINTS = (
    health.blp,
    ministries.blp,
    institutions.blp,
    plans.blp,
    goals.blp,
    changes.blp,
    followups.blp,
    intake.blp,
    plugins.blp,
    overview.blp,
    exports.blp,
    users.blp,
)
