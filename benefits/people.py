"""People, initiative membership, API tokens and sign-in; all their queries live here."""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlmodel import Session, col, func, select

from benefits import audit, owners
from benefits.actors import Actor
from benefits.authz import Action, require
from benefits.columns import utc_now
from benefits.errors import Conflict, Forbidden, InvalidInput, NotFound, Problem, TooManyAttempts, Unauthenticated
from benefits.initiatives import check_version, get_initiative
from benefits.listing import Page, paginate
from benefits.models import (
    ApiToken,
    ApiTokenCreate,
    InitiativeMember,
    LoginAttempt,
    Person,
    PersonCreate,
    PersonUpdate,
    Role,
)
from benefits.settings import get_settings

SELF_TOKEN_DAYS = 90
# The name of the token a sign-in issues (a web session); any other token is an API token.
SIGN_IN_TOKEN = "sign-in"  # noqa: S105 (a token's name, not a secret)
TOKEN_PREFIX = "bnf_"  # noqa: S105 (a marker that helps secret scanners, not a secret)
_hasher = PasswordHasher()


@cache
def _dummy_hash() -> str:
    """Verified against when the login is unknown, so an unknown name costs as long as a wrong password."""
    # Made on the first sign-in, not on import: hashing takes a tenth of a second that start-up need not spend.
    return _hasher.hash(secrets.token_urlsafe(16))


def hash_password(password: str) -> str:
    """An Argon2id hash of the password."""
    return _hasher.hash(password)


def _digest(token: str) -> str:
    # Tokens are long random strings, so a fast digest is enough; no salt or stretching is needed.
    return hashlib.sha256(token.encode()).hexdigest()


def _person_snapshot(person: Person) -> dict[str, Any]:
    return {"name": person.name, "email": person.email, "role": person.role, "active": person.active,
            "digests": person.digests}  # fmt: skip


def get_person(*, session: Session, person_id: int) -> Person:
    """One person, or NotFound."""
    person = session.get(Person, person_id)
    if person is None:
        raise NotFound(f"There is no person {person_id}.")
    return person


def find_person(*, session: Session, login: str) -> Person | None:
    """The person whose e-mail (a login with @) or name (any case) is `login`; names never contain @."""
    key = login.strip().lower()
    column = col(Person.email) if "@" in key else col(Person.name_key)
    return session.exec(select(Person).where(column == key)).first()


def list_people(*, session: Session, limit: int, offset: int, role: Role | None = None) -> Page[Person]:
    """A page of people by id, optionally of one role."""
    conditions = [col(Person.role) == role] if role is not None else []
    total = session.exec(select(func.count()).select_from(Person).where(*conditions)).one()
    items = session.exec(select(Person).where(*conditions).order_by(col(Person.id)).limit(limit).offset(offset)).all()
    return Page(items=list(items), total=total, limit=limit, offset=offset)


def _refuse_duplicates(*, session: Session, name: str, email: str | None, person_id: int | None) -> None:
    problems = []
    same_name = session.exec(select(Person).where(Person.name_key == name.lower())).first()
    if same_name is not None and same_name.id != person_id:
        problems.append(Problem("name_taken", "Another person has this name.", "name"))
    if email is not None:
        same_email = session.exec(select(Person).where(Person.email == email)).first()
        if same_email is not None and same_email.id != person_id:
            problems.append(Problem("email_taken", "Another person has this e-mail address.", "email"))
    if problems:
        raise Conflict("A person with that name or e-mail exists already.", problems)


def create_person(*, session: Session, fields: PersonCreate, actor: Actor) -> Person:
    """Add a person (admin only); the password is kept only as a hash."""
    require(session=session, actor=actor, action=Action.manage_people)
    _refuse_duplicates(session=session, name=fields.name, email=fields.email, person_id=None)
    password = fields.password.get_secret_value() if fields.password else None
    person = Person(
        name=fields.name,
        name_key=fields.name.lower(),
        email=fields.email,
        role=fields.role,
        active=fields.active,
        digests=fields.digests,
        password_hash=hash_password(password) if password else None,
    )
    session.add(person)
    session.flush()
    assert person.id is not None
    audit.record(
        session=session,
        actor=actor,
        action="created",
        entity="person",
        entity_id=person.id,
        after=_person_snapshot(person) | {"password": "set" if password else "none"},
    )
    return person


