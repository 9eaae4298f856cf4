"""The rules of the client report card (:mod:`scim_mock.report_card`): what a client can get
wrong, the catalog id each rests on, how bad it is and how to fix it.

Pure data; the per-request rules are in :mod:`scim_mock.report_card`, the sequence rules in
:mod:`scim_mock.report_flows`.
"""

from __future__ import annotations

from dataclasses import dataclass

from scim_mock.report_model import BULK_REQUEST, PATCH_OP, SEARCH_REQUEST

SEVERITIES = ("error", "warning", "hint")


@dataclass(frozen=True)
class Rule:
    """One thing a client can get wrong.

    ``severity``: ``error``, the RFC refuses it (or the mock accepted it only in a compatibility
    mode); ``warning``, it works here but breaks on other servers or loses data; ``hint``, the RFC
    allows it and the server ignores it, but it shows a misunderstanding.
    """

    id: str
    requirement: str | None
    severity: str
    description: str
    hint: str


def _rules(*rules: Rule) -> dict[str, Rule]:
    return {rule.id: rule for rule in rules}


RULES: dict[str, Rule] = _rules(
    Rule("schemas-missing", "C-3-01", "error",
         "A create (POST) or replace (PUT) body has no 'schemas' attribute.",
         "List the resource type's core schema URN (and the extensions used) in 'schemas' "
         "(RFC 7643 §3)."),
    Rule("schemas-wrong", "C-3-03", "error",
         "A create or replace body's 'schemas' lacks the endpoint's core schema or names a "
         "schema the resource type does not declare.",
         "Take the URNs from GET /ResourceTypes: the core 'schema' and its 'schemaExtensions' "
         "(RFC 7643 §3, §6)."),
    Rule("patch-schemas", "P-3.5.2-03", "error",
         "A PATCH body does not carry schemas=[urn:ietf:params:scim:api:messages:2.0:PatchOp].",
         f'Send {{"schemas": ["{PATCH_OP}"], "Operations": [...]}} (RFC 7644 §3.5.2).'),
    Rule("search-schemas", "P-3.4.3-03", "error",
         "A POST .search body does not carry the SearchRequest schema URN.",
         f'Send {{"schemas": ["{SEARCH_REQUEST}"], ...}} (RFC 7644 §3.4.3).'),
    Rule("bulk-schemas", None, "error",
         "A POST /Bulk body does not carry the BulkRequest schema URN.",
         f'Send {{"schemas": ["{BULK_REQUEST}"], "Operations": [...]}} (RFC 7644 §3.7).'),
    Rule("patch-without-operations", "P-3.5.2-04", "error",
         "A PATCH body has no 'Operations' array, or an empty one.",
         "Put the changes in an 'Operations' array of {op, path, value} objects "
         "(RFC 7644 §3.5.2)."),
    Rule("content-type", "P-3.8-01", "error",
         "A request with a body is not sent as JSON (no Content-Type, or another media type).",
         "Send 'Content-Type: application/scim+json' with every body (RFC 7644 §3.1, §8.1)."),
    Rule("content-type-json", "P-3.8-04", "hint",
         "A body is sent as application/json; servers only SHOULD accept it.",
         "Prefer 'Content-Type: application/scim+json' (RFC 7644 §3.8, §8.1)."),
    Rule("accept", "P-3.8-03", "error",
         "The Accept header allows neither application/scim+json nor application/json.",
         "Send 'Accept: application/scim+json' (RFC 7644 §3.8), or no Accept header."),
    Rule("accept-json", "P-3.8-04", "hint",
         "The Accept header asks for application/json only; servers only SHOULD serve it.",
         "Accept application/scim+json too (RFC 7644 §3.8)."),
    Rule("readonly-in-create", "P-3.3-01", "hint",
         "A create body carries readOnly attributes (id, meta, groups, ...): the server "
         "ignores them.",
         "Leave readOnly attributes out: the server assigns id and meta, and memberships "
         "change through the Group (RFC 7643 §2.2, §4.1.2; RFC 7644 §3.3)."),
    Rule("readonly-in-replace", "P-3.5.1-06", "hint",
         "A replace (PUT) body carries readOnly attributes (id, meta, groups, ...): the "
         "server ignores them.",
         "They are harmless in a PUT but change nothing; edit memberships through the Group "
         "(RFC 7644 §3.5.1)."),
    Rule("readonly-in-patch", "P-3.5.2-08", "error",
         "A PATCH operation targets a readOnly attribute (id, meta, groups, ...).",
         "readOnly attributes cannot be patched: the server answers 400 mutability; drop the "
         "operation (RFC 7644 §3.5.2)."),
    Rule("patch-op-case", None, "warning",
         "A PATCH 'op' is not spelled in lower case ('Replace', 'Add').",
         "RFC 7644 §3.5.2 names the ops add, remove and replace; some servers compare them "
         "case-sensitively, so send them in lower case."),
    Rule("string-boolean", "C-2.3-02", "error",
         'A boolean attribute is sent as a string ("True", "false").',
         "Send the JSON literals true and false (RFC 7643 §2.3.2)."),
    Rule("filter-unencoded", "P-1.2-01", "error",
         "The query string carries characters URIs do not allow unencoded (a space, '\"', "
         "'<', '>', '{', '|', ...).",
         "Percent-encode query parameter values, e.g. filter=userName%20eq%20%22bjensen%22 "
         "(RFC 3986 §2.1, §3.4)."),
    Rule("filter-unquoted", "P-3.4.2.2-04", "error",
         "A filter compares an attribute with an unquoted word (userName eq bjensen).",
         'String, dateTime and reference values are JSON strings in double quotes: '
         'userName eq "bjensen" (RFC 7644 §3.4.2.2).'),
    Rule("retry-too-early", None, "error",
         "After a 429 or 503 with Retry-After the client sent its next request before the "
         "advertised time.",
         "Wait at least Retry-After (seconds or an HTTP date) before the next request "
         "(RFC 6585 §4, RFC 9110 §10.2.3)."),
    Rule("unread-pages", "P-3.4.2.4-06", "warning",
         "A list read returned fewer resources than totalResults and the client never asked "
         "for the next page.",
         "Page with startIndex (1-based) until startIndex-1+itemsPerPage reaches totalResults; "
         "the server may return fewer than 'count' (RFC 7644 §3.4.2.4)."),
    Rule("lost-update-risk", "P-3.14-05", "warning",
         "A resource read and then replaced (PUT, or PATCH replacing a whole multi-valued "
         "attribute such as members or emails) without If-Match although the server "
         "advertises ETags: a concurrent change is silently overwritten.",
         "Send 'If-Match: <ETag of the read>' and re-read on 412, or PATCH only the values "
         "that change (RFC 7644 §3.14)."),
    Rule("members-replaced-to-add-one", "P-3.5.2.1-05", "warning",
         "A group's whole member list was replaced to add one member.",
         'PATCH {"op": "add", "path": "members", "value": [{"value": "<id>"}]} adds one '
         "member without resending the others (RFC 7644 §3.5.2.1)."),
    Rule("members-replaced-to-remove-one", "P-3.5.2.2-04", "warning",
         "A group's whole member list was replaced to remove one member.",
         'PATCH {"op": "remove", "path": "members[value eq \\"<id>\\"]"} removes one member '
         "without resending the others (RFC 7644 §3.5.2.2)."),
    Rule("entra-remove-member-value", "P-3.5.2.2-04", "error",
         "Members removed with path 'members' and a value array (accepted only by the entra "
         "compatibility mode).",
         'Send path members[value eq "<id>"] and no value (RFC 7644 §3.5.2.2).'),
    Rule("entra-filter-no-match-adds", "P-3.5.2.3-09", "error",
         "A replace through a value filter that matched nothing, expected to add the value "
         "(accepted only by the entra compatibility mode).",
         "Send add on the attribute with a value that carries the filter's sub-attributes "
         "(RFC 7644 §3.5.2.3)."),
)  # fmt: skip
