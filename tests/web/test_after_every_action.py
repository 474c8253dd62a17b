"""After every action the page says what happened: a table of the older pages' forms, posted over plain HTTP.

Each form is read from the page that offers it (its inputs as the page fills them), changed as a person would,
and posted with the session's CSRF token. Without htmx the answer is a 303 to an address that a GET answers with
the message in a `role="status"` region (post/redirect/get: reloading repeats nothing). A form htmx enhances
(the register row) also answers an `HX-Request` with its fragment, the same message in its own status region; so
does a move sent by htmx (the board, as a fragment). A refusal is the page again, 4xx, with what was typed kept.
"""

import itertools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx2
import lxml.html
import pytest

from tests.web.conftest import PASSWORD

PRIYA, FRANK = "Priya Patel", "Frank Okafor"  # the example's programme manager and finance officer
_names = itertools.count(1)


class World:
    """The example served, a signed-in client for each person, and an initiative of Priya's made from its form."""

    def __init__(self, site: str) -> None:
        self.site = site
        self.clients: dict[str, httpx2.Client] = {}
        self.named = ""  # the name of the initiative last made to be edited or deleted
        self.initiative = _created_initiative(self.client(PRIYA))[0]

    def client(self, login: str) -> httpx2.Client:
        """`login` signed in through the sign-in form; redirects are not followed, so each 303 is seen."""
        if login not in self.clients:
            client = httpx2.Client(base_url=self.site, follow_redirects=False)
            csrf = _inputs(client.get("/sign-in").text, "/sign-in")["csrf"]
            answer = client.post("/sign-in", data={"login": login, "password": PASSWORD, "csrf": csrf, "next": "/"})
            assert answer.status_code == 303, answer.text
            self.clients[login] = client
        return self.clients[login]

    def close(self) -> None:
        for client in self.clients.values():
            client.close()


def _document(text: str) -> Any:
    return lxml.html.document_fromstring(text)


def _forms(text: str, action: str) -> list[Any]:
    """The page's forms posting to `action` (a regular expression matched against the whole action)."""
    return [form for form in _document(text).forms if re.fullmatch(action, form.get("action") or "")]


def _inputs(text: str, action: str, nth: int = 0) -> dict[str, Any]:
    """What the `nth` form posting to `action` would send as the page fills it in (a list where a name repeats)."""
    found = _forms(text, action)
    assert len(found) > nth, f"no form {nth} to {action}"
    values: dict[str, Any] = {}
    for name, value in found[nth].form_values():
        if name in values:
            held = values[name]
            values[name] = [*held, value] if isinstance(held, list) else [held, value]
        else:
            values[name] = value
    return values


def _action(text: str, action: str, nth: int = 0) -> str:
    return str(_forms(text, action)[nth].get("action"))


def status_messages(text: str) -> list[str]:
    """The text of every region that screen readers announce (`role="status"` or `aria-live`)."""
    regions = _document(text).xpath('//*[@role="status" or @aria-live]')
    return [" ".join(region.text_content().split()) for region in regions if not region.get("hidden")]


def refusals(text: str) -> list[str]:
    """What a refused form says: its alerts and the errors beside its fields."""
    found = _document(text).xpath('//*[@role="alert" or contains(@class, "error")]') if text.strip() else []
    return [" ".join(item.text_content().split()) for item in found]


def _number(location: str, kind: str) -> int:
    found = re.search(rf"/{kind}/(\d+)", location)
    assert found, location
    return int(found[1])


def _created_initiative(client: httpx2.Client) -> tuple[int, str]:
    """An initiative made from the page's form (its id and name), so the example's own stay as other tests read them."""
    name = f"Post room merger {next(_names)}"
    sent = _inputs(client.get("/initiatives/new").text, "/initiatives/new")
    sent |= {"name": name, "description": "One post room for three offices.",
             "base_year": "2026-27", "start_date": "2026-04-01", "end_date": "2031-03-31"}  # fmt: skip
    answer = client.post("/initiatives/new", data=sent)
    assert answer.status_code == 303, answer.text
    return _number(answer.headers["location"], "initiatives"), name


