"""What fuzzing the running server found, one small case per class, so each stays fixed."""

import re
import unicodedata

import pytest
from fastapi.testclient import TestClient
from pydantic import TypeAdapter, ValidationError
from sqlmodel import Session

from benefits.columns import Code, LongText, Name, Reason, RequiredReason, ShortText
from tests.api.test_errors import assert_problem
from tests.support.factories import make_initiative


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("PATCH", "/api/v1/users/me", "GET, OPTIONS"),
        ("PATCH", "/api/v1/benefits/import-template.xlsx", "GET, OPTIONS"),
        ("DELETE", "/api/v1/benefits/import-template.xlsx", "GET, OPTIONS"),
    ],
)
def test_a_fixed_path_is_not_taken_for_an_id(client: TestClient, method: str, path: str, allowed: str) -> None:
    # A sibling /{id} route read "me" as a person's id and answered 422; the path allows only what it documents.
    answer = client.request(method, path, json={})
    assert_problem(answer, 405)
    assert answer.headers["Allow"] == allowed


def test_numbers_are_not_taken_for_yes_or_no(client: TestClient) -> None:
    # Pydantic read 0 as false; the document says boolean.
    assert_problem(client.post("/api/v1/cost-centres", json={"code": "F1", "name": "F", "active": 0}), 422)
    assert_problem(client.post("/api/v1/cost-centres", json={"code": "F2", "name": "F", "active": "no"}), 422)
    created = client.post("/api/v1/cost-centres", json={"code": "F3", "name": "F", "active": False})
    assert created.status_code == 201
    assert created.json()["active"] is False


def test_numbers_are_not_taken_for_dates(client: TestClient) -> None:
    # Pydantic read 0 as 1 January 1970; the document says a date.
    assert client.post("/api/v1/users", json={"name": "Sam", "role": "viewer"}).status_code == 201  # the owner
    action = {"action": "Check", "owner": "Sam", "due": 0}
    assert_problem(client.post("/api/v1/reviews", json={"held_on": "2026-04-01", "actions": [action]}), 422)
    assert_problem(client.post("/api/v1/reviews", json={"held_on": "20260401"}), 422)
    action["due"] = "2026-05-01"
    recorded = client.post("/api/v1/reviews", json={"held_on": "2026-04-01", "actions": [action]})
    assert recorded.status_code == 201
    assert recorded.json()["actions"][0]["due"] == "2026-05-01"


def test_true_is_not_taken_for_an_id(client: TestClient) -> None:
    # Python counts true as 1; the document says an integer.
    initiative = client.post("/api/v1/initiatives", json={"name": "I"}).json()
    answer = client.put(f"/api/v1/initiatives/{initiative['id']}/members", json={"person_ids": [True]})
    body = assert_problem(answer, 422)
    assert body["errors"][0]["field"] == "person_ids[0]"


def test_a_cost_centre_whose_code_holds_a_slash_is_found_at_its_location(client: TestClient) -> None:
    created = client.post("/api/v1/cost-centres", json={"code": "cs/100", "name": "Contact centre"})
    assert created.status_code == 201
    location = created.headers["Location"]
    assert location == "/api/v1/cost-centres/CS%2F100"
    assert client.get(location).json()["code"] == "CS/100"


# The fields a partial change may leave out but never empty; the domain refuses null for each by name.
NEVER_NULL = {
    "BenefitUpdate": ["title", "quantified", "is_disbenefit", "description", "evidence"],
    "CostCentreUpdate": ["name", "active"],
    "CostLineUpdate": ["title", "kind", "optimism_bias", "profile"],
    "InitiativeUpdate": ["name", "description", "fy_start_month", "granularity"],
    "MeasureUpdate": ["name", "direction", "screen_outliers", "unit", "description", "cadence"],
    "PersonUpdate": ["name", "role", "active"],
}


def test_a_field_that_cannot_be_emptied_is_not_documented_as_nullable(client: TestClient) -> None:
    # The document offered null for these, and the server refused it: a schema-valid request refused.
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    for model, fields in NEVER_NULL.items():
        for field in fields:
            described = schemas[model]["properties"][field]
            assert {"type": "null"} not in described.get("anyOf", []), (model, field)
    initiative = client.post("/api/v1/initiatives", json={"name": "I"}).json()
    body = assert_problem(client.patch(f"/api/v1/initiatives/{initiative['id']}", json={"granularity": None}), 422)
    assert body["errors"][0]["field"] == "granularity"


TEXT_TYPES = {"Name": Name, "ShortText": ShortText, "Code": Code, "LongText": LongText, "Reason": Reason}
TEXT_TYPES["RequiredReason"] = RequiredReason


