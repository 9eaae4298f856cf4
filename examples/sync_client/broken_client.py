"""The same sync client with the mistakes real provisioning clients make (do not copy it).

Each mistake works against a forgiving server most days, which is why it ships; the mock's
report card (``GET /_mock/report``) names every one of them from the traffic alone:

1. it reads only the first page of a list, so users past it are never seen (and re-created);
2. it updates a user by GET, then a full PUT of what it got back, without ``If-Match`` although
   the server advertises ETags: a concurrent change in between is silently lost;
3. that PUT sends the readOnly ``id``, ``meta`` and ``groups`` back;
4. it changes a group's membership by PUT-ing the whole ``members`` list to add or remove one;
5. it sends ``Content-Type: application/json`` instead of ``application/scim+json``;
6. on 429 it retries at once, ignoring ``Retry-After``;
7. its deactivation PATCH has no ``schemas`` (refused; the client logs it and moves on).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from typing import Any

import requests

from examples.sync_client.sync_client import (
    Employee,
    ScimClient,
    ScimError,
    Sync,
    SyncReport,
    user_body,
)

log = logging.getLogger(__name__)


class BrokenClient(ScimClient):
    """Plain JSON, immediate retries, first page only."""

    def request(self, method: str, path: str, *, body: Any = None,
                params: dict[str, str] | None = None,
                headers: dict[str, str] | None = None) -> requests.Response:  # fmt: skip
        extra = {**(headers or {}), **({"Content-Type": "application/json"} if body else {})}
        for _attempt in range(self.max_attempts):
            response = self.session.request(method, self.base_url + path, json=body,
                                            params=params, headers=extra,
                                            timeout=self.timeout)  # fmt: skip
            if response.status_code != 429:
                break
            self.retries += 1  # mistake 6: no wait at all
        if response.status_code >= 400:
            raise ScimError(response)
        return response

    def pages(self, path: str, params: dict[str, str] | None = None) -> Iterator[dict[str, Any]]:
        body = self.request("GET", path, params=params).json()  # mistake 1: one page
        yield from body.get("Resources") or []


class BrokenSync(Sync):
    """GET-then-PUT updates, PUT-based membership, a PATCH without schemas."""

    def run(self, employees: Iterable[Employee]) -> SyncReport:
        report = SyncReport()
        employees = list(employees)
        users = {u.get("externalId"): u for u in self.client.pages("/Users")}
        for employee in employees:
            user = users.get(employee.employee_id)
            if user is None:
                try:  # past the first page, existing users look new: 409 (mistake 1)
                    created = self.client.request("POST", "/Users", body=user_body(employee))
                except ScimError as error:
                    log.warning("could not create %s: %s", employee.user_name, error)
                    continue
                users[employee.employee_id] = created.json()
                report.created.append(employee.user_name)
            elif not employee.active and user.get("active", True):
                operation = {"op": "replace", "path": "active", "value": False}
                try:  # mistake 7: no "schemas"
                    self.client.request("PATCH", f"/Users/{user['id']}",
                                        body={"Operations": [operation]})  # fmt: skip
                    report.deactivated.append(employee.user_name)
                except ScimError as error:
                    log.warning("could not deactivate %s: %s", employee.user_name, error)
            else:
                current = self.client.request("GET", f"/Users/{user['id']}").json()
                current.update({k: v for k, v in user_body(employee).items() if k != "schemas"})
                # mistakes 2 and 3: no If-Match, id/meta/groups sent back
                self.client.request("PUT", f"/Users/{user['id']}", body=current)
                report.updated.append(employee.user_name)
        groups = {g.get("displayName"): g for g in self.client.pages("/Groups")}
        for employee in employees:
            if employee.employee_id not in users:
                continue
            for name in employee.groups:
                group = groups.get(name) or self.client.request(
                    "POST", "/Groups", body={"schemas": ["urn:ietf:params:scim:schemas:core:2.0:"
                                                         "Group"], "displayName": name}).json()
                groups[name] = group
                current = self.client.request("GET", f"/Groups/{group['id']}").json()
                members = [m for m in current.get("members") or []
                           if m.get("value") != users[employee.employee_id]["id"]]
                if employee.active:
                    members.append({"value": users[employee.employee_id]["id"]})
                current["members"] = members  # mistake 4: the whole list, to change one
                self.client.request("PUT", f"/Groups/{group['id']}", body=current)
                report.members_added += 1
        report.retries = self.client.retries
        return report
