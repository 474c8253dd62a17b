"""Reminders by e-mail, read back from a real SMTP server on loopback: who is told what, once, and retried."""

import logging
import re
import shutil
import socket
import ssl
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from click.testing import CliRunner
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from benefits import measures, migrate, notify, people
from benefits.actors import Actor
from benefits.cli import main
from benefits.columns import utc_now
from benefits.db import make_engine
from benefits.errors import InvalidInput
from benefits.example import load_example
from benefits.models import Benefit, Measure, NoticeSent, Person, Review, Role
from benefits.models.measure import ObservationIn
from benefits.notify import Skip, SmtpServer
from benefits.settings import Settings, get_settings
from tests.conftest import FreshDatabase
from tests.support.deployment_guide import guide_file, substituted
from tests.support.nginx import NginxUnavailable, self_signed_certificate

TODAY = date(2027, 1, 10)
GRACE = 30
SITE = "https://benefits.wendlebury.example"
SENDER = "Benefits <benefits@wendlebury.example>"
SERVICE = "/etc/systemd/system/benefits-notify.service"
TIMER = "/etc/systemd/system/benefits-notify.timer"
CRON = "/etc/cron.d/benefits-notify"

# The example's monthly measures were last observed on 1 October 2026. That observation covers October, so the
# next (November's) can be read once November has ended, on 1 December, and is due 30 days' grace later.
NEXT_OBSERVATION = date(2026, 12, 1) + timedelta(days=GRACE)
FY_2026_27 = date(2026, 4, 1)  # cash and capacity of a year are to confirm from the day the year begins

# What the worked example owes on 10 January 2027, by person: (subject named in the item, due day, page kind).
# A due day of None is the day the record was made (a benefit with no owner is due from then).
EXPECTED: dict[str, list[tuple[str, date | None, str]]] = {
    # Frank Okafor is the one finance officer. Finance has confirmed only 58,900 of the 63,675 capacity planned for
    # the avoided calls in 2026-27, and none of the 40,200 cash the web shift plans to take from the phone budget.
    # July's board gave him the CS200 reduction, due 31 October 2026.
    "Frank Okafor": [
        ("Avoidable phone contact removed", FY_2026_27, "finance"),
        ("Phone transactions shifted to the web", FY_2026_27, "finance"),
        ("Confirm the CS200 budget reduction", date(2026, 10, 31), "review"),
    ],
    # Priya Patel owns the programme: two board actions (due 31 August and 30 November 2026), the benefit nobody
    # owns (it falls to the initiative's owner) and her satisfaction measure's next observation.
    "Priya Patel": [
        ("Find an owner for the abandoned-calls benefit", date(2026, 8, 31), "review"),
        ("Update the avoidable-contact assumption from the measure", date(2026, 11, 30), "review"),
        ("A single customer record improves safeguarding referrals", None, "benefit"),
        ("Customer satisfaction", NEXT_OBSERVATION, "measure"),
    ],
    # Dana Reid, a named officer without a sign-in, owns two measures. Sam Hughes's "Share of avoidable contact" is
    # fed from the contact counts, which hold no month after its last observation: he owes nothing yet.
    "Dana Reid": [("Calls a month", NEXT_OBSERVATION, "measure"), ("Abandoned calls", NEXT_OBSERVATION, "measure")],
}
ADDRESSES = {
    "Frank Okafor": "frank.okafor@wendlebury.example",
    "Priya Patel": "priya.patel@wendlebury.example",
    "Dana Reid": "dana.reid@wendlebury.example",
}