def update_person(
    *, session: Session, person_id: int, changes: PersonUpdate, expected_version: frozenset[int] | None, actor: Actor
) -> Person:
    """Change a person's name, e-mail, role, active flag, digests or password (admin only)."""
    require(session=session, actor=actor, action=Action.manage_people)
    person = get_person(session=session, person_id=person_id)
    check_version(current=person.version, expected=expected_version, what="person")
    sent = changes.model_dump(exclude_unset=True)
    for name in ("name", "role", "active", "digests"):
        if name in sent and sent[name] is None:
            raise InvalidInput(f"{name} cannot be null.", [Problem("required", f"{name} cannot be null.", name)])
    _refuse_duplicates(
        session=session, name=sent.get("name", person.name), email=sent.get("email", person.email), person_id=person_id
    )
    if person_id == actor.person_id and (sent.get("role", Role.admin) != Role.admin or sent.get("active") is False):
        raise Conflict(
            "You cannot take away your own admin rights; ask another admin.",
            [Problem("self_demotion", "An admin cannot demote or deactivate themselves.", "role")],
        )
    before = _person_snapshot(person)
    password = changes.password.get_secret_value() if changes.password else None
    for name in ("name", "email", "role", "active", "digests"):
        if name in sent:
            setattr(person, name, sent[name])
    person.name_key = person.name.lower()
    if "name" in sent:
        owners.rename(session=session, person=person)
    old, new = audit.changed_fields(before, _person_snapshot(person))
    if password:
        person.password_hash = hash_password(password)
        old, new = old | {"password": "unchanged"}, new | {"password": "changed"}
        # A new password ends every session and token made with the old one.
        revoked = _revoke_all(session=session, person_id=person_id)
        if revoked:
            new = new | {"tokens_revoked": revoked}
    if new:
        person.updated_at = utc_now()
        session.flush()
        audit.record(
            session=session, actor=actor, action="updated", entity="person", entity_id=person_id, before=old, after=new
        )
    return person


def set_own_digests(*, session: Session, actor: Actor, digests: bool) -> Person:
    """Turn the signed-in person's e-mailed digests of what is due on or off."""
    if actor.person_id is None:
        raise Forbidden("Only a person can choose their digests; sign in as one.")
    person = get_person(session=session, person_id=actor.person_id)
    if person.digests != digests:
        before = _person_snapshot(person)
        person.digests = digests
        person.updated_at = utc_now()
        session.flush()
        old, new = audit.changed_fields(before, _person_snapshot(person))
        audit.record(
            session=session,
            actor=actor,
            action="updated",
            entity="person",
            entity_id=actor.person_id,
            before=old,
            after=new,
        )
    return person


def _revoke_all(*, session: Session, person_id: int) -> int:
    live = session.exec(
        select(ApiToken).where(ApiToken.person_id == person_id, col(ApiToken.revoked_at).is_(None))
    ).all()
    for record in live:
        record.revoked_at = utc_now()
    session.flush()
    return len(live)


def initiative_members(*, session: Session, initiative_id: int) -> list[int]:
    """The ids of the people who may edit the initiative beside its owner."""
    get_initiative(session=session, initiative_id=initiative_id)
    rows = session.exec(
        select(InitiativeMember.person_id)
        .where(InitiativeMember.initiative_id == initiative_id)
        .order_by(col(InitiativeMember.person_id))
    ).all()
    return list(rows)


