"""Single sign-on through the organisation's OpenID Connect provider: the provider's client, and claims to a person.

The protocol (discovery, the authorisation-code flow with PKCE, `state` and `nonce`, the ID token's signature and
claims checked against the provider's published keys) is Authlib's; this module decides who the claims are: the
person they name (made on a first sign-in), with the role their groups map to, or a refusal that says why. Every
sign-in, refusal and role change from the claims goes into the audit trail.
"""

import hmac
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session, col, select

from benefits import audit, owners, people
from benefits.actors import Actor
from benefits.columns import utc_now
from benefits.models import Person, Role
from benefits.settings import Settings, get_settings

SIGN_IN_DAYS = 1
# In several mapped groups, the first of these roles wins: admin, then the roles that change the record.
ROLE_ORDER = (Role.admin, Role.programme_manager, Role.finance, Role.board, Role.viewer)
NOBODY = 0  # the entity id of a refusal that names no person of ours


def enabled(settings: Settings | None = None) -> bool:
    """Whether single sign-on is set up (an issuer and a client id)."""
    settings = settings or get_settings()
    return bool(settings.oidc_issuer and settings.oidc_client_id)


def _oidc() -> Any:
    """The protocol's client module (Authlib, httpx, joserfc): it loads with the first sign-in, not at start-up."""
    from benefits import oidc_client

    return oidc_client


@dataclass(frozen=True)
class Refusal:
    """A sign-in refused: a stable reason, what happened and what to do instead, in words for the person."""

    reason: str
    detail: str
    what_to_do: str


@dataclass(frozen=True)
class LeavingForProvider:
    """Where to send the browser, and what it must bring back (kept by the pages until the provider answers)."""

    url: str
    state: str
    nonce: str
    code_verifier: str


UNREACHABLE = Refusal(
    "provider_unreachable",
    "The organisation's sign-in service did not answer.",
    "Try again in a few minutes. If it stays down, the service's break-glass administrator can still sign in "
    "with a password.",
)


def leave_for_provider(*, redirect_uri: str) -> LeavingForProvider | Refusal:
    """The provider's authorisation address for a new sign-in, with a fresh `state`, `nonce` and PKCE verifier."""
    oidc = _oidc()
    try:
        made = oidc.client().create_authorization_url(redirect_uri=redirect_uri)
    except (oidc.HTTPError, ValueError, KeyError, RuntimeError):
        return UNREACHABLE
    return LeavingForProvider(
        url=made["url"], state=made["state"], nonce=made["nonce"], code_verifier=made["code_verifier"]
    )


def provider_sign_out_url(*, post_logout_redirect_uri: str) -> str | None:
    """The provider's own sign-out address (its `end_session_endpoint`), or None when it has none or is down."""
    if not enabled():
        return None
    oidc = _oidc()
    client = oidc.client()
    try:
        made = client.create_logout_url(post_logout_redirect_uri=post_logout_redirect_uri, client_id=client.client_id)
    except (oidc.HTTPError, ValueError, KeyError, RuntimeError):
        return None
    return str(made["url"])


@dataclass(frozen=True)
class Identity:
    """Who the provider says signed in, from the verified ID token."""

    issuer: str
    subject: str
    name: str | None
    email: str | None
    email_verified: bool
    groups: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ProviderAnswer:
    """What came back to the callback address, and what the browser kept from when it left."""

    state: str | None
    code: str | None
    error: str | None
    error_description: str | None
    issuer: str | None  # RFC 9207's `iss`, when the provider sends it
    kept_state: str | None
    nonce: str | None
    code_verifier: str | None


def _groups(claims: dict[str, Any], claim: str) -> list[str]:
    """The groups or roles claim as a list of text, whether the provider sends a list or one value."""
    value = claims.get(claim)
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [str(item) for item in value if isinstance(item, str | int)]
    return []


