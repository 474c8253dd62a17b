"""Reminders by e-mail: each person gets one digest of what is newly due from them, once per item.

A run (`benefits notify`, daily) plans the digests from what is due (`benefits.work`) less what each person has
already been told of, sends them through the SMTP server named in the settings, and records each digest's items
once the server has accepted it. A digest that is not accepted records nothing, so the next run sends it again:
delivery is at least once, never silently lost. The run holds no database transaction while it talks to the
mail server (on SQLite that would hold the service's write lock).
"""

import html
import logging
import smtplib
import ssl
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid, parseaddr
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Session, col

from benefits.columns import utc_now
from benefits.errors import InvalidInput, Problem
from benefits.formatting import quantity
from benefits.models import NoticeSent, Person
from benefits.settings import Settings
from benefits.work import WorkItem, due_work

log = logging.getLogger(__name__)

MY_WORK = "/work"
DIGEST_SETTING = "/account/tokens#digests"  # where a person turns their digests off


class Skip(StrEnum):
    """Why a person with something due was sent no digest."""

    inactive = "inactive"  # cannot sign in any more: an admin hands their work on
    opted_out = "opted out"
    no_email = "no e-mail address"
    nothing_new = "nothing new"  # every item due was in an earlier digest


@dataclass(frozen=True)
class Digest:
    """What one person is to be told: the items newly due from them, and how many told earlier are still due."""

    person_id: int
    name: str
    email: str
    items: list[WorkItem]
    still_due: int


@dataclass
class DigestPlan:
    """A run's digests, the people passed over and why, and the items nobody can be named for."""

    digests: list[Digest] = field(default_factory=list)
    skipped: Counter[Skip] = field(default_factory=Counter)
    unowned: int = 0


@dataclass(frozen=True)
class SmtpServer:
    """Where and how digests are sent, from the settings."""

    host: str
    port: int
    starttls: bool
    user: str | None
    password: str | None
    sender: str
    timeout: float

    @classmethod
    def from_settings(cls, settings: Settings) -> "SmtpServer | None":
        """The server the settings name; None when BENEFITS_SMTP_HOST is unset (nothing is sent)."""
        if not settings.smtp_host:
            return None
        if not settings.smtp_from or "@" not in parseaddr(settings.smtp_from)[1]:
            said = "Set BENEFITS_SMTP_FROM to the address digests come from, such as benefits@council.example."
            raise InvalidInput(said, [Problem("smtp_from", said, "smtp_from")])
        password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
        return cls(settings.smtp_host, settings.smtp_port, settings.smtp_starttls, settings.smtp_user or None,
                   password, settings.smtp_from, settings.smtp_timeout_seconds)  # fmt: skip


@dataclass
class RunResult:
    """What a run did: digests sent and failed (by person's name), people skipped by reason, items unowned."""

    sent: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    skipped: Counter[Skip] = field(default_factory=Counter)
    unowned: int = 0


def plan_digests(*, session: Session, today: date, grace_days: int) -> DigestPlan:
    """Each person's digest of what is due from them on `today` that no earlier digest told them of."""
    items = due_work(session=session, today=today, grace_days=grace_days)
    plan = DigestPlan(unowned=sum(1 for item in items if item.person_id is None))
    owed: dict[int, list[WorkItem]] = defaultdict(list)
    for item in items:
        if item.person_id is not None:
            owed[item.person_id].append(item)
    if not owed:
        return plan
    ids = sorted(owed)
    people = session.execute(
        sa.select(col(Person.id), col(Person.name), col(Person.email), col(Person.active), col(Person.digests))
        .where(col(Person.id).in_(ids)).order_by(col(Person.name_key), col(Person.id))
    ).all()  # fmt: skip
    told = set(
        session.execute(
            sa.select(col(NoticeSent.person_id), col(NoticeSent.item_key), col(NoticeSent.due_on)).where(
                col(NoticeSent.person_id).in_(ids)
            )
        ).all()
    )
    for person_id, name, email, active, digests in people:
        due = owed[person_id]
        new = [item for item in due if (person_id, item.key, item.due_on) not in told]
        reason = (Skip.inactive if not active else Skip.opted_out if not digests else Skip.no_email if not email
                  else Skip.nothing_new if not new else None)  # fmt: skip
        if reason is not None:
            plan.skipped[reason] += 1
            continue
        plan.digests.append(Digest(person_id, name, email, new, still_due=len(due) - len(new)))
    return plan


def record_sent(*, session: Session, digest: Digest, sent_at: datetime | None = None) -> None:
    """Keep that the digest's items were told to its person (any told already by a run beside this one stay)."""
    told = {(item.key, item.due_on) for item in digest.items}
    held = set(
        session.execute(
            sa.select(col(NoticeSent.item_key), col(NoticeSent.due_on)).where(
                col(NoticeSent.person_id) == digest.person_id,
                col(NoticeSent.item_key).in_(sorted(key for key, _ in told)),
            )
        ).all()
    )
    when = sent_at or utc_now()
    session.add_all(
        NoticeSent(person_id=digest.person_id, item_key=key, due_on=due_on, sent_at=when)
        for key, due_on in sorted(told - held)
    )
    session.flush()


def _overdue(days: int) -> str:
    if days <= 0:
        return "due today"
    return f"{quantity(days, 'day' if days == 1 else 'days', places=0)} overdue"