@dataclass
class Mailbox:
    """An aiosmtpd handler that keeps every message it accepts, and refuses the recipients it is told to."""

    received: list[EmailMessage] = field(default_factory=list)
    refused: set[str] = field(default_factory=set)
    closing: set[str] = field(default_factory=set)

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        if address in self.refused:
            return "550 5.1.1 No such mailbox here"
        if address in self.closing:
            return "421 4.3.2 Closing the connection for now"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        self.received.append(message)
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class SmtpOnLoopback:
    """A real SMTP server on 127.0.0.1 that the test can stop and start again on the same port."""

    def __init__(self) -> None:
        self.port = _free_port()
        self.mailbox = Mailbox()
        self._controller: Controller | None = None

    def start(self) -> None:
        self._controller = Controller(self.mailbox, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def settings(self, *, starttls: bool = False) -> SmtpServer:
        return SmtpServer(host="127.0.0.1", port=self.port, starttls=starttls, user=None, password=None,
                          sender=SENDER, timeout=5)  # fmt: skip


@pytest.fixture
def smtp() -> Iterator[SmtpOnLoopback]:
    server = SmtpOnLoopback()
    server.start()
    yield server
    server.stop()


def _run(session: Session, server: SmtpServer, today: date = TODAY) -> notify.RunResult:
    plan = notify.plan_digests(session=session, today=today, grace_days=GRACE)
    return notify.send_digests(
        plan=plan,
        server=server,
        site_url=SITE,
        record=lambda digest: notify.record_sent(session=session, digest=digest),
    )


@dataclass(frozen=True)
class Entry:
    """One item of a digest as its reader sees it."""

    what: str
    when: str
    link: str


def _entries(text: str) -> list[Entry]:
    return [Entry(what, when, link) for what, when, link in
            re.findall(r"^\d+\. (.+)\n   (.+)\n   (\S+)$", text, flags=re.MULTILINE)]  # fmt: skip


def _plain(message: EmailMessage) -> str:
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    return str(body.get_content()).replace("\r\n", "\n")  # lines cross SMTP ending in CR LF


def _by_person(messages: list[EmailMessage]) -> dict[str, EmailMessage]:
    found: dict[str, EmailMessage] = {}
    for message in messages:
        name = message["To"].addresses[0].display_name
        assert name not in found, f"{name} got two digests"
        found[name] = message
    return found


def _pages(session: Session) -> dict[str, str]:
    """The page where each expected subject is dealt with, from the ids the record gave them."""
    october = session.exec(select(Review).where(Review.title == "Programme board, October 2026")).one()
    pages = {}
    for items in EXPECTED.values():
        for subject, _, kind in items:
            if kind == "finance":
                pages[subject] = "/finance"
            elif kind == "review":
                pages[subject] = f"/reviews/{october.id}"
            elif kind == "benefit":
                pages[subject] = f"/benefits/{session.exec(select(Benefit).where(Benefit.title == subject)).one().id}"
            else:
                pages[subject] = f"/measures/{session.exec(select(Measure).where(Measure.name == subject)).one().id}"
    return pages


def _made_on(session: Session, title: str) -> date:
    return session.exec(select(Benefit).where(Benefit.title == title)).one().created_at.date()


def _overdue(days: int) -> str:
    return "due today" if days == 0 else f"{days:,} day{'' if days == 1 else 's'} overdue"


def _check_digest(session: Session, message: EmailMessage, name: str, expected: list[tuple[str, date | None, str]],
                  *, earlier: int = 0) -> None:  # fmt: skip
    """The digest names the person, each expected item once (nothing else), how overdue, its page and my work."""
    pages = _pages(session)
    assert message["To"].addresses[0].addr_spec == ADDRESSES[name]
    assert message["From"] == SENDER
    count = len(expected)
    assert message["Subject"] == f"Benefits: {count} thing{'' if count == 1 else 's'} due"
    text = _plain(message)
    assert text.startswith(f"Hello {name},")
    entries = _entries(text)
    assert len(entries) == count, text
    for subject, due_on, _ in expected:
        matching = [entry for entry in entries if subject in entry.what]
        assert len(matching) == 1, (name, subject, text)
        entry = matching[0]
        day = due_on or _made_on(session, subject)
        assert f"{_overdue((TODAY - day).days)} (due {day.day} {day:%B %Y})." in entry.when, entry
        assert entry.when.startswith("Customer Access Programme: "), entry
        assert entry.link.startswith(SITE + pages[subject]), entry
    assert f"Everything due from you, most overdue first: {SITE}/work" in text
    assert (f"{earlier} thing" in text) == bool(earlier)
    html = message.get_body(preferencelist=("html",))
    assert html is not None and f'href="{SITE}/work"' in str(html.get_content())


def test_the_worked_example_sends_each_person_one_digest_of_what_is_due(session: Session, smtp: SmtpOnLoopback) -> None:
    load_example(session=session)
    result = _run(session, smtp.settings())

    received = _by_person(smtp.mailbox.received)
    assert set(received) == set(EXPECTED)  # Beatrice Lund, Victor Shaw and the other officers owe nothing yet
    for name, expected in EXPECTED.items():
        _check_digest(session, received[name], name, expected)
    assert sorted(result.sent) == sorted(EXPECTED)
    assert result.failed == [] and not result.skipped
    kept = session.exec(select(NoticeSent)).all()
    assert len(kept) == sum(len(items) for items in EXPECTED.values())


def test_a_second_run_sends_nothing_and_a_later_one_only_what_is_newly_due(
    session: Session, smtp: SmtpOnLoopback
) -> None:
    load_example(session=session)
    _run(session, smtp.settings())
    first = len(smtp.mailbox.received)

    again = _run(session, smtp.settings())
    assert len(smtp.mailbox.received) == first
    assert again.sent == [] and again.failed == []
    assert again.skipped == {Skip.nothing_new: len(EXPECTED)}

    # By 15 May 2027 the year 2026-27 has ended (31 March) and its 30 days' grace passed (30 April): the actuals of
    # the benefits without a measure fall due, and 2027-28 has begun, so its cash and capacity are to confirm.
    later = date(2027, 5, 15)
    result = _run(session, smtp.settings(), today=later)
    received = _by_person(smtp.mailbox.received[first:])
    assert sorted(result.sent) == sorted(received) == ["Frank Okafor", "Helen Ward", "Tom Ellis"]
    assert result.skipped == {Skip.nothing_new: 2}  # Priya Patel and Dana Reid: nothing new

    tom = _entries(_plain(received["Tom Ellis"]))
    assert [entry.what for entry in tom] == ["Record the 2026-27 actual of “Phone transactions shifted to the web”."]
    assert tom[0].when.endswith(f"{_overdue((later - date(2027, 4, 30)).days)} (due 30 April 2027).")
    helen = _entries(_plain(received["Helen Ward"]))
    assert len(helen) == 1 and "“Library staff time given to assisted digital support”" in helen[0].what
    frank = _entries(_plain(received["Frank Okafor"]))
    newly = {"Avoidable phone contact removed", "Phone transactions shifted to the web",
             "Face-to-face visits shifted to the web"}  # fmt: skip
    assert len(frank) == len(newly)
    for title in newly:
        assert [entry for entry in frank if f"“{title}”" in entry.what and "2027-28" in entry.what], (title, frank)
    # Frank's three earlier items are still due, and the digest says so rather than repeating them.
    assert "3 things from earlier digests are still due too." in _plain(received["Frank Okafor"])


def test_a_measures_next_observation_is_news_again_once_the_last_is_recorded(
    session: Session, smtp: SmtpOnLoopback
) -> None:
    load_example(session=session)
    _run(session, smtp.settings())
    calls = session.exec(select(Measure).where(Measure.name == "Calls a month")).one()
    priya = session.exec(select(Person).where(Person.name == "Priya Patel")).one()
    recorded = ObservationIn.model_validate({"date": "2026-11-01", "value": 42100})
    measures.record_observations(session=session, measure_id=calls.id or 0, rows=[recorded],
                                 actor=Actor(name=priya.name, role=Role(priya.role), person_id=priya.id))  # fmt: skip
    told = len(smtp.mailbox.received)

    # November's observation is in: December's can be read once December has ended (1 January 2027) and is due
    # 30 days later, on 31 January. On 5 February that is news to Dana Reid; her abandoned-calls measure (still
    # due since 31 December) and everyone else's items are not.
    later = date(2027, 2, 5)
    result = _run(session, smtp.settings(), today=later)
    assert result.sent == ["Dana Reid"]
    entries = _entries(_plain(smtp.mailbox.received[told]))
    assert len(entries) == 1 and "“Calls a month”" in entries[0].what
    assert entries[0].when.endswith(f"{_overdue((later - date(2027, 1, 31)).days)} (due 31 January 2027).")
    assert "1 thing from earlier digests is still due too." in _plain(smtp.mailbox.received[told])


def test_a_person_who_turned_digests_off_gets_nothing_until_they_turn_them_on(
    session: Session, smtp: SmtpOnLoopback
) -> None:
    load_example(session=session)
    priya = session.exec(select(Person).where(Person.name == "Priya Patel")).one()
    as_priya = Actor(name=priya.name, role=Role(priya.role), person_id=priya.id)
    people.set_own_digests(session=session, actor=as_priya, digests=False)

    result = _run(session, smtp.settings())
    received = _by_person(smtp.mailbox.received)
    assert "Priya Patel" not in received
    assert set(received) == set(EXPECTED) - {"Priya Patel"}
    assert result.skipped == {Skip.opted_out: 1}
    assert session.exec(select(NoticeSent).where(NoticeSent.person_id == priya.id)).all() == []

    people.set_own_digests(session=session, actor=as_priya, digests=True)
    back = _run(session, smtp.settings())
    assert back.sent == ["Priya Patel"]
    _check_digest(session, smtp.mailbox.received[-1], "Priya Patel", EXPECTED["Priya Patel"])


def test_an_admin_turns_a_persons_digests_off_through_the_api(session: Session, client: TestClient) -> None:
    load_example(session=session)
    dana = session.exec(select(Person).where(Person.name == "Dana Reid")).one()
    assert client.get(f"/api/v1/users/{dana.id}").json()["digests"] is True
    changed = client.patch(f"/api/v1/users/{dana.id}", json={"digests": False})
    assert changed.status_code == 200, changed.text
    assert changed.json()["digests"] is False
    plan = notify.plan_digests(session=session, today=TODAY, grace_days=GRACE)
    assert "Dana Reid" not in [digest.name for digest in plan.digests]
    assert plan.skipped == {Skip.opted_out: 1}
    refused = client.patch(f"/api/v1/users/{dana.id}", json={"digests": None})
    assert refused.status_code == 422


def test_a_stopped_smtp_server_leaves_every_item_for_the_next_run(
    session: Session, smtp: SmtpOnLoopback, caplog: pytest.LogCaptureFixture
) -> None:
    load_example(session=session)
    smtp.stop()
    with caplog.at_level(logging.WARNING, logger="benefits.notify"):
        failed = _run(session, smtp.settings())
    assert sorted(failed.failed) == sorted(EXPECTED) and failed.sent == []
    assert session.exec(select(NoticeSent)).all() == []
    logged = [record for record in caplog.records if record.name == "benefits.notify"]
    assert len(logged) == len(EXPECTED)
    assert all(f"127.0.0.1:{smtp.port}" in record.__dict__["reason"] for record in logged)

    smtp.start()
    result = _run(session, smtp.settings())
    assert sorted(result.sent) == sorted(EXPECTED)
    received = _by_person(smtp.mailbox.received)
    for name, expected in EXPECTED.items():
        _check_digest(session, received[name], name, expected)


def test_a_refused_recipient_fails_only_that_persons_digest(session: Session, smtp: SmtpOnLoopback) -> None:
    load_example(session=session)
    smtp.mailbox.refused.add(ADDRESSES["Dana Reid"])
    result = _run(session, smtp.settings())
    assert result.failed == ["Dana Reid"]
    assert sorted(result.sent) == sorted(set(EXPECTED) - {"Dana Reid"})
    dana = session.exec(select(Person).where(Person.name == "Dana Reid")).one()
    assert session.exec(select(NoticeSent).where(NoticeSent.person_id == dana.id)).all() == []

    smtp.mailbox.refused.clear()
    assert _run(session, smtp.settings()).sent == ["Dana Reid"]


def test_a_server_that_closes_the_connection_fails_that_digest_and_the_next_opens_another(
    session: Session, smtp: SmtpOnLoopback
) -> None:
    load_example(session=session)
    smtp.mailbox.closing.add(ADDRESSES["Dana Reid"])  # Dana Reid's digest is the first, by name
    result = _run(session, smtp.settings())
    assert result.failed == ["Dana Reid"]
    assert sorted(result.sent) == sorted(set(EXPECTED) - {"Dana Reid"})
    assert sorted(_by_person(smtp.mailbox.received)) == sorted(result.sent)


def test_over_starttls_the_servers_certificate_is_checked_and_the_account_signed_in(
    session: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    try:
        certificate, key = self_signed_certificate(tmp_path)
    except NginxUnavailable as error:
        pytest.skip(str(error))
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.load_cert_chain(certificate, key)

    def authenticator(server: Any, session: Any, envelope: Any, mechanism: str, secret: Any) -> AuthResult:
        return AuthResult(success=isinstance(secret, LoginPassword) and (secret.login, secret.password)
                          == (b"benefits", b"the-smtp-password"))  # fmt: skip

    mailbox, port = Mailbox(), _free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port, tls_context=tls, require_starttls=True,
                            authenticator=authenticator, auth_require_tls=True)  # fmt: skip
    controller.start()
    try:
        load_example(session=session)
        server = SmtpServer(host="127.0.0.1", port=port, starttls=True, user="benefits",
                            password="the-smtp-password", sender=SENDER, timeout=5)  # fmt: skip
        # A certificate no authority the client trusts has signed: nothing is sent, nor the password.
        monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "no-such-authorities.pem"))
        with caplog.at_level(logging.WARNING, logger="benefits.notify"):
            untrusted = _run(session, server)
        assert untrusted.sent == [] and sorted(untrusted.failed) == sorted(EXPECTED)
        assert "CERTIFICATE_VERIFY_FAILED" in caplog.records[-1].__dict__["reason"]
        # The client trusts the certificate (as it would a real authority's): secured, signed in, sent.
        monkeypatch.setenv("SSL_CERT_FILE", str(certificate))
        wrong = SmtpServer(host="127.0.0.1", port=port, starttls=True, user="benefits", password="a-guess",
                           sender=SENDER, timeout=2)  # fmt: skip
        with caplog.at_level(logging.WARNING, logger="benefits.notify"):
            assert _run(session, wrong).sent == []
        assert f"the SMTP server 127.0.0.1:{port} failed" in caplog.records[-1].__dict__["reason"]
        assert mailbox.received == []
        trusted = _run(session, server)
        assert sorted(trusted.sent) == sorted(EXPECTED)
        assert sorted(_by_person(mailbox.received)) == sorted(EXPECTED)
    finally:
        controller.stop()


