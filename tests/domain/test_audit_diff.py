"""The audit log keeps only what changed."""

from __future__ import annotations

from service.domain.audit import diff


def test_only_changed_keys_on_both_sides():
    before = {"title": "A", "period_end": 2027, "status": "approved", "owner": None}
    after = {"title": "B", "period_end": 2027, "status": "approved", "owner": "X"}
    assert diff(before, after) == ({"title": "A", "owner": None}, {"title": "B", "owner": "X"})


def test_added_and_removed_keys():
    assert diff({"a": 1}, {"b": 2}) == ({"a": 1, "b": None}, {"a": None, "b": 2})


def test_nothing_changed_and_nothing_given():
    assert diff({"a": [1, 2]}, {"a": [1, 2]}) == ({}, {})
    assert diff(None, None) == ({}, {})


def test_lists_compare_whole():
    before = {"indicators": [{"target": 30}]}
    after = {"indicators": [{"target": 25}]}
    assert diff(before, after) == (before, after)