def verify_answer(*, answer: ProviderAnswer, redirect_uri: str) -> Identity | Refusal:
    """Check the provider's answer: `state` as sent, the code exchanged (with the PKCE verifier), the ID token
    verified against the provider's keys with its `nonce`; the identity it names, or why not."""
    again = "Start again from the sign-in page."
    if answer.kept_state is None or answer.nonce is None or answer.code_verifier is None:
        return Refusal(
            "no_sign_in_started",
            "This browser has no sign-in under way here: it took longer than ten minutes, or began in another browser.",
            again,
        )
    if answer.state is None or not hmac.compare_digest(answer.state.encode(), answer.kept_state.encode()):
        return Refusal(
            "state_mismatch",
            "The answer from the organisation's sign-in does not belong to the sign-in this browser started, so it "
            "was not trusted.",
            again,
        )
    settings = get_settings()
    oidc = _oidc()
    client = oidc.client()
    try:
        metadata = client.load_server_metadata()
    except (oidc.HTTPError, ValueError):
        return UNREACHABLE
    # The discovery document must name the issuer it was read from (OpenID Connect Discovery, section 4.3).
    if str(metadata.get("issuer", "")).rstrip("/") != (settings.oidc_issuer or "").rstrip("/"):
        return Refusal(
            "issuer_mismatch",
            "The sign-in service's discovery document names another issuer than BENEFITS_OIDC_ISSUER.",
            "Tell the service's administrator: BENEFITS_OIDC_ISSUER must be the provider's issuer exactly.",
        )
    if answer.issuer is not None and answer.issuer != metadata.get("issuer"):
        return Refusal("issuer_mismatch", "The answer came from another sign-in service than this one uses.", again)
    if answer.error is not None or answer.code is None:
        said = answer.error_description or answer.error or "no code"
        return Refusal("provider_refused", f"The organisation's sign-in did not sign you in ({said}).", again)
    try:
        token = client.fetch_access_token(
            redirect_uri=redirect_uri, code=answer.code, code_verifier=answer.code_verifier
        )
    except oidc.OAuthError as error:
        return Refusal(
            "code_refused",
            "The organisation's sign-in did not accept this sign-in's code: it had expired or was used already "
            f"({error.error}).",
            again,
        )
    except oidc.HTTPError:
        return UNREACHABLE
    try:
        claims = client.parse_id_token(token, nonce=answer.nonce, leeway=60)
    except (oidc.JoseError, ValueError, KeyError) as error:
        return Refusal(
            "id_token_refused", f"The organisation's sign-in sent an identity that did not check out ({error}).", again
        )
    if claims is None or not claims.get("sub"):
        return Refusal("id_token_refused", "The organisation's sign-in sent no identity.", again)
    return Identity(
        issuer=str(claims["iss"]),
        subject=str(claims["sub"]),
        name=str(claims["name"]).strip() if claims.get("name") else None,
        email=str(claims["email"]).strip().lower() if claims.get("email") else None,
        email_verified=claims.get("email_verified") is not False,
        groups=_groups(claims, settings.oidc_groups_claim),
    )


def role_for_groups(groups: list[str], role_map: dict[str, Role]) -> Role | None:
    """The role the groups map to (the first of ROLE_ORDER among them), or None when no group is mapped."""
    mapped = {role_map[group] for group in groups if group in role_map}
    return next((role for role in ROLE_ORDER if role in mapped), None)


@dataclass(frozen=True)
class SignedIn:
    """A person signed in through the provider, with the sign-in token their session keeps."""

    person: Person
    token: str


def _identity_snapshot(identity: Identity) -> dict[str, Any]:
    return {"issuer": identity.issuer, "subject": identity.subject, "name": identity.name, "email": identity.email,
            "groups": identity.groups}  # fmt: skip


def record_refusal(*, session: Session, refusal: Refusal, identity: Identity | None, person: Person | None) -> None:
    """Keep a refused sign-in in the audit trail: why, and whom the provider named, if it got that far."""
    who = person.name if person is not None else (identity.name or identity.subject) if identity else "unknown"
    audit.record(
        session=session,
        actor=Actor(
            name=who[:200], role=Role(person.role) if person else Role.viewer, person_id=person.id if person else None
        ),
        action="sign_in_refused",
        entity="person",
        entity_id=person.id or NOBODY if person else NOBODY,
        after={"reason": refusal.reason, "through": "single sign-on"},
        context=_identity_snapshot(identity) if identity else None,
        reason=refusal.detail,
    )


def _person_for(session: Session, identity: Identity) -> Person | None:
    """The person this identity signed in as before; else one an admin made with the same verified e-mail."""
    known = session.exec(
        select(Person).where(Person.identity_issuer == identity.issuer, Person.identity_subject == identity.subject)
    ).first()
    if known is not None or identity.email is None or not identity.email_verified:
        return known
    # An admin may have added the person before they first signed in (to own benefits): theirs is the record.
    same_email = session.exec(select(Person).where(col(Person.email) == identity.email)).first()
    if same_email is None or same_email.identity_subject is not None:
        return None
    # The break-glass admin stays a local account: the provider's groups never set that admin's role.
    glass = (get_settings().break_glass_admin or "").strip().lower()
    return None if glass and same_email.name_key == glass else same_email