def test_a_server_without_starttls_is_not_sent_to_when_starttls_is_required(
    session: Session, smtp: SmtpOnLoopback
) -> None:
    load_example(session=session)
    result = _run(session, smtp.settings(starttls=True))
    assert result.sent == [] and sorted(result.failed) == sorted(EXPECTED)
    assert smtp.mailbox.received == []
    assert session.exec(select(NoticeSent)).all() == []


def test_nobody_without_an_address_or_signed_out_for_good_is_sent_anything(
    session: Session, smtp: SmtpOnLoopback, client: TestClient
) -> None:
    load_example(session=session)
    frank = session.exec(select(Person).where(Person.name == "Frank Okafor")).one()
    dana = session.exec(select(Person).where(Person.name == "Dana Reid")).one()
    assert client.patch(f"/api/v1/users/{frank.id}", json={"email": None}).status_code == 200
    assert client.patch(f"/api/v1/users/{dana.id}", json={"active": False}).status_code == 200
    result = _run(session, smtp.settings())
    assert sorted(result.sent) == ["Priya Patel"]
    assert result.skipped == {Skip.no_email: 1}
    # What Dana owed falls to the initiative's owner, Priya, now that Dana has gone.
    priya = _plain(_by_person(smtp.mailbox.received)["Priya Patel"])
    assert "Calls a month" in priya and "Abandoned calls" in priya