def set_initiative_members(*, session: Session, initiative_id: int, person_ids: list[int], actor: Actor) -> list[int]:
    """Make exactly these people members of the initiative."""
    require(session=session, actor=actor, action=Action.edit_initiative, initiative_id=initiative_id)
    wanted = sorted(set(person_ids))
    known = set(session.exec(select(Person.id).where(col(Person.id).in_(wanted))).all()) if wanted else set()
    unknown = [person_id for person_id in wanted if person_id not in known]
    if unknown:
        raise Conflict(
            "Some members are not people here.",
            [Problem("unknown_person", f"No person {pid}.", f"person_ids[{person_ids.index(pid)}]") for pid in unknown],
        )
    before = initiative_members(session=session, initiative_id=initiative_id)
    if before == wanted:
        return before
    for member in session.exec(select(InitiativeMember).where(InitiativeMember.initiative_id == initiative_id)).all():
        session.delete(member)
    session.flush()
    for person_id in wanted:
        session.add(InitiativeMember(initiative_id=initiative_id, person_id=person_id))
    session.flush()
    audit.record(
        session=session,
        actor=actor,
        action="members_set",
        entity="initiative",
        entity_id=initiative_id,
        initiative_id=initiative_id,
        before={"members": before},
        after={"members": wanted},
    )
    return wanted


@dataclass(frozen=True)
class IssuedToken:
    """A token just made: the stored record, and the token itself, shown this once."""

    record: ApiToken
    token: str


def _issue(*, session: Session, person: Person, name: str, expires_in_days: int | None) -> IssuedToken:
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    record = ApiToken(
        person_id=person.id or 0,
        name=name,
        digest=_digest(token),
        prefix=token[: len(TOKEN_PREFIX) + 4],
        expires_at=utc_now() + timedelta(days=expires_in_days) if expires_in_days else None,
    )
    session.add(record)
    session.flush()
    return IssuedToken(record=record, token=token)


def issue_sign_in_token(*, session: Session, person: Person, expires_in_days: int) -> IssuedToken:
    """A sign-in token for a person the organisation's sign-in vouched for (the caller records the sign-in)."""
    return _issue(session=session, person=person, name=SIGN_IN_TOKEN, expires_in_days=expires_in_days)


def create_token(*, session: Session, fields: ApiTokenCreate, actor: Actor) -> IssuedToken:
    """Make a token: anyone for themselves (expiring within 90 days), an admin for anyone."""
    if fields.person_id != actor.person_id:
        require(session=session, actor=actor, action=Action.manage_people)
    if actor.role is not Role.admin and (fields.expires_in_days is None or fields.expires_in_days > SELF_TOKEN_DAYS):
        raise InvalidInput(
            f"Your own tokens expire within {SELF_TOKEN_DAYS} days; an admin can make longer-lived ones.",
            [Problem("expiry_too_long", f"Give expires_in_days from 1 to {SELF_TOKEN_DAYS}.", "expires_in_days")],
        )
    person = get_person(session=session, person_id=fields.person_id)
    issued = _issue(session=session, person=person, name=fields.name, expires_in_days=fields.expires_in_days)
    assert issued.record.id is not None
    audit.record(
        session=session,
        actor=actor,
        action="created",
        entity="api_token",
        entity_id=issued.record.id,
        after={"person_id": person.id, "name": fields.name, "expires_at": issued.record.expires_at},
    )
    return issued


def list_tokens(
    *, session: Session, actor: Actor, person_id: int | None = None, limit: int = 500, offset: int = 0
) -> Page[ApiToken]:
    """A page of tokens, oldest first: one's own, or (for an admin) anyone's."""
    if person_id is None and actor.role is not Role.admin:
        person_id = actor.person_id
    if person_id != actor.person_id:
        require(session=session, actor=actor, action=Action.manage_people)
    statement = select(ApiToken).order_by(col(ApiToken.id))
    if person_id is not None:
        statement = statement.where(ApiToken.person_id == person_id)
    return paginate(session=session, statement=statement, limit=limit, offset=offset)


@dataclass
class AccountTokens:
    """A person's own tokens as their account page lists them."""

    api_tokens: list[ApiToken]  # newest first, revoked and expired ones included
    signed_in: list[ApiToken]  # the sign-ins still live: the places the person is signed in, newest first


def account_tokens(*, session: Session, actor: Actor, limit: int = 200) -> AccountTokens:
    """The signed-in person's API tokens, and their sign-ins still live (every sign-in leaves a token behind)."""
    now = utc_now()
    mine = select(ApiToken).where(ApiToken.person_id == actor.person_id).order_by(col(ApiToken.id).desc())
    live = (
        col(ApiToken.revoked_at).is_(None),
        sa.or_(col(ApiToken.expires_at).is_(None), col(ApiToken.expires_at) > now),
    )
    return AccountTokens(
        api_tokens=list(session.exec(mine.where(ApiToken.name != SIGN_IN_TOKEN).limit(limit)).all()),
        signed_in=list(session.exec(mine.where(ApiToken.name == SIGN_IN_TOKEN, *live).limit(limit)).all()),
    )


