"""A reference list uploaded from its page, as a browser without JavaScript sends it: a refusal lists each bad cell
by row and column with nothing written; a load ends on the list with a status message read back from what is kept;
a viewer sees no upload form and its post is refused. One test drives Chromium, axe-core checking the refusal."""

from pathlib import Path
from typing import Any

import lxml.html
from fastapi import FastAPI
from fastapi.testclient import TestClient
from playwright.sync_api import Page, expect
from sqlmodel import Session

from benefits import demand
from benefits.demand import ReferenceList
from benefits.models import Role
from tests.support.factories import make_person
from tests.support.page_forms import csrf_token, signed_in_browser, status_message
from tests.web.conftest import screenshot, serious_accessibility_problems
from tests.web.test_pages import _sign_in

GOOD = b"Code,Name\ncouncil_tax,Council tax\nwaste,Waste and recycling\nparking,Parking\n"
BAD = GOOD + b"Council Tax!,Libraries\nregistrars,\nwaste,Bins\n"


def _problems(page: str) -> list[str]:
    found = lxml.html.document_fromstring(page).xpath('//*[@id="upload-problems"]//li')
    return [item.text_content().strip() for item in found]


def _upload(browser: TestClient, kind: str, content: bytes, csrf: str) -> Any:
    return browser.post(
        f"/demand/lists/{kind}/upload", data={"csrf": csrf}, files={"list_file": ("list.csv", content, "text/csv")}
    )


def _codes(session: Session, kind: ReferenceList = ReferenceList.services) -> dict[str, str]:
    session.expire_all()
    return {entry.code: entry.name for entry in demand.list_references(session=session, kind=kind)}


def test_a_list_is_uploaded_from_its_page(session: Session, app: FastAPI) -> None:
    admin = signed_in_browser(app, session, make_person(session, role=Role.admin))
    page = admin.get("/demand/lists/services")
    assert page.status_code == 200
    forms = lxml.html.document_fromstring(page.text).forms
    upload = [form for form in forms if form.action == "/demand/lists/services/upload"]
    assert upload and upload[0].get("enctype") == "multipart/form-data"
    csrf = csrf_token(page.text)

    refused = _upload(admin, "services", BAD, csrf)
    assert refused.status_code == 422
    listed = _problems(refused.text)
    assert [item.split(":")[0] for item in listed] == ["row 5, Code", "row 6, Name", "row 7, Code"]
    assert "Rows 3 and 7 both give the code waste" in listed[2]
    assert _codes(session) == {}

    loaded = _upload(admin, "services", GOOD, csrf)
    assert loaded.status_code == 303, loaded.text
    landed = admin.get(loaded.headers["location"]).text
    assert status_message(landed) == (
        "Services loaded from the file: 3 added, 0 renamed, 0 left as they were. The list holds 3 services."
    )
    assert _codes(session) == {"council_tax": "Council tax", "waste": "Waste and recycling", "parking": "Parking"}
    renamed = _upload(admin, "services", GOOD.replace(b"Parking\n", b"Parking permits\n"), csrf)
    landed = admin.get(renamed.headers["location"]).text
    assert "0 added, 1 renamed, 2 left as they were" in status_message(landed)
    assert _codes(session)["parking"] == "Parking permits"
    # An address claiming more than the list holds says nothing.
    forged = admin.get("/demand/lists/services?done=imported&added=9&renamed=0&unchanged=0").text
    assert status_message(forged) == ""


def test_demand_types_missing_their_avoidable_column_are_refused_on_the_page(session: Session, app: FastAPI) -> None:
    admin = signed_in_browser(app, session, make_person(session, role=Role.admin))
    page = admin.get("/demand/lists/demand-types").text
    assert "Avoidable</strong> (yes or no)" in page
    before = _codes(session, ReferenceList.demand_types)
    refused = _upload(admin, "demand-types", b"Code,Name\nchasing,Chasing\n", csrf_token(page))
    assert refused.status_code == 422
    assert "Avoidable" in _problems(refused.text)[0]
    assert _codes(session, ReferenceList.demand_types) == before


def test_a_viewer_sees_no_upload_form_and_is_refused(session: Session, app: FastAPI) -> None:
    viewer = signed_in_browser(app, session, make_person(session, role=Role.viewer))
    page = viewer.get("/demand/lists/services").text
    assert "/demand/lists/services/upload" not in page
    refused = _upload(viewer, "services", GOOD, csrf_token(page))
    assert refused.status_code == 403
    assert _codes(session) == {}


def test_a_list_upload_in_chromium_is_refused_accessibly_then_loads(page: Page, site: str, tmp_path: Path) -> None:
    _sign_in(page, site, "Priya Patel")
    page.goto(site + "/demand/lists/segments")
    label = "List of customer segments (.csv or .xlsx)"
    bad = tmp_path / "segments.csv"
    bad.write_text("Code,Name\ntenants,Tenants\nTenants!,Council tenants\ncarers,\ntenants,Renters\n")
    page.get_by_label(label).set_input_files(str(bad))
    with page.expect_response(lambda answer: answer.request.method == "POST") as posted:
        page.get_by_role("button", name="Upload the customer segments").click()
    assert posted.value.status == 422
    listed = page.locator("#upload-problems li").all_inner_texts()
    assert [item.split(":")[0] for item in listed] == ["row 3, Code", "row 4, Name", "row 5, Code"]
    assert serious_accessibility_problems(page) == []
    screenshot(page, "demand-list-upload-refused")
    good = tmp_path / "good.csv"
    good.write_text("Code,Name\ntenants,Tenants\ncarers,Carers\n")
    page.get_by_label(label).set_input_files(str(good))
    page.get_by_role("button", name="Upload the customer segments").click()
    expect(page.get_by_role("status")).to_contain_text("2 added, 0 renamed, 0 left as they were")
    expect(page.locator("#entry-carers")).to_contain_text("Carers")