def _new_benefit(world: World, *, stage: str = "opportunity") -> tuple[int, str]:
    """A benefit added to Priya's initiative from the page (ready for planned), moved on as far as `stage`."""
    client, title = world.client(PRIYA), f"Franking machines returned {next(_names)}"
    path = f"/initiatives/{world.initiative}/benefits/new"
    sent = _inputs(client.get(path).text, path)
    sent |= {"title": title, "owner": "Martin Cole", "category": "financial", "unit": "GBP", "route": "cash",
             "cost_centre": "CS200", "estimate_low": "10,000", "estimate_likely": "£12,000", "estimate_high": "15000",
             "baseline_value": "0", "baseline_date": "2026-04-01", "target_value": "12,000",
             "target_date": "2028-03-31"}  # fmt: skip
    answer = client.post(path, data=sent)
    assert answer.status_code == 303, answer.text
    benefit = _number(answer.headers["location"], "benefits")
    if stage == "planned":
        _profile(world, benefit, "12,000")
    for _ in range(["opportunity", "scoped", "planned"].index(stage)):
        page = client.get(f"/benefits/{benefit}").text
        moved = client.post(f"/benefits/{benefit}/move", data=_inputs(page, f"/benefits/{benefit}/move"))
        assert moved.status_code == 303, refusals(moved.text)
    return benefit, title


def _profile(world: World, benefit: int, planned: str) -> None:
    """Priya plans `planned` for the first year of the benefit's profile grid."""
    client, path = world.client(PRIYA), f"/benefits/{benefit}"
    sent = _inputs(client.get(path).text, f"{path}/profile-grid") | {"planned_0": planned}
    answer = client.post(f"{path}/profile-grid", data=sent)
    assert answer.status_code == 303, refusals(answer.text)


def _confirmable(world: World, kind: str) -> tuple[str, str]:
    """The finance page and the first form on it confirming `kind` (cash or redeployment)."""
    page = world.client(FRANK).get("/finance").text
    return "/finance", _action(page, rf"/benefits/\d+/confirm-{kind}")


def _confirmed_entry(world: World, kind: str) -> tuple[str, str]:
    """A benefit page with a standing `kind` confirmation Frank has just made, and the form reversing it."""
    client = world.client(FRANK)
    page, action = _confirmable(world, kind)
    sent = _inputs(client.get(page).text, re.escape(action)) | {"amount": "£1,000"}  # within any period's room
    posted = client.post(action, data=sent)
    assert posted.status_code == 303, refusals(posted.text)
    benefit = _number(action, "benefits")
    shown = client.get(f"/benefits/{benefit}").text
    return f"/benefits/{benefit}", _action(shown, rf"/benefits/{benefit}/{kind}-confirmations/\d+/reverse")


def _replanned(world: World) -> tuple[str, str]:
    """A planned benefit whose plan has changed since its baseline was approved, and the form re-baselining it."""
    benefit, _ = _new_benefit(world, stage="planned")
    _profile(world, benefit, "£14,000")
    return f"/benefits/{benefit}", f"/benefits/{benefit}/rebaseline"


def _to_request(world: World) -> tuple[str, str]:
    benefit, _ = _new_benefit(world, stage="planned")
    return f"/benefits/{benefit}", f"/benefits/{benefit}/rebaseline-requests"


def _requested(world: World) -> tuple[str, str]:
    """A request to re-baseline Priya has just made, and the form declining it."""
    path, action = _to_request(world)
    client = world.client(PRIYA)
    sent = _inputs(client.get(path).text, action) | {"reason": "The contract start slipped."}
    assert client.post(action, data=sent).status_code == 303
    return path, _action(world.client(FRANK).get(path).text, rf"{path}/rebaseline-requests/\d+/decline")


@dataclass(frozen=True)
class Act:
    """One form: who posts it, where it is (page, form action, which of its forms), what is typed, what is said."""

    name: str
    who: str
    where: Callable[[World], tuple[str, str]]
    typed: dict[str, str] = field(default_factory=dict)
    said: str = ""
    nth: int = 0


def _benefit_form(suffix: str, *, scoped: bool = False) -> Callable[[World], tuple[str, str]]:
    def where(world: World) -> tuple[str, str]:
        benefit, _ = _new_benefit(world, stage="scoped" if scoped else "opportunity")
        return f"/benefits/{benefit}", f"/benefits/{benefit}/{suffix}"

    return where


def _on_board(world: World) -> tuple[str, str]:
    benefit, _ = _new_benefit(world)
    return f"/initiatives/{world.initiative}", f"/benefits/{benefit}/move"


def _register_row(world: World) -> tuple[str, str]:
    benefit, _ = _new_benefit(world)
    return f"/initiatives/{world.initiative}?edit={benefit}", f"/benefits/{benefit}/register-row"


def _another_initiative(what: str) -> Callable[[World], tuple[str, str]]:
    def where(world: World) -> tuple[str, str]:
        made, world.named = _created_initiative(world.client(PRIYA))
        return f"/initiatives/{made}/edit", f"/initiatives/{made}/{what}"

    return where


def _in_initiative(path: str) -> Callable[[World], tuple[str, str]]:
    return lambda world: (f"/initiatives/{world.initiative}/{path}", f"/initiatives/{world.initiative}/{path}")


