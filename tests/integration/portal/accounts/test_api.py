"""The account operations through the JSON API, with CSRF headers like any API client."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient

from config import Settings
from portal.adapters.orm import User
from portal.services.throttle import ACCOUNT_POLICY
from tests.integration.portal.accounts.conftest import COMPLETE_PROFILE, outbox_links, solve


class Api:
    """A JSON client that sends the session's CSRF token the way scripts do."""

    def __init__(self, client: TestClient[Any, Any]) -> None:
        self.client = client
        self.csrf = ""

    async def start(self) -> None:
        self.csrf = (await (await self.client.get("/api/v1/session")).json())["csrf_token"]

    async def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        response = await self.client.request(
            method, path, json=body, headers={"X-CSRF-Token": self.csrf}
        )
        data = await response.json() if response.status != 204 else None
        if isinstance(data, dict) and "csrf_token" in data:
            self.csrf = data["csrf_token"]
        return response.status, data


REGISTRATION = {
    "surname": "Смирнов",
    "name": "Олег",
    "email": "oleg@example.ru",
    "phone": "+79220000001",
    "password": "Secret123",
    "password_again": "Secret123",
    "consent": True,
}


async def _registered(api: Api, settings: Settings) -> None:
    await api.start()
    status, check = await api.call("GET", "/api/v1/human-check")
    assert status == 200
    status, body = await api.call(
        "POST",
        "/api/v1/accounts/register",
        {**REGISTRATION, "human_check": solve(check["question"])},
    )
    assert status == 201, body
    token = outbox_links(settings, "/activate")[-1].split("token=", 1)[1]
    status, _ = await api.call("POST", "/api/v1/accounts/activate", {"token": token})
    assert status == 200


async def test_register_activate_sign_in_and_complete_profile_through_the_api(
    client: TestClient[Any, Any], settings: Settings
) -> None:
    api = Api(client)
    await _registered(api, settings)
    status, session = await api.call(
        "POST", "/api/v1/auth/login", {"login": "oleg@example.ru", "password": "Secret123"}
    )
    assert status == 200
    assert session["user"]["roles"] == ["citizen"]

    status, profile = await api.call("GET", "/api/v1/profile")
    assert status == 200
    assert profile["complete"] is False
    assert "СНИЛС" in profile["missing"]

    status, profile = await api.call("PUT", "/api/v1/profile", COMPLETE_PROFILE)
    assert status == 200, profile
    assert profile["complete"] is True
    assert profile["snils"] == "112-233-445 95"

    status, body = await api.call(
        "PUT", "/api/v1/profile", {**COMPLETE_PROFILE, "snils": "11223344596"}
    )
    assert status == 422
    assert body["error"]["fields"]["snils"]

    status, profile = await api.call(
        "PUT", "/api/v1/profile/notifications", {"notify_status": False, "notify_invitation": True}
    )
    assert status == 200
    assert profile["notify_status"] is False

    status, _ = await api.call("POST", "/api/v1/auth/logout")
    assert status == 204
    status, body = await api.call("GET", "/api/v1/profile")
    assert status == 401
    assert body["error"]["code"] == "unauthorized"


async def test_api_calls_without_the_csrf_header_are_refused(
    client: TestClient[Any, Any], settings: Settings
) -> None:
    api = Api(client)
    await _registered(api, settings)
    response = await client.post(
        "/api/v1/auth/login", json={"login": "oleg@example.ru", "password": "Secret123"}
    )
    assert response.status == 403
    assert (await response.json())["error"]["code"] == "csrf_rejected"


async def test_malformed_bodies_get_a_clear_error(client: TestClient[Any, Any]) -> None:
    api = Api(client)
    await api.start()
    response = await client.post(
        "/api/v1/auth/login", data=b"{not json", headers={"X-CSRF-Token": api.csrf}
    )
    assert response.status == 422
    assert "JSON" in (await response.json())["error"]["message"]
    status, body = await api.call("POST", "/api/v1/auth/login", {"login": "x"})
    assert status == 422
    assert "password" in body["error"]["message"]


async def test_admin_manages_staff_and_reads_the_outbox_through_the_api(
    client: TestClient[Any, Any], settings: Settings, admin: User
) -> None:
    api = Api(client)
    await _registered(api, settings)
    status, _ = await api.call(
        "POST", "/api/v1/auth/staff-login", {"login": "admin", "password": "Admin1234"}
    )
    assert status == 200
    status, created = await api.call(
        "POST",
        "/api/v1/admin/staff",
        {
            "login": "kov",
            "surname": "Контролёва",
            "name": "Анна",
            "roles": ["control", "moderator"],
            "password": "Control123",
        },
    )
    assert status == 201, created
    assert created["roles"] == ["control", "moderator"]
    status, listing = await api.call("GET", "/api/v1/admin/staff")
    assert {a["login"] for a in listing["items"]} == {"admin", "kov"}
    status, outbox = await api.call("GET", "/api/v1/admin/outbox")
    assert status == 200
    assert outbox["items"][0]["to"] == "oleg@example.ru"

    status, body = await api.call(
        "PUT",
        f"/api/v1/admin/staff/{created['id']}",
        {"login": "kov", "surname": "К", "name": "А", "roles": ["citizen"]},
    )
    assert status == 422, "a staff account holds staff roles only"
    assert body["error"]["fields"]["roles"]


async def test_a_citizen_gets_403_on_admin_calls(
    client: TestClient[Any, Any], settings: Settings
) -> None:
    api = Api(client)
    await _registered(api, settings)
    await api.call(
        "POST", "/api/v1/auth/login", {"login": "oleg@example.ru", "password": "Secret123"}
    )
    status, body = await api.call("GET", "/api/v1/admin/staff")
    assert status == 403
    assert body["error"]["code"] == "forbidden"


async def test_a_human_check_answer_is_spent_by_its_first_use(
    client: TestClient[Any, Any], settings: Settings
) -> None:
    api = Api(client)
    await api.start()
    _, check = await api.call("GET", "/api/v1/human-check")
    answer = solve(check["question"])
    status, _ = await api.call(
        "POST", "/api/v1/accounts/register", {**REGISTRATION, "human_check": answer}
    )
    assert status == 201
    other = {**REGISTRATION, "email": "other@example.ru", "phone": "+79220000002"}
    status, body = await api.call(
        "POST", "/api/v1/accounts/register", {**other, "human_check": answer}
    )
    assert status == 422
    assert body["error"]["fields"]["human_check"]
    assert len(outbox_links(settings, "/activate")) == 1


async def test_api_sign_in_is_slowed_down_with_retry_after(
    client: TestClient[Any, Any], settings: Settings
) -> None:
    api = Api(client)
    await _registered(api, settings)
    wrong = {"login": "oleg@example.ru", "password": "Wrong1234"}
    for _ in range(ACCOUNT_POLICY.free_failures + 1):
        status, _ = await api.call("POST", "/api/v1/auth/login", wrong)
        assert status == 422
    response = await client.post(
        "/api/v1/auth/login",
        json={"login": "oleg@example.ru", "password": "Secret123"},
        headers={"X-CSRF-Token": api.csrf},
    )
    assert response.status == 429
    assert int(response.headers["Retry-After"]) > 0
    assert (await response.json())["error"]["code"] == "too_many_attempts"