def _free_name(session: Session, wanted: str, person_id: int | None, identity: Identity) -> str:
    """The provider's name for the person, told apart from another person's of the same name."""
    for name in (wanted, f"{wanted} ({identity.email or identity.subject})"[:200]):
        taken = session.exec(select(Person).where(Person.name_key == name.lower())).first()
        if taken is None or taken.id == person_id:
            return name
    return f"{wanted[:150]} ({identity.subject[:40]})"


def _free_email(session: Session, email: str | None, person_id: int | None) -> str | None:
    """The provider's e-mail for the person, unless another person here has it (then theirs stays theirs)."""
    if email is None or len(email) > 200 or "@" not in email:
        return None
    taken = session.exec(select(Person).where(col(Person.email) == email)).first()
    return email if taken is None or taken.id == person_id else None


def sign_in_identity(*, session: Session, identity: Identity) -> SignedIn | Refusal:
    """Sign in the person the verified identity names: made on a first sign-in with the role their groups map to,
    their name, e-mail and role refreshed from the claims later; refused (and kept in the trail) when no group maps
    to a role or the person is inactive here."""
    settings = get_settings()
    person = _person_for(session, identity)
    role = role_for_groups(identity.groups, settings.oidc_role_map)
    if role is None:
        refusal = Refusal(
            "no_mapped_group",
            f"Your organisation's account is in none of the groups that give access to this service (its groups: "
            f"{', '.join(identity.groups) or 'none'}).",
            "Ask the person who looks after this service for your organisation to add you to a group that gives "
            "access; then sign in again.",
        )
        record_refusal(session=session, refusal=refusal, identity=identity, person=person)
        return refusal
    if person is not None and not person.active:
        refusal = Refusal(
            "inactive",
            "Your account here has been switched off by an administrator.",
            "Ask an administrator of this service to make your account active again.",
        )
        record_refusal(session=session, refusal=refusal, identity=identity, person=person)
        return refusal
    wanted_name = (identity.name or identity.email or identity.subject).replace("@", " at ")[:200]
    if person is None:
        name = _free_name(session, wanted_name, None, identity)
        person = Person(
            name=name,
            name_key=name.lower(),
            email=_free_email(session, identity.email, None),
            role=role,
            identity_issuer=identity.issuer,
            identity_subject=identity.subject,
        )
        session.add(person)
        session.flush()
        assert person.id is not None
        audit.record(
            session=session,
            actor=Actor(name=person.name, role=role, person_id=person.id),
            action="created",
            entity="person",
            entity_id=person.id,
            after={
                "name": person.name,
                "email": person.email,
                "role": role,
                "active": True,
                "through": "single sign-on",
            },
            context=_identity_snapshot(identity),
        )
    else:
        assert person.id is not None
        before = {"name": person.name, "email": person.email, "role": Role(person.role),
                  "identity_subject": person.identity_subject}  # fmt: skip
        person.name = _free_name(session, wanted_name, person.id, identity)
        person.name_key = person.name.lower()
        person.email = _free_email(session, identity.email, person.id) or person.email
        person.role = role
        person.identity_issuer, person.identity_subject = identity.issuer, identity.subject
        after = {"name": person.name, "email": person.email, "role": role, "identity_subject": person.identity_subject}
        old, new = audit.changed_fields(before, after)
        if new:
            person.updated_at = utc_now()
            session.flush()
            if "name" in new:
                owners.rename(session=session, person=person)
            audit.record(
                session=session,
                actor=Actor(name=person.name, role=role, person_id=person.id),
                action="updated",
                entity="person",
                entity_id=person.id,
                before=old,
                after=new,
                context=_identity_snapshot(identity),
                reason="Refreshed from the organisation's sign-in (its claims).",
            )
    issued = people.issue_sign_in_token(session=session, person=person, expires_in_days=SIGN_IN_DAYS)
    audit.record(
        session=session,
        actor=Actor(name=person.name, role=role, person_id=person.id),
        action="signed_in",
        entity="api_token",
        entity_id=issued.record.id or 0,
        after={"person_id": person.id, "expires_at": issued.record.expires_at, "through": "single sign-on"},
        context=_identity_snapshot(identity),
    )
    return SignedIn(person=person, token=issued.token)
