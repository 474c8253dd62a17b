"""ETags and If-Match: two people editing one benefit never silently overwrite each other."""

from fastapi.testclient import TestClient


def _people(client: TestClient, *names: str) -> None:
    """Named officers (people without a sign-in), since an owner or sponsor is a person in the service."""
    for name in names:
        made = client.post("/api/v1/users", json={"name": name, "role": "viewer"})
        assert made.status_code == 201, made.text


def _benefit(client: TestClient) -> str:
    initiative = client.post("/api/v1/initiatives", json={"name": "I"}).json()
    created = client.post(f"/api/v1/initiatives/{initiative['id']}/benefits", json={"title": "B"})
    return created.headers["Location"]


def test_every_single_resource_carries_an_etag_that_changes_with_it(client: TestClient) -> None:
    url = _benefit(client)
    _people(client, "A")
    first = client.get(url)
    assert first.headers["ETag"] == '"v1"'
    changed = client.patch(url, json={"owner": "A"})
    assert changed.headers["ETag"] == '"v2"'
    assert client.get(url).headers["ETag"] == '"v2"'
    initiative = client.get("/api/v1/initiatives").json()["items"][0]
    assert client.get(f"/api/v1/initiatives/{initiative['id']}").headers["ETag"] == f'"v{initiative["version"]}"'


def test_a_stale_if_match_gets_412_and_leaves_the_benefit_unchanged(client: TestClient) -> None:
    url = _benefit(client)
    _people(client, "First editor", "Second editor", "Third", "Anyone")
    seen = client.get(url).headers["ETag"]
    assert client.patch(url, json={"owner": "First editor"}, headers={"If-Match": seen}).status_code == 200

    stale = client.patch(url, json={"owner": "Second editor"}, headers={"If-Match": seen})
    assert stale.status_code == 412
    assert stale.headers["content-type"] == "application/problem+json"
    assert stale.json()["code"] == "stale_version"
    stale_profile = client.put(f"{url}/profile", json=[{"period": "2026-27", "planned": 9}], headers={"If-Match": seen})
    assert stale_profile.status_code == 412
    garbage = client.patch(url, json={"owner": "Third"}, headers={"If-Match": "W/not-ours"})
    assert garbage.status_code == 412

    stored = client.get(url).json()
    assert stored["owner"] == "First editor"
    assert stored["profile"] == []
    assert stored["version"] == 2

    current = client.get(url).headers["ETag"]
    assert client.patch(url, json={"owner": "Second editor"}, headers={"If-Match": current}).status_code == 200
    assert client.patch(url, json={"owner": "Anyone"}, headers={"If-Match": "*"}).status_code == 200


def test_initiatives_honour_if_match_too(client: TestClient) -> None:
    _people(client, "S", "T")
    created = client.post("/api/v1/initiatives", json={"name": "I"})
    url = created.headers["Location"]
    seen = created.headers["ETag"]
    assert client.patch(url, json={"sponsor": "S"}, headers={"If-Match": seen}).status_code == 200
    assert client.patch(url, json={"sponsor": "T"}, headers={"If-Match": seen}).status_code == 412
    assert client.delete(url, headers={"If-Match": seen}).status_code == 412
    assert client.get(url).json()["sponsor"] == "S"
