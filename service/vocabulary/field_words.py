"""The Danish words for the fields of a goal and of its indicators, as a person reads them
beside a value: the plan page's change log (``service.web.changelog``) and the year's changes
in the annual report and on a change request (``service.exports.change_words``). The words
of glossary concepts are the glossary's (tests/test_glossary.py checks them)."""

from __future__ import annotations

#: a goal's fields, in the order a goal shows them
GOAL_FIELD_WORDS = {
    "code": "Mål-ID",
    "title": "Titel",
    "description": "Beskrivelse",
    "task_type": "Opgavetype",
    "goal_type": "Måltype",
    "nature": "Karakter",
    "success_criterion": "Succeskriterium",
    "deadline": "Frist",
    "politically_fixed": "Politisk resultatkrav",
    "owner": "Ansvarlig",
    "weight": "Vægtning (point)",
    "status": "Status",
    "withdrawn_reason": "Begrundelse for at målet er udgået",
    "indicators": "Indikatorer",
    "milestones": "Milepæle",
    "previous_goal": "Fortsætter mål fra en tidligere plan",
}
#: an indicator's fields
INDICATOR_FIELD_WORDS = {
    "name": "Indikator",
    "unit": "Enhed",
    "baseline": "Udgangspunkt",
    "baseline_year": "Udgangspunktets år",
    "target": "Målværdi",
    "direction": "Retning",
    "data_source": "Datakilde",
}
