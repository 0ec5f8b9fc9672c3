"""The state tables (reform_portal.transitions and each app's transitions.py): every state reachable, every
(state, action) pair of every table tried through ``transition``, and no service setting a state by hand."""

import ast
import datetime
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError

from reform_portal.enums import Role
from reform_portal.transitions import SYSTEM, transition, workflows

ROOT = Path(settings.BASE_DIR)
NOW = datetime.datetime(2027, 4, 1, tzinfo=datetime.UTC)

# Workflows whose state is derived from other fields: how an object in each state looks.
DERIVED = {
    "catalog.expert_review": {
        "assigned": lambda: SimpleNamespace(submitted_at=None, conflict_at=None),
        "submitted": lambda: SimpleNamespace(submitted_at=NOW, conflict_at=None),
        # a submitted review a later merge put in conflict (issue 16): kept, marked, not counted
        "conflicted": lambda: SimpleNamespace(submitted_at=NOW, conflict_at=NOW),
        # "withdrawn": the assignment row is deleted (its history stays); no object is left to act on.
    },
    "catalog.opinion": {
        "given": lambda: SimpleNamespace(responded_at=None),
        "responded": lambda: SimpleNamespace(responded_at=NOW),
    },
    "bidding.coordination": {
        "open": lambda: SimpleNamespace(answered_at=None),
        "answered": lambda: SimpleNamespace(answered_at=NOW),
    },
    "invitation": {
        "invited": lambda: SimpleNamespace(accepted_at=None),
        "active": lambda: SimpleNamespace(accepted_at=NOW),
    },
}
EXPECTED_TABLES = {
    "cycle",
    "invitation",
    "docnumber",
    "proposals.book",
    "catalog.list",
    "catalog.expert_review",
    "catalog.opinion",
    "bidding.bid_set",
    "bidding.task",
    "bidding.coordination",
    "evaluation.commission",
    "evaluation.assessment",
    "evaluation.outcome",
    "evaluation.results",
    "grassroots.collection",
    "grassroots.suggestion",
    "grassroots.moderation",
}


def obj_in(flow, state):
    if flow.state_field is None:
        return DERIVED[flow.name][state]()
    return SimpleNamespace(**{flow.state_field: state})


def pairs():
    for flow in workflows():
        for state in flow.state_values():
            if flow.state_field is None and state not in DERIVED[flow.name]:
                continue
            for action in flow.actions:
                yield pytest.param(flow, state, action, id=f"{flow.name}:{state}:{action}")


def test_every_workflow_of_the_portal_has_a_table():
    assert {flow.name for flow in workflows()} == EXPECTED_TABLES


@pytest.mark.parametrize("flow", workflows(), ids=lambda f: f.name)
def test_every_state_is_reachable_from_the_first(flow):
    assert flow.reachable() == set(flow.state_values())


@pytest.mark.parametrize("flow", workflows(), ids=lambda f: f.name)
def test_every_action_is_used_and_states_without_an_object_are_terminal(flow):
    assert {t.action for t in flow.transitions} == set(flow.actions)
    for state in flow.state_values():
        if flow.state_field is None and state not in DERIVED[flow.name]:
            assert flow.actions_from(state) == [], state


def person(role):
    """Someone whose only role is ``role`` (transition() asks nothing else of a user)."""
    return SimpleNamespace(is_authenticated=True, has_role=lambda r: str(r) == str(role))


@pytest.mark.parametrize(("flow", "state", "action"), list(pairs()))
def test_every_state_and_action(flow, state, action):
    role_users = {role: person(role) for role in Role}
    obj = obj_in(flow, state)
    row = flow.find(state, action)
    anyone = role_users[Role.NATIONAL_REVIEWER]
    if row is None:
        with pytest.raises(ValidationError) as refused:
            transition(obj, action, anyone, flow=flow)
        assert refused.value.messages == [flow.refusal(state, action)]
        assert flow.state_of(obj) == state
        return
    allowed = [role_users[Role(w)] for w in row.who if w != SYSTEM]
    for user in allowed:
        obj = obj_in(flow, state)
        assert transition(obj, action, user, flow=flow) == row
        if flow.state_field is not None:
            assert getattr(obj, flow.state_field) == row.target
    for role in set(Role) - {Role(w) for w in row.who if w != SYSTEM}:
        with pytest.raises(PermissionDenied):
            transition(obj_in(flow, state), action, role_users[role], flow=flow)
    if SYSTEM not in row.who:
        with pytest.raises(PermissionDenied):
            transition(obj_in(flow, state), action, None, flow=flow)


def _state_assignments(source):
    tree = ast.parse(source)
    found = []
    for node in ast.walk(tree):
        targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
        for target in targets:
            if isinstance(target, ast.Attribute) and target.attr == "state":
                found.append(node.lineno)
    return found


SERVICE_MODULES = sorted(
    p
    for app in ("reform_portal", "proposals", "catalog", "grassroots", "bidding", "evaluation")
    for p in (ROOT / app).glob("*.py")
    if p.name not in {"transitions.py", "models.py"}
)


@pytest.mark.parametrize("path", SERVICE_MODULES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_module_sets_a_state_but_through_the_table(path):
    """`obj.state = …` outside transitions.py would bypass the table (and its test)."""
    assert _state_assignments(path.read_text(encoding="utf-8")) == []


def test_the_state_check_sees_an_assignment():
    assert _state_assignments("book.state = 'closed'\n") == [1]
    assert _state_assignments("x.state_label = 1\ny = x.state\n") == []


def test_the_architecture_doc_shows_the_tables_as_they_are():
    from reform_portal.management.commands.transitions import docs_block, docs_path, tables_markdown

    assert docs_block(docs_path().read_text(encoding="utf-8")) == tables_markdown(), (
        "docs/architecture.md is out of date: run `manage.py transitions --update-docs`"
    )