def _day(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def _things(count: int) -> str:
    return f"{quantity(count, places=0)} {'thing' if count == 1 else 'things'}"


def compose_digest(*, digest: Digest, site_url: str, sender: str) -> EmailMessage:
    """The digest as an e-mail: each item, how overdue, a link to where it is done, and a link to "my work"."""
    base = site_url.rstrip("/")
    lines = [f"Hello {digest.name},", "", f"{_things(len(digest.items))} newly due from you:", ""]
    rows = []
    for number, item in enumerate(digest.items, start=1):
        where = f"{item.initiative}: " if item.initiative else ""
        when = f"{where}{_overdue(item.days_overdue)} (due {_day(item.due_on)})."
        lines += [f"{number}. {item.what}", f"   {when}", f"   {base}{item.link}", ""]
        rows.append(f'<li><a href="{html.escape(base + item.link)}">{html.escape(item.what)}</a><br>'
                    f"{html.escape(when)}</li>")  # fmt: skip
    earlier = (f"{_things(digest.still_due)} from earlier digests {'is' if digest.still_due == 1 else 'are'} "
               "still due too.") if digest.still_due else ""  # fmt: skip
    if earlier:
        lines += [earlier, ""]
    lines += [
        f"Everything due from you, most overdue first: {base}{MY_WORK}",
        "",
        f"You receive this because digests are on for your account; turn them off at {base}{DIGEST_SETTING}",
    ]
    message = EmailMessage()
    message["Subject"] = f"Benefits: {_things(len(digest.items))} due"
    message["From"] = sender
    message["To"] = formataddr((digest.name, digest.email))
    message["Date"] = format_datetime(utc_now())
    message["Message-ID"] = make_msgid(domain=parseaddr(sender)[1].rpartition("@")[2] or None)
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no out-of-office replies to a robot
    message.set_content("\n".join(lines))
    message.add_alternative(
        f"<p>Hello {html.escape(digest.name)},</p>"
        f"<p>{_things(len(digest.items))} newly due from you:</p><ol>{''.join(rows)}</ol>"
        + (f"<p>{html.escape(earlier)}</p>" if earlier else "")
        + f'<p><a href="{html.escape(base + MY_WORK)}">Everything due from you</a>, most overdue first.</p>'
        f'<p>You receive this because digests are on for your account; <a href="{html.escape(base + DIGEST_SETTING)}">'
        "turn them off</a>.</p>",
        subtype="html",
    )
    return message


class NotSent(Exception):
    """The server did not accept a message; `reason` says why, for the log."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def _why(error: Exception) -> str:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return "; ".join(f"{code} {text.decode(errors='replace')}" for code, text in error.recipients.values())
    if isinstance(error, smtplib.SMTPResponseException):
        text = error.smtp_error.decode(errors="replace") if isinstance(error.smtp_error, bytes) else error.smtp_error
        return f"{error.smtp_code} {text}"
    return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__


class Postbox:
    """One connection to the SMTP server for a run: opened at the first message, opened again once if it drops."""

    def __init__(self, server: SmtpServer):
        self.server = server
        self._connection: smtplib.SMTP | None = None
        self._unreachable: str | None = None

    def _open(self) -> smtplib.SMTP:
        server = self.server
        connection = smtplib.SMTP(server.host, server.port, timeout=server.timeout)
        try:
            connection.ehlo()
            if server.starttls:
                # Refuse to go on in clear when the server offers no STARTTLS (smtplib raises), and check its
                # certificate against the system's authorities: a password or a digest never crosses unprotected.
                connection.starttls(context=ssl.create_default_context())
                connection.ehlo()
            if server.user:
                connection.login(server.user, server.password or "")
        except BaseException:
            connection.close()
            raise
        return connection

    def send(self, message: EmailMessage) -> None:
        """Hand the message to the server, or raise NotSent."""
        if self._unreachable is not None:
            raise NotSent(self._unreachable)
        if self._connection is not None and self._connection.sock is None:
            self._connection = None  # the server closed it after its last answer (a 421): open a new one
        if self._connection is None:
            try:
                self._connection = self._open()
            except (OSError, smtplib.SMTPException) as error:
                # Reaching, securing or signing in to the server failed: the rest of the run would fail alike.
                self._unreachable = f"the SMTP server {self.server.host}:{self.server.port} failed: {_why(error)}"
                raise NotSent(self._unreachable) from error
        try:
            self._connection.send_message(message)
        except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, smtplib.SMTPDataError,
                smtplib.SMTPNotSupportedError) as error:  # fmt: skip
            # This message refused (an unknown mailbox; an address the server cannot take, such as one in
            # Unicode to a server without SMTPUTF8): the connection still serves the next.
            raise NotSent(_why(error)) from error
        except (OSError, smtplib.SMTPException) as error:
            self.close()  # the connection dropped: the next message opens a new one
            raise NotSent(_why(error)) from error

    def close(self) -> None:
        """Say goodbye to the server, if connected."""
        connection, self._connection = self._connection, None
        if connection is None:
            return
        try:
            connection.quit()
        except (OSError, smtplib.SMTPException):
            connection.close()


def send_digests(*, plan: DigestPlan, server: SmtpServer, site_url: str, record: Callable[[Digest], None]) -> RunResult:
    """Send each planned digest; `record(digest)` keeps each one the server accepted (the caller commits it)."""
    result = RunResult(skipped=plan.skipped.copy(), unowned=plan.unowned)
    postbox = Postbox(server)
    try:
        for digest in plan.digests:
            message = compose_digest(digest=digest, site_url=site_url, sender=server.sender)
            try:
                postbox.send(message)
            except NotSent as refusal:
                # Nothing is recorded for this person, so the next run sends them these items again.
                log.warning("digest not sent; the next run tries again",
                            extra={"person_id": digest.person_id, "items": len(digest.items),
                                   "reason": refusal.reason})  # fmt: skip
                result.failed.append(digest.name)
                continue
            record(digest)
            log.info("digest sent", extra={"person_id": digest.person_id, "items": len(digest.items)})
            result.sent.append(digest.name)
    finally:
        postbox.close()
    return result
