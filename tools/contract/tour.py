"""A short tour of fleet-risk with the client openapi-python-client generates
from openapi.yaml (tools/contract/check.sh generates it and runs this):
create a vessel on the demo book, read its published risk, then read a 404
and a 422 as the typed problems the spec declares.

    python tools/contract/tour.py BASE_URL ADMIN_KEY FLEET_ID
"""

from __future__ import annotations

import sys

from fleet_risk_client import AuthenticatedClient
from fleet_risk_client.api.risk import get_vessel_risk
from fleet_risk_client.api.vessels import create_vessel, get_vessel
from fleet_risk_client.models import (
    NotFoundProblem,
    PublishedVesselRisk,
    ValidationProblem,
    Vessel,
    VesselCreate,
)


def with_check_digit(six: str) -> str:
    """The IMO number of six digits and their check digit."""
    check = sum(int(d) * w for d, w in zip(six, range(7, 1, -1))) % 10
    return f"{six}{check}"


def expect(condition: bool, what: str) -> None:
    if not condition:
        sys.exit(f"tour: {what}")
    print(f"tour: {what}")


def main(base: str, key: str, fleet_id: str) -> None:
    client = AuthenticatedClient(base_url=base, token=key, raise_on_unexpected_status=True)

    # An IMO number the demo book does not hold (its check digit right).
    imo = next(
        candidate
        for candidate in (with_check_digit(f"{n:06d}") for n in range(980000, 990000))
        if get_vessel.sync_detailed(imo=candidate, client=client).status_code == 404
    )
    vessel = {
        "fleetId": fleet_id, "vesselIMO": f"IMO {imo}", "name": "CONTRACT TOUR",
        "shipType": "bulk_carrier", "yearBuilt": 2009, "grossTonnage": 38000, "flag": "PA",
        "classSociety": "NK", "insuredValueUsd": 12_000_000,
        "inspections": [{"date": "2026-03-10", "regime": "paris_mou", "deficiencies": 4,
                         "detained": False}],
    }
    created = create_vessel.sync_detailed(client=client, body=VesselCreate.from_dict(vessel))
    expect(created.status_code == 201 and isinstance(created.parsed, Vessel)
           and created.parsed.vessel_imo == imo,
           f"createVessel {imo}: 201, a Vessel")

    risk = get_vessel_risk.sync_detailed(imo=imo, client=client)
    expect(risk.status_code == 200 and isinstance(risk.parsed, PublishedVesselRisk)
           and 0 <= risk.parsed.score <= 100,
           f"getVesselRisk {imo}: 200, a PublishedVesselRisk, score {risk.parsed.score}, "
           f"level {risk.parsed.level.value}")

    unknown = next(
        candidate
        for candidate in (with_check_digit(f"{n:06d}") for n in range(990000, 999999))
        if candidate != imo
        and get_vessel.sync_detailed(imo=candidate, client=client).status_code == 404
    )
    missing = get_vessel_risk.sync_detailed(imo=unknown, client=client)
    expect(missing.status_code == 404 and isinstance(missing.parsed, NotFoundProblem)
           and missing.parsed.code.value == "not_found",
           f"getVesselRisk {unknown}: 404, a NotFoundProblem ({missing.parsed.detail})")

    bad = dict(vessel, vesselIMO="9074728", yearBuilt=1850)
    refused = create_vessel.sync_detailed(client=client, body=VesselCreate.from_dict(bad))
    fields = [error.field for error in refused.parsed.errors] if isinstance(
        refused.parsed, ValidationProblem) else []
    expect(refused.status_code == 422 and isinstance(refused.parsed, ValidationProblem)
           and fields == ["vesselIMO", "yearBuilt"],
           f"createVessel with a bad check digit and year: 422, a ValidationProblem on {fields}")


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    main(*sys.argv[1:])
