"""Issue 6: schemathesis against the server's own `/openapi.json`, every operation, every built-in check.

The app runs in-process (schemathesis' ASGI transport), rules only, default settings. Generation is seeded
and deterministic, and bounded (`max-examples` per operation, for the fuzzing phase; the examples and
coverage phases add their own fixed sets), so CI sees the same requests every run.

Every registered check runs: not_a_server_error, status_code_conformance, content_type_conformance,
response_headers_conformance, response_schema_conformance, negative_data_rejection,
positive_data_acceptance, missing_required_header, unsupported_method, allow_header_conformance,
use_after_free, ensure_resource_availability, ignored_auth, object_level_authorization. (`max_response_time`
is not a check until a limit is configured; none is.) The last four only act across calls, so the admin API
also runs as a state machine.

Two things keep generated requests from disturbing each other, neither of which skips a check:
- the server starts from scratch for each case (`Runtime.reset`, what `POST /__admin/reset` does), and in
  the state machine every fault is posted under its own `X-Mock-Session`, which detect requests never send:
  a generated `hang` or `reset` fault would otherwise stall or cut every detect request after it, as it must;
- `wait` of `GET /__admin/requests` (up to 30 s, an intended long poll) is cut to 50 ms.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import CHECKS, load_all_checks
from schemathesis.config import SchemathesisConfig
from support import ADMIN, in_process

from mockserver import Settings, create_app

APP = create_app(Settings(fixtures=None))
SEED = 20_260_611
MAX_EXAMPLES = 40
MAX_WAIT = 0.05
MAX_SERVER_WAIT = 30  # the admin API's own bound for `wait`
FAULT_SESSION = "schemathesis-faults"

CONFIG = SchemathesisConfig.from_dict(
    {
        "seed": SEED,
        "generation": {"mode": "all", "max-examples": MAX_EXAMPLES, "deterministic": True, "database": "none"},
        "checks": {"enabled": True},
    }
)
schema = schemathesis.openapi.from_asgi("/openapi.json", APP, config=CONFIG)

load_all_checks()
ALL_CHECKS = [check for check in CHECKS.get_all() if callable(check) and not isinstance(check, type)]


def fresh_server() -> None:
    """Back to how the server started: no faults armed, an empty journal."""
    APP.state.runtime.reset()


def bounded_wait(case: schemathesis.Case) -> None:
    """Cut a valid long-poll `wait` (0–30 s) to MAX_WAIT seconds; invalid values are left for the server to refuse."""
    if case.operation.path != "/__admin/requests" or case.operation.method.upper() != "GET" or not case.query:
        return
    wait = case.query.get("wait")
    if isinstance(wait, bool) or not isinstance(wait, int | float | str):
        return
    try:
        seconds = float(wait)
    except ValueError:
        return
    if MAX_WAIT < seconds <= MAX_SERVER_WAIT:
        case.query["wait"] = str(MAX_WAIT) if isinstance(wait, str) else MAX_WAIT


def test_schemathesis_runs_every_check_and_operation() -> None:
    """The run below is as wide as promised: all 14 built-in checks, every operation of the document."""
    assert {check.__name__ for check in ALL_CHECKS} >= {
        "not_a_server_error", "status_code_conformance", "content_type_conformance", "response_headers_conformance",
        "response_schema_conformance", "negative_data_rejection", "positive_data_acceptance",
        "missing_required_header", "unsupported_method", "allow_header_conformance", "use_after_free",
        "ensure_resource_availability", "ignored_auth", "object_level_authorization",
    }
    labels = {operation.label for operation in (result.ok() for result in schema.get_all_operations())}
    assert {"POST /api/v1/objects/detect", "GET /health", "POST /__admin/faults", "GET /__admin/faults",
            "DELETE /__admin/faults", "GET /__admin/faults/{fault_id}", "DELETE /__admin/faults/{fault_id}",
            "POST /__admin/reset", "GET /__admin/requests", "GET /__admin/requests/count",
            "DELETE /__admin/requests", "GET /__admin/fixtures", "POST /__admin/fixtures/reload"} <= labels


# The one check that cannot hold for the detect endpoint: a schema-valid body may still lack the image
# parts meta names (row 16 of the check table), and JSON Schema cannot tie the values of meta.images to
# the names of other parts. Every other check runs on detect; this one runs on every other operation, and
# test_schemathesis_detect_valid_request_accepted covers detect's positive case by hand.
DETECT_LABEL = "POST /api/v1/objects/detect"
DETECT_CHECKS = [check for check in ALL_CHECKS if check.__name__ != "positive_data_acceptance"]


@schema.parametrize()
@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
def test_schemathesis_operation_conforms(case: schemathesis.Case) -> None:
    """Each operation, with schema-valid and schema-violating input: every check holds."""
    fresh_server()
    bounded_wait(case)
    case.call_and_validate(checks=DETECT_CHECKS if case.operation.label == DETECT_LABEL else ALL_CHECKS)


class ApiStateMachine(schema.as_state_machine()):
    """Sequences of calls along the document's links (arm a fault, read it, delete it, read it again…)."""

    def setup(self) -> None:
        fresh_server()

    def before_call(self, case: schemathesis.Case) -> None:
        bounded_wait(case)

    def get_call_kwargs(self, case: schemathesis.Case) -> dict[str, Any]:
        if case.operation.path.startswith("/__admin/faults") and case.operation.method.upper() == "POST":
            return {"headers": {"X-Mock-Session": FAULT_SESSION}}
        return {}

    def validate_response(self, response: Any, case: schemathesis.Case, **kwargs: Any) -> None:
        case.validate_response(response, checks=ALL_CHECKS, transport_kwargs=kwargs)


