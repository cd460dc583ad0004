"""Risk rules: conditions on what a track carries (its `custom` data, whether its device is new)
that set the track's state, as the rules of an action in Authsignal's portal do.

They are the rules JSON's `rules` list, evaluated in order (the list order is the portal's
priority): the first rule of the tracked action (or of every action) whose conditions all hold
decides. The JSON shape and the operators are the emulator's own stand-in for the portal.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .state import ACTION_CODE, parse_track_state

OPERATORS = ("eq", "ne", "gt", "gte", "lt", "lte", "in", "notIn")
_ORDERINGS: dict[str, Callable[[Any, Any], bool]] = {
    "gt": operator.gt,
    "gte": operator.ge,
    "lt": operator.lt,
    "lte": operator.le,
}
CUSTOM = "custom."
DEVICE_IS_NEW = "device.isNew"
_RULE_KEYS = ("action", "id", "state", "when")


@dataclass(frozen=True)
class Signals:
    """What one track tells the risk rules."""

    custom: Mapping[str, Any] = field(default_factory=dict)
    # A track without a deviceId counts as a new device: a new-device rule fails closed.
    device_is_new: bool = True


@dataclass(frozen=True)
class Condition:
    subject: str  # "custom.<key>" or "device.isNew"
    operator: str
    operand: Any  # a string, number or boolean; a tuple of them for in and notIn

    def holds(self, signals: Signals) -> bool:
        if self.subject == DEVICE_IS_NEW:
            value: Any = signals.device_is_new
        else:
            value = signals.custom.get(self.subject.removeprefix(CUSTOM))
        if value is None:
            return False  # an absent (or null) field matches nothing, not even ne or notIn
        return _compare(self.operator, value, self.operand)


@dataclass(frozen=True)
class RiskRule:
    rule_id: str
    action: str | None  # None: every action
    conditions: tuple[Condition, ...]
    state: str

    def matches(self, action: str, signals: Signals) -> bool:
        if self.action not in (None, action):
            return False
        return all(condition.holds(signals) for condition in self.conditions)

    def to_mapping(self) -> dict[str, Any]:
        """The JSON shape, each condition written `{operator: operand}`."""
        when: dict[str, dict[str, Any]] = {}
        for condition in self.conditions:
            operand = condition.operand
            json_operand = list(operand) if isinstance(operand, tuple) else operand
            when.setdefault(condition.subject, {})[condition.operator] = json_operand
        scope = {} if self.action is None else {"action": self.action}
        return {"id": self.rule_id, **scope, "when": when, "state": self.state}


def first_match(rules: Iterable[RiskRule], action: str, signals: Signals) -> RiskRule | None:
    return next((rule for rule in rules if rule.matches(action, signals)), None)


def _compare(name: str, value: Any, operand: Any) -> bool:
    if name in _ORDERINGS:
        return _is_number(value) and _ORDERINGS[name](value, operand)
    if name in ("in", "notIn"):
        found = any(_same(value, option) for option in operand)
        return found == (name == "in")
    return _same(value, operand) == (name == "eq")


def _same(value: Any, operand: Any) -> bool:
    """Equal as JSON values: true is not 1, "1" is not 1."""
    if isinstance(value, bool) or isinstance(operand, bool):
        return value is operand
    return bool(value == operand)


def _is_number(value: Any) -> bool:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return not isinstance(value, float) or math.isfinite(value)


def _is_scalar(value: Any) -> bool:
    return isinstance(value, str | bool) or _is_number(value)


# Parsing the rules JSON's `rules` list; ValueError names the first problem.


def parse_rules(value: Any) -> tuple[RiskRule, ...]:
    if not isinstance(value, list | tuple):
        raise ValueError("rules must be a list of rules, each {id, action?, when, state}.")
    rules = tuple(_rule(item, f"rules[{index}]") for index, item in enumerate(value))
    seen: set[str] = set()
    for index, rule in enumerate(rules):
        if rule.rule_id in seen:
            raise ValueError(
                f"rules[{index}].id: {rule.rule_id!r} is already used; ids are unique."
            )
        seen.add(rule.rule_id)
    return rules


def _rule(value: Any, where: str) -> RiskRule:
    if not isinstance(value, Mapping):
        raise ValueError(f"{where} must be an object {{id, action?, when, state}}.")
    unknown = set(value) - set(_RULE_KEYS)
    if unknown:
        raise ValueError(f"{where}: unknown keys {sorted(unknown)}; allowed: {list(_RULE_KEYS)}.")
    missing = [key for key in ("id", "when", "state") if key not in value]
    if missing:
        raise ValueError(f"{where}: {', '.join(missing)} required.")
    rule_id, action = value["id"], value.get("action")
    if not isinstance(rule_id, str) or not rule_id.strip():
        raise ValueError(f"{where}.id must be a non-empty string.")
    if action is not None and not (isinstance(action, str) and ACTION_CODE.fullmatch(action)):
        raise ValueError(
            f"{where}.action: {action!r} is not an action code (^[a-zA-Z0-9_-]{{1,64}}$); "
            "leave it out for every action."
        )
    conditions = _conditions(value["when"], f"{where}.when")
    return RiskRule(
        rule_id, action, conditions, parse_track_state(value["state"], f"{where}.state")
    )


def _conditions(value: Any, where: str) -> tuple[Condition, ...]:
    if not isinstance(value, Mapping) or not value:
        raise ValueError(
            f"{where} must be a non-empty object mapping custom.<key> or device.isNew "
            "to a value or to {operator: value}."
        )
    return tuple(
        condition
        for subject, test in value.items()
        for condition in _subject_conditions(subject, test, f"{where}.{subject}")
    )


def _subject_conditions(subject: Any, test: Any, where: str) -> list[Condition]:
    if subject != DEVICE_IS_NEW and not (
        isinstance(subject, str) and subject.startswith(CUSTOM) and subject != CUSTOM
    ):
        raise ValueError(
            f"{where}: unknown field; use custom.<key> (the track's custom data) or device.isNew."
        )
    tests = test if isinstance(test, Mapping) else {"eq": test}
    if not tests:
        raise ValueError(f"{where} needs an operator: {', '.join(OPERATORS)}.")
    return [
        Condition(subject, name, _operand(subject, name, operand, where))
        for name, operand in tests.items()
    ]


def _operand(subject: str, name: Any, operand: Any, where: str) -> Any:
    if name not in OPERATORS:
        raise ValueError(f"{where}: unknown operator {name!r}; use {', '.join(OPERATORS)}.")
    if subject == DEVICE_IS_NEW:
        if name not in ("eq", "ne") or not isinstance(operand, bool):
            raise ValueError(f"{where}: device.isNew takes true or false (plain, eq or ne).")
        return operand
    if name in _ORDERINGS:
        if not _is_number(operand):
            raise ValueError(f"{where}.{name} must be a number, not {operand!r}.")
        return operand
    if name in ("in", "notIn"):
        if not isinstance(operand, list | tuple) or not operand:
            raise ValueError(f"{where}.{name} must be a non-empty list.")
        operand = tuple(operand)
    for item in operand if isinstance(operand, tuple) else (operand,):
        if not _is_scalar(item):
            raise ValueError(f"{where}.{name}: {item!r} is not a string, a number or a boolean.")
    return operand