def test_nothing_is_sent_where_no_smtp_server_is_set() -> None:
    assert SmtpServer.from_settings(Settings(smtp_host=None)) is None
    with pytest.raises(InvalidInput) as refused:
        SmtpServer.from_settings(Settings(smtp_host="127.0.0.1", smtp_from=None))
    assert "BENEFITS_SMTP_FROM" in refused.value.detail


@pytest.fixture
def logging_kept() -> Iterator[None]:
    """The command sets up logging for its process; put the test run's own handlers back after it."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


@pytest.fixture
def command_database(
    fresh_databases: FreshDatabase, monkeypatch: pytest.MonkeyPatch, logging_kept: None
) -> Iterator[str]:
    url = fresh_databases.url()
    monkeypatch.setenv("BENEFITS_DATABASE_URL", url)
    get_settings.cache_clear()
    yield url
    get_settings.cache_clear()


def test_the_command_sends_each_digest_once_and_again_after_a_failure(
    command_database: str, smtp: SmtpOnLoopback, monkeypatch: pytest.MonkeyPatch
) -> None:
    runner = CliRunner()
    assert runner.invoke(main, ["db", "upgrade"]).exit_code == 0
    assert runner.invoke(main, ["example", "load"]).exit_code == 0
    server = {"HOST": "127.0.0.1", "PORT": str(smtp.port), "STARTTLS": "false", "FROM": SENDER}
    for name, value in server.items():
        monkeypatch.setenv(f"BENEFITS_SMTP_{name}", value)
    monkeypatch.setenv("BENEFITS_SITE_URL", SITE)
    get_settings.cache_clear()
    count = len(EXPECTED)

    smtp.stop()
    failed = runner.invoke(main, ["notify", "--today", TODAY.isoformat()])
    assert failed.exit_code == 1, failed.output
    assert f"Digests for {TODAY.isoformat()}: 0 sent, {count} failed, 0 skipped." in failed.output
    assert "The next run sends them again." in failed.output

    smtp.start()
    sent = runner.invoke(main, ["notify", "--today", TODAY.isoformat()])
    assert sent.exit_code == 0, sent.output
    assert f"{count} sent, 0 failed, 0 skipped." in sent.output
    received = _by_person(smtp.mailbox.received)
    assert sorted(received) == sorted(EXPECTED)

    again = runner.invoke(main, ["notify", "--today", TODAY.isoformat()])
    assert again.exit_code == 0, again.output
    assert f"0 sent, 0 failed, {count} skipped ({count} nothing new)." in again.output
    assert len(smtp.mailbox.received) == count


def test_the_command_sends_nothing_where_no_smtp_server_is_set(
    monkeypatch: pytest.MonkeyPatch, logging_kept: None
) -> None:
    monkeypatch.delenv("BENEFITS_SMTP_HOST", raising=False)
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(main, ["notify"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    assert "No SMTP server is set (BENEFITS_SMTP_HOST): nothing is sent." in result.output


def test_systemd_accepts_the_guides_notify_service_and_timer(tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed")
    program = Path(sys.executable).parent / "benefits"
    service = tmp_path / "benefits-notify.service"
    service.write_text(substituted(guide_file(SERVICE), {"/opt/benefits/.venv/bin/benefits": str(program)}))
    timer = tmp_path / "benefits-notify.timer"
    timer.write_text(guide_file(TIMER))
    checked = subprocess.run([analyze, "verify", "--man=no", str(service), str(timer)],
                             capture_output=True, text=True, check=False)  # fmt: skip
    complaints = [line for line in checked.stderr.splitlines() if "Unknown" in line or "Failed" in line]
    assert checked.returncode == 0 and not complaints, checked.stderr
    assert "ExecStart=/opt/benefits/.venv/bin/benefits notify" in guide_file(SERVICE)
    cron = guide_file(CRON)
    assert "benefits notify" in cron and re.search(r"^\S+ \S+ \S+ \S+ \S+ root sh -c '", cron, flags=re.MULTILINE)


def test_everyone_already_in_the_record_receives_digests_after_the_migration(fresh_databases: FreshDatabase) -> None:
    url = fresh_databases.url()
    migrate.upgrade(url, "5b7e2c91d4a0")
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(sa.text("INSERT INTO person (name, name_key, email, role, active, version, created_at, "
                                   "updated_at) VALUES ('Ada Price', 'ada price', 'ada@wendlebury.example', 'viewer', "
                                   ":yes, 1, :now, :now)"), {"yes": True, "now": utc_now()})  # fmt: skip
    migrate.upgrade(url)
    with engine.connect() as connection:
        assert connection.execute(sa.text("SELECT digests FROM person WHERE name = 'Ada Price'")).scalar() in (True, 1)
    migrate.downgrade(url, "5b7e2c91d4a0")
    with engine.connect() as connection:
        assert connection.execute(sa.text("SELECT name FROM person")).scalars().all() == ["Ada Price"]
        assert "notice_sent" not in sa.inspect(connection).get_table_names()
    engine.dispose()