def is_token(record: ApiToken, token: str) -> bool:
    """Whether `token` is the one `record` keeps (by its digest)."""
    return bool(token) and secrets.compare_digest(record.digest, _digest(token))


def revoke_token(*, session: Session, token_id: int, actor: Actor) -> ApiToken:
    """Revoke a token for good: one's own, or (for an admin) anyone's."""
    record = session.get(ApiToken, token_id)
    if record is None:
        raise NotFound(f"There is no token {token_id}.")
    if record.person_id != actor.person_id:
        require(session=session, actor=actor, action=Action.manage_people)
    if record.revoked_at is None:
        record.revoked_at = utc_now()
        session.flush()
        audit.record(
            session=session,
            actor=actor,
            action="revoked",
            entity="api_token",
            entity_id=token_id,
            before={"revoked_at": None},
            after={"revoked_at": record.revoked_at},
        )
    return record


def actor_for_token(*, session: Session, token: str) -> Actor:
    """The person a bearer token stands for; Unauthenticated when it is unknown, revoked, expired or inactive."""
    row = session.exec(
        select(ApiToken, Person)
        .join(Person, col(Person.id) == col(ApiToken.person_id))
        .where(ApiToken.digest == _digest(token))
    ).first()
    if row is None:
        raise Unauthenticated("The token is not valid.")
    record, person = row
    now = utc_now()
    if record.revoked_at is not None or (record.expires_at is not None and record.expires_at <= now):
        raise Unauthenticated("The token has been revoked or has expired.")
    if not person.active:
        raise Unauthenticated("The account is inactive.")
    return Actor(name=person.name, role=Role(person.role), person_id=person.id)


@dataclass(frozen=True)
class SignInLimits:
    """How many failed sign-ins are allowed per account and per address within the window."""

    per_account: int
    per_address: int
    window_seconds: int


@dataclass(frozen=True)
class PendingSignIn:
    """A sign-in attempt recorded (as failed until proved otherwise), with what its password is checked against.

    `throttled` is the refusal when the account or address is over its limit: a result, not an error, because
    the attempt still counts (the caller's unit of work commits it), and its password is never checked.
    """

    attempt_id: int
    person_id: int | None
    password_hash: str | None
    throttled: TooManyAttempts | None = None


def sign_in_limits() -> SignInLimits:
    """The limits on failed sign-ins the settings give."""
    settings = get_settings()
    return SignInLimits(
        per_account=settings.login_max_failures_per_account,
        per_address=settings.login_max_failures_per_address,
        window_seconds=settings.login_window_seconds,
    )


