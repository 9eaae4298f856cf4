"""A small joiner/mover/leaver sync client: an HR export in, SCIM 2.0 writes out.

The worked example of the mock workbench (README, "The mock as a workbench"). It does what an
HR-driven provisioning job does, the way RFC 7644 asks a client to:

- reads every User (following ``totalResults`` page by page: a server may cap pages) and every
  Group, indexed by ``externalId`` (the HR employee id) and ``displayName``;
- joiners: ``POST /Users``; movers: one PATCH of the attributes that changed, with ``If-Match``
  when the server advertises ETags; leavers: ``PATCH active=false`` (never DELETE: the account
  must stay auditable);
- group membership by single-member PATCH operations (``add`` with a value array,
  ``remove`` with ``members[value eq "<id>"]``), never by rewriting the whole ``members`` list;
- 429 and 503 answers are retried after the ``Retry-After`` the server asks for (seconds or an
  HTTP date), a bounded number of times.

Standard library and ``requests`` only, so it can be read in one sitting.
"""

from __future__ import annotations

import csv
import email.utils
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

SCIM_JSON = "application/scim+json"
USER = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


@dataclass(frozen=True)
class Employee:
    """One row of the HR export."""

    employee_id: str
    user_name: str
    given_name: str
    family_name: str
    email: str
    title: str = ""
    groups: tuple[str, ...] = ()
    active: bool = True


def load_csv(path: Path) -> list[Employee]:
    """Employees from a CSV with the columns employee_id, user_name, given_name, family_name,
    email, title, groups (``;``-separated) and active (``true``/``false``)."""
    with path.open(newline="", encoding="utf-8") as handle:
        return [
            Employee(
                employee_id=row["employee_id"],
                user_name=row["user_name"],
                given_name=row["given_name"],
                family_name=row["family_name"],
                email=row["email"],
                title=row.get("title", ""),
                groups=tuple(g for g in row.get("groups", "").split(";") if g),
                active=row.get("active", "true").strip().lower() != "false",
            )
            for row in csv.DictReader(handle)
        ]


class ScimError(RuntimeError):
    """The server refused a request (after the retries)."""

    def __init__(self, response: requests.Response) -> None:
        super().__init__(f"{response.request.method} {response.url}: "
                         f"{response.status_code} {response.text[:300]}")  # fmt: skip
        self.response = response


@dataclass
class SyncReport:
    """What one sync did."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    deactivated: list[str] = field(default_factory=list)
    groups_created: list[str] = field(default_factory=list)
    members_added: int = 0
    members_removed: int = 0
    retries: int = 0


def retry_after(response: requests.Response, default: float = 1.0) -> float:
    """Seconds to wait before retrying: ``Retry-After`` as seconds or an HTTP date."""
    value = response.headers.get("Retry-After", "").strip()
    if not value:
        return default
    if value.isdigit():
        return float(value)
    moment = email.utils.parsedate_to_datetime(value)
    return max(moment.timestamp() - time.time(), 0.0)


class ScimClient:
    """The HTTP side: SCIM headers, the bearer token, and polite retries."""

    def __init__(self, base_url: str, token: str, *, session: requests.Session | None = None,
                 max_attempts: int = 5, sleep: Callable[[float], None] = time.sleep,
                 timeout: float = 10.0) -> None:  # fmt: skip
        self.base_url = base_url.rstrip("/")
        self.session = session or requests.Session()
        self.session.headers.update({"Authorization": f"Bearer {token}", "Accept": SCIM_JSON})
        self.max_attempts, self.sleep, self.timeout = max_attempts, sleep, timeout
        self.retries = 0

    def request(self, method: str, path: str, *, body: Any = None,
                params: dict[str, str] | None = None,
                headers: dict[str, str] | None = None) -> requests.Response:  # fmt: skip
        """Send one request, retrying 429/503 after the server's Retry-After."""
        extra = dict(headers or {})
        if body is not None:
            extra["Content-Type"] = SCIM_JSON
        for attempt in range(1, self.max_attempts + 1):
            response = self.session.request(method, self.base_url + path, json=body,
                                            params=params, headers=extra,
                                            timeout=self.timeout)  # fmt: skip
            if response.status_code not in (429, 503) or attempt == self.max_attempts:
                break
            self.retries += 1
            self.sleep(retry_after(response))
        if response.status_code >= 400:
            raise ScimError(response)
        return response

    def pages(self, path: str, params: dict[str, str] | None = None) -> Iterator[dict[str, Any]]:
        """Every resource of a list, page by page (the server may cap ``count``)."""
        start = 1
        while True:
            query = {**(params or {}), "startIndex": str(start), "count": "100"}
            body = self.request("GET", path, params=query).json()
            resources = body.get("Resources") or []
            yield from resources
            start += len(resources)
            if not resources or start > int(body.get("totalResults", 0)):
                return

    def etags(self) -> bool:
        """Whether the server advertises ETags (then writes carry If-Match)."""
        spc = self.request("GET", "/ServiceProviderConfig").json()
        return bool((spc.get("etag") or {}).get("supported"))