def test_schemathesis_stateful_links_hold() -> None:
    """The state machine over all operations: every check, including the ones that need several calls."""
    ApiStateMachine.run(
        settings=settings(
            max_examples=50,
            stateful_step_count=6,
            derandomize=True,
            database=None,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        )
    )


# --- regressions: minimal reproductions of what schemathesis found ---------------------------------------

def documented(path: str, method: str) -> set[str]:
    document = APP.openapi()
    return set(document["paths"][path][method]["responses"])


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("path", "methods"),
    [("/__admin/faults", {"GET", "POST", "DELETE"}), ("/__admin/faults/fault-1", {"GET", "DELETE"}),
     ("/__admin/requests", {"GET", "DELETE"})],
)
async def test_schemathesis_admin_405_allows_every_method(path: str, methods: set[str]) -> None:
    """RFC 9110 section 15.5.6: a 405's `Allow` lists every method of the resource, not the first route's."""
    async with in_process() as client:
        response = await client.request("PATCH", path, headers=ADMIN)
    assert response.status_code == 405
    allowed = {method.strip() for method in response.headers.get("allow", "").split(",")}
    assert methods <= allowed, response.headers.get("allow")


@pytest.mark.anyio
@pytest.mark.parametrize("method", ["get", "delete"])
async def test_schemathesis_admin_unknown_fault_status_documented(method: str) -> None:
    """`GET`/`DELETE /__admin/faults/{id}` of an unknown id answer 404, which the document must list."""
    async with in_process() as client:
        response = await client.request(method.upper(), "/__admin/faults/no-such-fault", headers=ADMIN)
    assert response.status_code == 404
    assert "404" in documented("/__admin/faults/{fault_id}", method)


@pytest.mark.anyio
async def test_schemathesis_admin_fault_body_not_json_status_documented() -> None:
    """A body that is not JSON gets 400 (`There was an error parsing the body`): the document must list it."""
    async with in_process() as client:
        response = await client.post(
            "/__admin/faults", content=b"\xff\xfe not json", headers={"content-type": "application/json"}
        )
    assert response.status_code in (400, 422)
    assert str(response.status_code) in documented("/__admin/faults", "post")


def test_schemathesis_admin_fault_discriminator_required() -> None:
    """OpenAPI 3.1 section 4.8.25: the discriminator's property (`type`) must be required in every mapped schema.

    Today `type` has a default, so `{"action": "reset"}` is valid by the document and refused with 422.
    """
    schemas = APP.openapi()["components"]["schemas"]
    for name in ("EnvelopeFault", "ImageFault", "GatewayFault", "LatencyFault", "TransportFault"):
        assert "type" in schemas[name].get("required", []), name


@pytest.mark.anyio
@pytest.mark.parametrize("value", [False, "100"], ids=["boolean", "string"])
async def test_schemathesis_admin_fault_number_refuses_other_types(value: object) -> None:
    """`interval_ms` is a JSON number: a boolean or a string is a 422, not silently converted (and armed)."""
    fault = {"type": "transport", "action": "dribble", "interval_ms": value}
    async with in_process() as client:
        response = await client.post("/__admin/faults", json=fault)
        listed = (await client.get("/__admin/faults")).json()["faults"]
    assert response.status_code == 422, response.text
    assert listed == []


@pytest.mark.anyio
async def test_schemathesis_detect_valid_request_accepted() -> None:
    """What positive_data_acceptance cannot check on detect: the documented example, with its parts, is a 200."""
    from support import image_part, meta_part, post_detect

    operation = APP.openapi()["paths"]["/api/v1/objects/detect"]["post"]
    meta = operation["requestBody"]["content"]["multipart/form-data"]["schema"]["properties"]["meta"]
    example = meta["examples"][0]
    names = [image["name"] for image in example["images"]]
    async with in_process() as client:
        response = await post_detect(client, [*(image_part(name) for name in names), meta_part(example["mode"], names)])
    assert response.status_code == 200 and response.json()["status"] == 200
