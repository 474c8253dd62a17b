"""Single sign-on's rules over the record: claims to a person and role, refusals kept, passwords switched off."""

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from benefits import sso
from benefits.models import AuditEvent, Person, PersonUpdate, Role
from benefits.people import update_person
from benefits.settings import get_settings
from tests.conftest import client_with_token
from tests.support.factories import TESTER, make_person, make_token

ISSUER = "https://login.council.example"
ROLE_MAP = '{"benefits-finance": "finance", "benefits-board": "board", "benefits-admins": "admin"}'


@pytest.fixture
def settings_of(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    """Settings read afresh from the variables a test sets, and as before once it ends."""
    get_settings.cache_clear()
    yield monkeypatch
    monkeypatch.undo()
    get_settings.cache_clear()


def _set(monkeypatch: pytest.MonkeyPatch, **variables: str) -> None:
    for name, value in variables.items():
        monkeypatch.setenv(f"BENEFITS_{name.upper()}", value)
    get_settings.cache_clear()


def _identity(
    subject: str, *groups: str, name: str = "Ada Lovelace", email: str = "ada@council.example"
) -> sso.Identity:
    return sso.Identity(
        issuer=ISSUER, subject=subject, name=name, email=email, email_verified=True, groups=list(groups)
    )


def _events(session: Session, action: str) -> list[AuditEvent]:
    return list(session.exec(select(AuditEvent).where(AuditEvent.action == action).order_by(col(AuditEvent.id))).all())


def test_the_first_mapped_role_in_order_wins_and_no_mapped_group_gives_none() -> None:
    role_map = {"a": Role.viewer, "b": Role.finance, "c": Role.admin}
    assert sso.role_for_groups(["x", "y"], role_map) is None
    assert sso.role_for_groups([], role_map) is None
    for groups in (["a", "b"], ["b", "a"], ["a", "c", "b"], ["c"]):
        mapped = {role_map[group] for group in groups}
        expected = min(mapped, key=sso.ROLE_ORDER.index)
        assert sso.role_for_groups(groups, role_map) is expected


def test_a_first_sign_in_creates_the_person_and_later_ones_refresh_them(
    session: Session, settings_of: pytest.MonkeyPatch
) -> None:
    _set(settings_of, oidc_role_map=ROLE_MAP)
    first = sso.sign_in_identity(session=session, identity=_identity("sub-ada", "all-staff", "benefits-finance"))
    assert isinstance(first, sso.SignedIn)
    ada = first.person
    assert (ada.name, ada.email, ada.role) == ("Ada Lovelace", "ada@council.example", Role.finance)
    assert (ada.identity_issuer, ada.identity_subject) == (ISSUER, "sub-ada")
    created = _events(session, "created")[-1]
    assert (created.entity, created.entity_id, created.after) == (
        "person",
        ada.id,
        {"name": "Ada Lovelace", "email": "ada@council.example", "role": "finance", "active": True,
         "through": "single sign-on"},
    )  # fmt: skip
    signed_in = _events(session, "signed_in")[-1]
    assert signed_in.after is not None and signed_in.after["person_id"] == ada.id

    # The provider now says she sits on the board, under a new name and address: all three follow the claims.
    later = sso.sign_in_identity(
        session=session,
        identity=_identity("sub-ada", "benefits-board", name="Ada King", email="ada.king@council.example"),
    )
    assert isinstance(later, sso.SignedIn) and later.person.id == ada.id
    assert (later.person.name, later.person.email, later.person.role) == ("Ada King", "ada.king@council.example",
                                                                          Role.board)  # fmt: skip
    changed = _events(session, "updated")[-1]
    assert changed.entity_id == ada.id
    assert changed.before == {"name": "Ada Lovelace", "email": "ada@council.example", "role": "finance"}
    assert changed.after == {"name": "Ada King", "email": "ada.king@council.example", "role": "board"}
    assert len(session.exec(select(Person).where(Person.identity_subject == "sub-ada")).all()) == 1


def test_no_mapped_group_and_an_inactive_person_are_refused_and_kept_in_the_trail(
    session: Session, settings_of: pytest.MonkeyPatch
) -> None:
    _set(settings_of, oidc_role_map=ROLE_MAP)
    before = len(session.exec(select(Person)).all())
    refused = sso.sign_in_identity(session=session, identity=_identity("sub-brook", "facilities", name="Brook"))
    assert isinstance(refused, sso.Refusal) and refused.reason == "no_mapped_group"
    assert "facilities" in refused.detail and refused.what_to_do
    assert len(session.exec(select(Person)).all()) == before  # nobody made
    kept = _events(session, "sign_in_refused")[-1]
    assert kept.after == {"reason": "no_mapped_group", "through": "single sign-on"}
    assert kept.context is not None and kept.context["groups"] == ["facilities"]

    signed = sso.sign_in_identity(session=session, identity=_identity("sub-ada", "benefits-finance"))
    assert isinstance(signed, sso.SignedIn)
    assert signed.person.id is not None
    update_person(session=session, person_id=signed.person.id, changes=PersonUpdate(active=False),
                  expected_version=None, actor=TESTER)  # fmt: skip
    inactive = sso.sign_in_identity(session=session, identity=_identity("sub-ada", "benefits-finance"))
    assert isinstance(inactive, sso.Refusal) and inactive.reason == "inactive"
    kept = _events(session, "sign_in_refused")[-1]
    assert kept.entity_id == signed.person.id and kept.after == {"reason": "inactive", "through": "single sign-on"}


def test_a_person_an_admin_made_is_found_by_their_verified_email(
    session: Session, settings_of: pytest.MonkeyPatch
) -> None:
    _set(settings_of, oidc_role_map=ROLE_MAP)
    made = make_person(session, role=Role.viewer, name="Ada L")
    made.email = "ada@council.example"
    session.flush()
    signed = sso.sign_in_identity(session=session, identity=_identity("sub-ada", "benefits-admins"))
    assert isinstance(signed, sso.SignedIn)
    assert signed.person.id == made.id and signed.person.role is Role.admin
    assert signed.person.identity_subject == "sub-ada"
    # An address the provider does not vouch for finds nobody: a new person is made instead.
    unverified = sso.Identity(issuer=ISSUER, subject="sub-other", name="Other", email="other@council.example",
                              email_verified=False, groups=["benefits-board"])  # fmt: skip
    other = make_person(session, role=Role.viewer, name="Other person")
    other.email = "other@council.example"
    session.flush()
    second = sso.sign_in_identity(session=session, identity=unverified)
    assert isinstance(second, sso.SignedIn) and second.person.id != other.id
    assert second.person.email is None  # the address stays with the person who has it


def test_with_local_passwords_off_only_the_break_glass_admin_signs_in_with_a_password(
    session: Session, anonymous: TestClient, settings_of: pytest.MonkeyPatch
) -> None:
    pat = make_person(session, role=Role.finance, name="Pat", password="pat's password here")
    make_person(session, role=Role.admin, name="Keeper", password="keeper's password here")
    integration = make_token(session, person=pat)
    pat_signs_in = {"login": "Pat", "password": "pat's password here"}
    assert anonymous.post("/api/v1/auth/token", json=pat_signs_in).status_code == 201  # passwords on, by default

    _set(settings_of, local_passwords="false", break_glass_admin="keeper")
    refused = anonymous.post("/api/v1/auth/token", json=pat_signs_in)
    assert refused.status_code == 403
    assert refused.headers["content-type"] == "application/problem+json"
    problem = refused.json()
    assert problem["code"] == "local_passwords_off"
    assert "organisation's sign-in" in problem["detail"]
    assert [error["field"] for error in problem["errors"]] == ["password"]
    kept = _events(session, "sign_in_refused")[-1]
    assert (kept.entity, kept.entity_id) == ("person", pat.id)
    assert kept.after == {"reason": "local_passwords_off", "through": "password"}

    glass = anonymous.post("/api/v1/auth/token", json={"login": "Keeper", "password": "keeper's password here"})
    assert glass.status_code == 201
    # Integrations keep their tokens.
    assert client_with_token(app=anonymous.app, token=integration).get("/api/v1/initiatives").status_code == 200  # type: ignore[arg-type]


def test_the_break_glass_admin_stays_a_local_account(session: Session, settings_of: pytest.MonkeyPatch) -> None:
    _set(settings_of, oidc_role_map=ROLE_MAP, break_glass_admin="Keeper")
    keeper = make_person(session, role=Role.admin, name="Keeper")
    keeper.email = "keeper@council.example"
    session.flush()
    signed = sso.sign_in_identity(
        session=session,
        identity=_identity("sub-keeper", "benefits-finance", name="Keeper", email="keeper@council.example"),
    )
    assert isinstance(signed, sso.SignedIn) and signed.person.id != keeper.id
    session.refresh(keeper)
    assert (keeper.role, keeper.identity_subject) == (Role.admin, None)
    assert signed.person.name != "Keeper" and signed.person.email is None  # neither taken from the admin
