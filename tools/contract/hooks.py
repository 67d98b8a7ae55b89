"""Schemathesis hooks for tools/contract/check.sh: the rules openapi.yaml
states in prose because JSON Schema cannot say them.

Generated requests are adjusted to keep these rules: a value the schema
allows but a rule refuses is replaced by one both allow (a future date by
today, a wrong check digit by the right one), and bodies whose thresholds
or schedule steps are out of order are dropped, so Hypothesis draws others.
Values the schema refuses are never touched, so a negative case stays
negative; every check still runs on every case, and nothing here touches a
response or a check's verdict. The rules, each documented in
openapi.yaml where the field is:

- history dates are not after today (UTC), in an assessment not after `asOf`,
  and `yearBuilt` not after that year;
- an IMO number's last digit is its check digit;
- thresholds are ordered `medium < high < critical`;
- a flag's schedule steps are in time order;
- feedback `context.timestamp` is not in the future, and a summary's `since`
  is not after its `until` (or now);
- a `fleetId` in a body names a fleet on the book (CONTRACT_FLEET_ID, a fleet
  of the demo book that check.sh looked up);
- a vessel patch's `vesselIMO`, when sent, is the vessel's own.
"""

from __future__ import annotations

import datetime as dt
import os
import re

import schemathesis

FLEET_ID = os.environ.get("CONTRACT_FLEET_ID")
DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
IMO = re.compile(r"^(\s*(?:[Ii][Mm][Oo] ?)?)([0-9]{7})(\s*)$")


def _today() -> dt.date:
    return dt.datetime.now(dt.timezone.utc).date()


def _date(value):
    if isinstance(value, str) and DATE.match(value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return None
    return None


def _instant(value):
    if not isinstance(value, str):
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.replace("z", "Z"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def _with_check_digit(value):
    """`value` with its IMO number's last digit replaced by the check digit."""
    match = IMO.match(value) if isinstance(value, str) else None
    if not match:
        return value
    digits = match.group(2)
    check = sum(int(d) * w for d, w in zip(digits[:6], range(7, 1, -1))) % 10
    return f"{match.group(1)}{digits[:6]}{check}{match.group(3)}"


def _vessel(vessel, limit: dt.date):
    """A vessel (or history entry) keeping the date, year and IMO rules."""
    if not isinstance(vessel, dict):
        return vessel
    if "vesselIMO" in vessel:
        vessel["vesselIMO"] = _with_check_digit(vessel["vesselIMO"])
    year = vessel.get("yearBuilt")
    if isinstance(year, (int, float)) and not isinstance(year, bool) and year > limit.year:
        vessel["yearBuilt"] = limit.year
    date = _date(vessel.get("date"))
    if date is not None and date > limit:
        vessel["date"] = limit.isoformat()
    for history in ("inspections", "incidents"):
        if isinstance(vessel.get(history), list):
            vessel[history] = [_vessel(entry, limit) for entry in vessel[history]]
    if FLEET_ID and isinstance(vessel.get("fleetId"), str):
        vessel["fleetId"] = FLEET_ID
    return vessel


def _thresholds_ordered(body) -> bool:
    values = [body.get(k) for k in ("medium", "high", "critical")]
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
        return True  # not a thresholds body
    return values[0] < values[1] < values[2]


def _schedule_in_order(body) -> bool:
    steps = body.get("schedule")
    if not isinstance(steps, list):
        return True
    instants = [_instant(step.get("at")) if isinstance(step, dict) else None for step in steps]
    if not all(i is not None for i in instants):
        return True  # a schedule already invalid by the schema
    return all(a < b for a, b in zip(instants, instants[1:]))


def _keeps_order(operation, body) -> bool:
    if not isinstance(body, dict):
        return True
    if operation.path.endswith("/thresholds"):
        return _thresholds_ordered(body)
    if operation.path.startswith("/api/admin/flags/"):
        return _schedule_in_order(body)
    return True


def _body(operation, body):
    """`body` keeping the rules; only schema-valid values are replaced, by
    schema-valid values, so a negative case stays negative."""
    if not isinstance(body, dict):
        return body
    today = _today()
    if operation.path == "/api/fleet-risk/assess":
        as_of = _date(body.get("asOf"))
        limit = min(as_of, today) if as_of else today
        if isinstance(body.get("vessels"), list):
            body["vessels"] = [_vessel(v, limit) for v in body["vessels"]]
    elif operation.path == "/api/feedback":
        context = body.get("context")
        if isinstance(context, dict):
            sent = _instant(context.get("timestamp"))
            now = dt.datetime.now(dt.timezone.utc)
            if sent is not None and sent > now:
                context["timestamp"] = now.isoformat().replace("+00:00", "Z")
    elif operation.path.startswith("/api/fleet-risk/vessels"):
        _vessel(body, today)
        if isinstance(body.get("vessels"), list):
            body["vessels"] = [_vessel(v, today) for v in body["vessels"]]
    return body


def _query(operation, query):
    if operation.path != "/api/feedback/summary" or not isinstance(query, dict):
        return query
    since, until = _instant(query.get("since")), _instant(query.get("until"))
    if since is not None and since > (until or dt.datetime.now(dt.timezone.utc)):
        if until is not None:
            query["since"], query["until"] = query["until"], query["since"]
        else:
            del query["since"]
    return query


# Hypothesis-drawn cases (examples, fuzzing, stateful) pass the part hooks;
# the coverage phase builds whole cases and passes the case hooks.


@schemathesis.hook
def filter_body(context, body):
    return _keeps_order(context.operation, body)


@schemathesis.hook
def map_body(context, body):
    return _body(context.operation, body)


@schemathesis.hook
def map_query(context, query):
    return _query(context.operation, query)


@schemathesis.hook
def filter_case(context, case):
    return _keeps_order(case.operation, case.body)


@schemathesis.hook
def map_case(context, case):
    operation = case.operation
    if isinstance(case.body, dict):
        case.body = _body(operation, case.body)
        imo = (case.path_parameters or {}).get("imo")
        if operation.method.upper() == "PATCH" and "vesselIMO" in case.body and isinstance(imo, str):
            # A patch may repeat the vessel's own IMO number, never another.
            case.body["vesselIMO"] = imo
    if isinstance(case.query, dict):
        case.query = _query(operation, case.query)
    return case