def _lock_for_sign_in(session: Session, *keys: str) -> None:
    # Parallel guesses must see each other's attempts: on PostgreSQL, serialise attempts per account and
    # per address for the rest of the transaction (SQLite already serialises writers with BEGIN IMMEDIATE).
    if session.get_bind().dialect.name == "postgresql":
        for key in keys:
            session.execute(sa.text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": key})


def local_password_refusal(*, session: Session, login: str) -> Forbidden | None:
    """With local passwords off, the refusal of a password sign-in by anyone but the break-glass admin (kept in the
    audit trail); None when passwords may be used. A result, not an error, so the trail keeps it."""
    settings = get_settings()
    glass = (settings.break_glass_admin or "").strip().lower()
    if settings.local_passwords or (glass and login.strip().lower() == glass):
        return None
    refusal = Forbidden(
        "Passwords kept here are switched off: sign in through your organisation's sign-in on the sign-in page "
        "(/sign-in); integrations use an API token.",
        [Problem("local_passwords_off", "Use your organisation's sign-in instead of a password.", "password")],
        code="local_passwords_off",
    )
    person = find_person(session=session, login=login[:200])
    audit.record(
        session=session,
        actor=Actor(
            name=person.name if person else login.strip()[:200] or "unknown",
            role=Role(person.role) if person else Role.viewer,
            person_id=person.id if person else None,
        ),
        action="sign_in_refused",
        entity="person",
        entity_id=person.id or 0 if person else 0,
        after={"reason": "local_passwords_off", "through": "password"},
        reason=refusal.detail,
    )
    return refusal


def start_sign_in(*, session: Session, login: str, address: str, limits: SignInLimits) -> PendingSignIn:
    """Record an attempt before its password is checked; throttle it if the account or address is over its limit.

    The attempt counts as a failure until `finish_sign_in` says otherwise, so guesses sent in parallel are
    counted too. The caller commits after this (a throttled attempt too), then checks the password with no
    transaction open, so the slow hash never holds a database lock.
    """
    key = login.strip().lower()[:200]
    address = address[:64]
    person = find_person(session=session, login=key)
    account = f"person:{person.id}" if person is not None else f"login:{key}"
    _lock_for_sign_in(session, f"sign-in {account}", f"sign-in address:{address}")
    attempt = LoginAttempt(login=key, address=address, person_id=person.id if person else None, succeeded=False)
    session.add(attempt)
    session.flush()
    since: datetime = utc_now() - timedelta(seconds=limits.window_seconds)
    failures = (
        select(func.count())
        .select_from(LoginAttempt)
        .where(col(LoginAttempt.succeeded).is_(False), col(LoginAttempt.at) > since)
    )
    # An account is one person, whether they typed their name or their e-mail.
    mine = col(LoginAttempt.person_id) == person.id if person is not None else col(LoginAttempt.login) == key
    by_account = session.exec(failures.where(mine)).one()
    by_address = session.exec(failures.where(LoginAttempt.address == address)).one()
    if by_account > limits.per_account or by_address > limits.per_address:
        refusal = TooManyAttempts("Too many failed sign-ins; wait and try again.", retry_after=limits.window_seconds)
        return PendingSignIn(attempt_id=attempt.id or 0, person_id=None, password_hash=None, throttled=refusal)
    usable = person is not None and person.active and person.password_hash is not None
    return PendingSignIn(
        attempt_id=attempt.id or 0,
        person_id=person.id if person is not None else None,
        password_hash=person.password_hash if usable and person is not None else None,
    )


def password_matches(pending: PendingSignIn, password: str) -> bool:
    """Whether the password is right; as slow for an unknown name as for a wrong password (no database)."""
    try:
        verified = bool(_hasher.verify(pending.password_hash or _dummy_hash(), password))
    except (VerificationError, InvalidHashError):
        return False
    return verified and pending.password_hash is not None


def finish_sign_in(
    *, session: Session, pending: PendingSignIn, password: str, matched: bool, expires_in_days: int
) -> IssuedToken:
    """Issue a token when the password matched; Unauthenticated otherwise (wrong password and unknown name alike)."""
    person = session.get(Person, pending.person_id) if pending.person_id is not None else None
    if not matched or person is None or not person.active or person.password_hash != pending.password_hash:
        raise Unauthenticated("Sign-in failed: the name or e-mail, or the password, is wrong.")
    attempt = session.get(LoginAttempt, pending.attempt_id)
    if attempt is not None:
        attempt.succeeded = True
    if person.password_hash and _hasher.check_needs_rehash(person.password_hash):
        person.password_hash = hash_password(password)
    issued = _issue(session=session, person=person, name=SIGN_IN_TOKEN, expires_in_days=expires_in_days)
    assert person.id is not None
    audit.record(
        session=session,
        actor=Actor(name=person.name, role=Role(person.role), person_id=person.id),
        action="signed_in",
        entity="api_token",
        entity_id=issued.record.id or 0,
        after={"person_id": person.id, "expires_at": issued.record.expires_at},
    )
    return issued


def sign_out(*, session: Session, token: str, actor: Actor) -> None:
    """Revoke the token the request came with."""
    record = session.exec(select(ApiToken).where(ApiToken.digest == _digest(token))).first()
    if record is None or record.person_id != actor.person_id:
        raise Forbidden("That token is not yours to revoke.")
    assert record.id is not None
    revoke_token(session=session, token_id=record.id, actor=actor)