@pytest.mark.parametrize("kind", sorted(TEXT_TYPES))
def test_each_text_type_documents_the_text_it_keeps(kind: str) -> None:
    # Text with a control character, a bidi override or nothing visible was schema-valid and refused with 422.
    adapter: TypeAdapter = TypeAdapter(TEXT_TYPES[kind])
    documented = adapter.json_schema()
    pattern = re.compile(documented["pattern"])
    bounds = [int(found, 16) for found in re.findall(r"\\u([0-9a-f]{4})", documented["pattern"])]
    points = {*range(0x2100), *range(0x2100, 0x10000, 7), *(point + step for point in bounds for step in (-1, 0, 1))}
    for point in sorted(points - set(range(0xD800, 0xE000)) - {-1, 0x10000}):
        character = chr(point)
        for text in (character, f"a{character}b", f" {character}\t"):
            try:
                adapter.validate_python(text)
                kept = True
            except ValidationError:
                kept = False
            documented_as_kept = bool(pattern.search(text))
            if kind == "Name" and documented_as_kept and not kept:
                # A name of only unassigned code points or marks outside the common blocks: no short class names them.
                assert unicodedata.category(character) in {"Cn", "Mn", "Mc", "Me", "Cf"}, (kind, text)
                continue
            assert documented_as_kept == kept, (kind, f"U+{point:04X}", text)


def test_text_is_as_long_as_it_is_sent(client: TestClient) -> None:
    # Forty-one line separators (U+0085) were past the documented maxLength, yet taken once stripped to nothing.
    assert_problem(client.get("/api/v1/audit", params={"entity": "\u0085" * 41}), 422)
    initiative = client.post("/api/v1/initiatives", json={"name": "I"}).json()
    padded = {"title": "Licences", "kind": "revenue", "cost_centre": " " * 40 + "CS1"}
    body = assert_problem(client.post(f"/api/v1/initiatives/{initiative['id']}/costs", json=padded), 422)
    assert body["errors"][0]["field"] == "cost_centre"
    assert client.get("/api/v1/audit", params={"entity": " benefit "}).status_code == 200


def test_e_mail_passwords_and_a_withdrawal_reason_are_documented_as_checked(client: TestClient) -> None:
    # "", a nine-character password and a blank reason were schema-valid and refused with 422.
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    email = re.compile(schemas["PersonCreate"]["properties"]["email"]["pattern"])
    password = schemas["PersonCreate"]["properties"]["password"]["anyOf"][0]
    assert (password["minLength"], password["maxLength"]) == (10, 200)
    reason = schemas["WithdrawRequest"]["properties"]["reason"]
    assert reason["minLength"] == 1 and not re.search(reason["pattern"], " \t ")
    for address in ["", "sam", "sam@", "@council.gov.uk", "sam@council", " sam@council.gov.uk ", "a@b.co"]:
        sent = {"name": f"P {len(address)} {address.count('@')}", "role": "viewer", "email": address}
        kept = client.post("/api/v1/users", json=sent).status_code == 201
        assert bool(email.search(address)) == kept, address
    assert_problem(client.post("/api/v1/users", json={"name": "Q", "role": "viewer", "password": "x" * 9}), 422)


def test_figures_worked_out_from_amounts_within_bounds_may_pass_them(session: Session, client: TestClient) -> None:
    # An uplift of 100% on the largest amount a client may send, and two such years, answered 500: the answer's
    # uplifted amount and totals were held to the bounds of what is sent.
    initiative = make_initiative(session, name="Largest")
    session.commit()
    limit = 10**12
    profile = [{"period": "2026-27", "amount": str(limit)}, {"period": "2027-28", "amount": limit}]
    line = {"title": "Largest", "kind": "capital", "optimism_bias": 1.0, "profile": profile}
    created = client.post(f"/api/v1/initiatives/{initiative.id}/costs", json=line)
    assert created.status_code == 201, created.text
    assert created.json()["total"] == 2 * limit and created.json()["uplifted_total"] == 4 * limit
    assert [row["uplifted"] for row in created.json()["profile"]] == [2 * limit, 2 * limit]
    changed = client.patch(f"/api/v1/costs/{created.json()['id']}", json={"optimism_bias": "0.5"})
    assert changed.status_code == 200, changed.text
    assert changed.json()["uplifted_total"] == 3 * limit


def test_the_business_case_of_an_initiative_that_starts_before_1900_downloads(client: TestClient) -> None:
    # The fuzz made one starting 3 April 1268 with no base year: its appraisal's first year is 1267-68, a label no
    # client may type, which the workbook parsed as if a client had (a 500).
    made = client.post(
        "/api/v1/initiatives", json={"name": "Old", "start_date": "1268-04-03", "granularity": "quarter"}
    )
    assert made.status_code == 201, made.text
    answer = client.get(f"/api/v1/initiatives/{made.json()['id']}/business-case.xlsx")
    assert answer.status_code == 200, answer.text
    assert answer.content.startswith(b"PK")