def user_body(employee: Employee) -> dict[str, Any]:
    """The User an employee becomes."""
    return {
        "schemas": [USER],
        "externalId": employee.employee_id,
        "userName": employee.user_name,
        "name": {"givenName": employee.given_name, "familyName": employee.family_name},
        "displayName": f"{employee.given_name} {employee.family_name}",
        "title": employee.title,
        "emails": [{"value": employee.email, "type": "work", "primary": True}],
        "active": employee.active,
    }


def changes(employee: Employee, user: dict[str, Any]) -> dict[str, Any]:
    """The attributes (as pathless replace values) where ``user`` differs from the employee."""
    wanted = user_body(employee)
    found: dict[str, Any] = {}
    for key in ("userName", "displayName", "title", "active"):
        if user.get(key) != wanted[key] and not (key == "title" and not wanted[key]
                                                and not user.get(key)):  # fmt: skip
            found[key] = wanted[key]
    if (user.get("name") or {}) != wanted["name"] and any(
        (user.get("name") or {}).get(k) != v for k, v in wanted["name"].items()
    ):
        found["name"] = wanted["name"]
    emails = [e.get("value") for e in user.get("emails") or [] if isinstance(e, dict)]
    if employee.email not in emails:
        found["emails"] = wanted["emails"]
    return found


class Sync:
    """Reconciles the server with the HR export."""

    def __init__(self, client: ScimClient) -> None:
        self.client = client

    def run(self, employees: Iterable[Employee]) -> SyncReport:
        """One sync: joiners, movers, leavers, then group memberships."""
        report = SyncReport()
        employees = list(employees)
        if_match = self.client.etags()
        users = {u.get("externalId"): u for u in self.client.pages("/Users")}
        for employee in employees:
            user = users.get(employee.employee_id)
            if user is None:
                created = self.client.request("POST", "/Users", body=user_body(employee)).json()
                users[employee.employee_id] = created
                report.created.append(employee.user_name)
                continue
            diff = changes(employee, user)
            if not diff:
                continue
            headers = {"If-Match": user["meta"]["version"]} if if_match and user.get(
                "meta", {}).get("version") else {}  # fmt: skip
            operation = {"op": "replace", "value": diff}
            self.client.request("PATCH", f"/Users/{user['id']}", headers=headers,
                                body={"schemas": [PATCH_OP], "Operations": [operation]})
            (report.deactivated if diff.get("active") is False else report.updated).append(
                employee.user_name)  # fmt: skip
        self._groups(employees, users, report)
        report.retries = self.client.retries
        return report

    def _groups(self, employees: list[Employee], users: dict[Any, dict[str, Any]],
                report: SyncReport) -> None:  # fmt: skip
        wanted: dict[str, set[str]] = {}
        for employee in employees:
            for name in employee.groups if employee.active else ():
                wanted.setdefault(name, set()).add(users[employee.employee_id]["id"])
        managed = {users[e.employee_id]["id"] for e in employees}
        groups = {g.get("displayName"): g for g in self.client.pages("/Groups")}
        # Every group: a leaver or a mover leaves groups nobody in the export is wanted in any
        # more; only members the export manages are ever removed.
        for name in sorted(set(wanted) | {n for n in groups if isinstance(n, str)}):
            group = groups.get(name)
            if group is None:
                body = {"schemas": [GROUP], "displayName": name, "members": []}
                group = self.client.request("POST", "/Groups", body=body).json()
                report.groups_created.append(name)
            current = {m.get("value") for m in group.get("members") or []}
            operations: list[dict[str, Any]] = []
            add = sorted(wanted.get(name, set()) - current)
            if add:
                operations.append({"op": "add", "path": "members",
                                   "value": [{"value": v} for v in add]})  # fmt: skip
            for member in sorted((current & managed) - wanted.get(name, set())):
                operations.append({"op": "remove", "path": f'members[value eq "{member}"]'})
            if operations:
                self.client.request("PATCH", f"/Groups/{group['id']}",
                                    body={"schemas": [PATCH_OP], "Operations": operations})
                report.members_added += len(add)
                report.members_removed += len(operations) - (1 if add else 0)