COST = {"title": "Franking contract exit fee", "kind": "revenue", "period_0": "2026-27", "amount_0": "£10,000"}
# Owners and sponsors are people in the service: those typed below are the worked example's named officers.
ACTS = [
    Act("initiative created", PRIYA, lambda world: ("/initiatives/new", "/initiatives/new"),
        {"name": "Mail room kept", "description": "Nothing changes.", "base_year": "2026-27"}, "Initiative created."),
    Act("initiative edited", PRIYA, _another_initiative("edit"), {"sponsor": "Alison Grant"},
        "Your changes are saved."),
    Act("initiative deleted", PRIYA, _another_initiative("delete"), {"confirm": "{named}"},
        "Initiative deleted: Post room merger"),
    Act("benefit added", PRIYA, _in_initiative("benefits/new"), {"title": "Postage saved"},
        "Benefit added at the opportunity stage."),
    Act("benefit details saved", PRIYA, _benefit_form("edit"), {"owner": "Dana Reid"}, "Details saved."),
    Act("every field saved", PRIYA, _benefit_form("every-field"), {"description": "Fewer franking machines."},
        "Your changes are saved."),
    Act("profile grid saved", PRIYA, _benefit_form("profile-grid"),
        {"planned_0": "45,000", "actual_0": "£40,500", "planned_1": "£50,000"}, "Profile saved."),
    Act("benefit withdrawn", PRIYA, _benefit_form("withdraw"), {"reason": "The contract was renewed."},
        "Benefit withdrawn."),
    Act("benefit deleted", PRIYA, _benefit_form("delete"), {}, "Benefit deleted: Franking machines returned"),
    Act("moved forward on the board", PRIYA, _on_board, {}, "to scoped."),
    Act("moved forward on its page", PRIYA, _benefit_form("move"), {}, "to scoped."),
    Act("moved back on its page", PRIYA, _benefit_form("move", scoped=True),
        {"to": "opportunity", "reason": "The valuation is to be redone."}, "to opportunity.", nth=1),
    Act("register row saved", PRIYA, _register_row, {"owner": "Grace Obi", "estimate_likely": "£13,500"},
        "Saved “Franking machines returned"),
    Act("cost line added", PRIYA, _in_initiative("costs"), COST, "Cost line added: “Franking contract exit fee”."),
    Act("cash confirmed", FRANK, lambda world: _confirmable(world, "cash"), {"amount": "£1,000"}, "Confirmed £1,000"),
    Act("cash reversed", FRANK, lambda world: _confirmed_entry(world, "cash"), {"reason": "Posted to the wrong year."},
        "Cash confirmation reversed"),
    Act("re-baselined", FRANK, _replanned, {"reason": "The board agreed the new plan."},
        "approved as the next baseline"),
    Act("re-baseline requested", PRIYA, _to_request, {"reason": "The go-live moved a quarter."},
        "request to re-baseline is sent"),
    Act("request declined", FRANK, _requested, {"reason": "The plan still holds."}, "is declined"),
    Act("appraisal settings saved", FRANK, lambda world: ("/finance/settings", "/finance/settings"),
        {"weight_scoped": "40%"}, "Appraisal settings saved."),
]  # fmt: skip


@pytest.fixture(scope="module")
def world(site: str) -> Iterator[World]:
    made = World(site)
    yield made
    made.close()


def _posted(world: World, act: Act, typed: dict[str, str], headers: dict[str, str] | None = None) -> httpx2.Response:
    """The act's form as its page fills it, with `typed` typed in, posted."""
    client = world.client(act.who)
    page, action = act.where(world)
    shown = client.get(page)
    assert shown.status_code == 200, (page, shown.status_code)
    typed = {name: value.replace("{named}", world.named) for name, value in typed.items()}
    sent = _inputs(shown.text, re.escape(action), act.nth) | typed
    return client.post(action, data=sent, headers=headers or {})


@pytest.mark.parametrize("act", ACTS, ids=[act.name for act in ACTS])
def test_a_plain_form_post_ends_on_an_address_that_says_what_was_done(world: World, act: Act) -> None:
    answer = _posted(world, act, act.typed)
    assert answer.status_code == 303, (act.name, answer.status_code, refusals(answer.text))
    location = answer.headers["location"]
    assert location.startswith("/"), location
    client = world.client(act.who)
    for _ in range(2):  # reloading the address says it again and changes nothing
        shown = client.get(location)
        assert shown.status_code == 200, (location, shown.status_code)
        said = status_messages(shown.text)
        assert any(act.said in message for message in said), (location, said)


# Refusals: (act, what is typed that cannot be taken, the field it is named beside).
REFUSALS = [
    ("benefit details saved", {"estimate_likely": "lots"}),
    ("profile grid saved", {"planned_0": "lots"}),
    ("register row saved", {"estimate_likely": "lots"}),
    ("cost line added", COST | {"amount_0": "lots"}),
    ("cash confirmed", {"amount": "lots"}),
    ("moved back on its page", {"to": "opportunity", "reason": ""}),
    ("initiative edited", {"base_year": "lots"}),
]
BY_NAME = {act.name: act for act in ACTS}


@pytest.mark.parametrize(("name", "typed"), REFUSALS, ids=[name for name, _ in REFUSALS])
def test_a_refusal_is_the_page_again_with_what_was_typed_kept(world: World, name: str, typed: dict[str, str]) -> None:
    answer = _posted(world, BY_NAME[name], typed)
    assert answer.status_code in (409, 422), (name, answer.status_code)
    document = _document(answer.text)
    assert document.xpath('//*[@role="alert" or @aria-invalid="true"]'), name
    for key, value in typed.items():
        if value == "lots":
            assert document.xpath(f'//input[@name="{key}" and @value="lots"]'), (name, key)
    if name == "moved back on its page":  # the stage chosen stays chosen, and the reason asked for is named
        assert document.xpath('//select[@name="to"]/option[@selected and @value="opportunity"]')
        assert "Say why the benefit moves back." in answer.text


HTMX = {"HX-Request": "true"}


def test_a_register_row_saved_by_htmx_says_so_in_the_row_it_swaps_in(world: World) -> None:
    act = BY_NAME["register row saved"]
    answer = _posted(world, act, act.typed, HTMX)
    assert answer.status_code == 200, answer.status_code
    assert answer.text.lstrip().startswith("<tr"), answer.text[:80]  # the row alone, not a page
    assert any(act.said in message for message in status_messages(answer.text)), answer.text


def test_a_register_row_refused_by_htmx_comes_back_with_what_was_typed(world: World) -> None:
    answer = _posted(world, BY_NAME["register row saved"], {"estimate_likely": "lots"}, HTMX)
    assert answer.status_code == 422
    assert answer.text.lstrip().startswith("<tr")
    assert _document(answer.text).xpath('//input[@name="estimate_likely" and @value="lots" and @aria-invalid]')


def test_a_move_sent_by_htmx_answers_with_the_board_saying_what_moved(world: World) -> None:
    benefit, title = _new_benefit(world)
    page = world.client(PRIYA).get(f"/initiatives/{world.initiative}").text
    sent = _inputs(page, f"/benefits/{benefit}/move")
    answer = world.client(PRIYA).post(f"/benefits/{benefit}/move", data=sent, headers=HTMX)
    assert answer.status_code == 200
    board = _document(answer.text).xpath('//*[@id="board"]')
    assert board and not _document(answer.text).xpath("//h1"), "the board alone"
    assert f"Moved “{title}” to scoped." in status_messages(answer.text)


def test_a_move_refused_to_htmx_answers_with_the_board_saying_why_beside_the_benefit(world: World) -> None:
    benefit, _ = _new_benefit(world)
    page = world.client(PRIYA).get(f"/initiatives/{world.initiative}").text
    sent = _inputs(page, f"/benefits/{benefit}/move") | {"to": "planned"}  # two stages on: not allowed
    answer = world.client(PRIYA).post(f"/benefits/{benefit}/move", data=sent, headers=HTMX)
    assert answer.status_code == 409
    document = _document(answer.text)
    assert document.xpath('//*[@id="board"]') and not document.xpath("//h1"), "the board alone"
    refused = document.xpath(f'//*[@id="refused-{benefit}" and @role="alert"]')
    assert refused and "The next stage is scoped." in refused[0].text_content()


def test_benefit_details_take_amounts_as_people_type_them_and_a_refusal_is_announced(world: World) -> None:
    act = BY_NAME["benefit details saved"]
    saved = _posted(world, act, {"estimate_likely": "£38,000", "estimate_high": "£50,000", "target_value": "30,000"})
    assert saved.status_code == 303, refusals(saved.text)
    shown = world.client(act.who).get(saved.headers["location"]).text
    assert "→ 38,000" in shown and "→ 30,000" in shown  # the history says each change

    refused = _posted(world, act, {"estimate_likely": "lots", "target_value": "£1,000"})
    assert refused.status_code == 422
    summary = _document(refused.text).xpath('//*[@role="alert" and @id="details-refused"]')
    assert summary, refused.text
    assert "Estimate: most likely" in summary[0].text_content()
    assert _document(refused.text).xpath('//input[@name="target_value" and @value="£1,000"]')
