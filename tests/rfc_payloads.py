"""Example payloads of RFC 7643 §8 and RFC 7644 (users, group, error, list, PATCH, search, bulk,
service provider configuration, resource types) for the JSON Schema tests, the schema
representations as the mock serves them, and ``with_changes`` to derive known-bad variants.
"""

from __future__ import annotations

import copy
from typing import Any

from tests.schema_files import (
    BULK_REQUEST_URN,
    BULK_RESPONSE_URN,
    ENTERPRISE_URN,
    ERROR_URN,
    GROUP_URN,
    LIST_URN,
    PATCH_URN,
    SEARCH_URN,
    USER_URN,
    Json,
    scim_schema,
)

# RFC 7643 §8.1 minimal user representation.
MINIMAL_USER: Json = {
    "schemas": [USER_URN],
    "id": "2819c223-7f76-453a-919d-413861904646",
    "userName": "bjensen@example.com",
    "meta": {
        "resourceType": "User",
        "created": "2010-01-23T04:56:22Z",
        "lastModified": "2011-05-13T04:42:34Z",
        "version": 'W/"3694e05e9dff590"',
        "location": "https://example.com/v2/Users/2819c223-7f76-453a-919d-413861904646",
    },
}

# RFC 7643 §8.2/§8.3 full enterprise user, as a server returns it: the figure's "password" is
# dropped because password is returned "never".
FULL_USER: Json = {
    "schemas": [USER_URN, ENTERPRISE_URN],
    "id": "2819c223-7f76-453a-919d-413861904646",
    "externalId": "701984",
    "userName": "bjensen@example.com",
    "name": {
        "formatted": "Ms. Barbara J Jensen, III",
        "familyName": "Jensen",
        "givenName": "Barbara",
        "middleName": "Jane",
        "honorificPrefix": "Ms.",
        "honorificSuffix": "III",
    },
    "displayName": "Babs Jensen",
    "nickName": "Babs",
    "profileUrl": "https://login.example.com/bjensen",
    "emails": [
        {"value": "bjensen@example.com", "type": "work", "primary": True},
        {"value": "babs@jensen.org", "type": "home"},
    ],
    "addresses": [
        {
            "type": "work",
            "streetAddress": "100 Universal City Plaza",
            "locality": "Hollywood",
            "region": "CA",
            "postalCode": "91608",
            "country": "USA",
            "formatted": "100 Universal City Plaza\nHollywood, CA 91608 USA",
            "primary": True,
        },
        {
            "type": "home",
            "streetAddress": "456 Hollywood Blvd",
            "locality": "Hollywood",
            "region": "CA",
            "postalCode": "91608",
            "country": "USA",
            "formatted": "456 Hollywood Blvd\nHollywood, CA 91608 USA",
        },
    ],
    "phoneNumbers": [
        {"value": "555-555-5555", "type": "work"},
        {"value": "555-555-4444", "type": "mobile"},
    ],
    "ims": [{"value": "someaimhandle", "type": "aim"}],
    "photos": [
        {"value": "https://photos.example.com/profilephoto/72930000000Ccne/F", "type": "photo"},
        {"value": "https://photos.example.com/profilephoto/72930000000Ccne/T", "type": "thumbnail"},
    ],
    "userType": "Employee",
    "title": "Tour Guide",
    "preferredLanguage": "en-US",
    "locale": "en-US",
    "timezone": "America/Los_Angeles",
    "active": True,
    "groups": [
        {
            "value": "e9e30dba-f08f-4109-8486-d5c6a331660a",
            "$ref": "https://example.com/v2/Groups/e9e30dba-f08f-4109-8486-d5c6a331660a",
            "display": "Tour Guides",
        },
    ],
    "x509Certificates": [{"value": "MIIDQzCCAqygAwIBAgICEAAwDQYJKoZIhvcNAQEFBQAw"}],
    ENTERPRISE_URN: {
        "employeeNumber": "701984",
        "costCenter": "4130",
        "organization": "Universal Studios",
        "division": "Theme Park",
        "department": "Tour Operations",
        "manager": {
            "value": "26118915-6090-4610-87e4-49d8ca9f808d",
            "$ref": "../Users/26118915-6090-4610-87e4-49d8ca9f808d",
            "displayName": "John Smith",
        },
    },
    "meta": {
        "resourceType": "User",
        "created": "2010-01-23T04:56:22Z",
        "lastModified": "2011-05-13T04:42:34Z",
        "version": 'W/"3694e05e9dff591"',
        "location": "https://example.com/v2/Users/2819c223-7f76-453a-919d-413861904646",
    },
}

# RFC 7643 §8.4 group.
GROUP: Json = {
    "schemas": [GROUP_URN],
    "id": "e9e30dba-f08f-4109-8486-d5c6a331660a",
    "displayName": "Tour Guides",
    "members": [
        {
            "value": "2819c223-7f76-453a-919d-413861904646",
            "$ref": "https://example.com/v2/Users/2819c223-7f76-453a-919d-413861904646",
            "display": "Babs Jensen",
        },
    ],
    "meta": {
        "resourceType": "Group",
        "created": "2010-01-23T04:56:22Z",
        "lastModified": "2011-05-13T04:42:34Z",
        "version": 'W/"3694e05e9dff592"',
        "location": "https://example.com/v2/Groups/e9e30dba-f08f-4109-8486-d5c6a331660a",
    },
}

# RFC 7644 §3.12 error (uniqueness conflict).
ERROR: Json = {
    "schemas": [ERROR_URN],
    "scimType": "uniqueness",
    "detail": "One or more of the attribute values are already in use or are reserved.",
    "status": "409",
}

# RFC 7644 §3.4.2 list response.
LIST_RESPONSE: Json = {
    "schemas": [LIST_URN],
    "totalResults": 2,
    "itemsPerPage": 10,
    "startIndex": 1,
    "Resources": [{"id": "2819c223-7f76-453a-919d-413861904646", "userName": "bjensen"}],
}

# RFC 7644 §3.5.2.1 / §3.5.2.2 PATCH requests.
PATCH_OP: Json = {
    "schemas": [PATCH_URN],
    "Operations": [
        {
            "op": "add",
            "path": "members",
            "value": [
                {
                    "display": "Babs Jensen",
                    "$ref": "https://example.com/v2/Users/2819c223-7f76-453a-919d-413861904646",
                    "value": "2819c223-7f76-453a-919d-413861904646",
                },
            ],
        },
        {"op": "Remove", "path": 'members[value eq "2819c223-7f76-453a-919d-413861904646"]'},
        {"op": "REPLACE", "value": {"displayName": "Tour Guides"}},
    ],
}

# RFC 7644 §3.4.3 search request.
SEARCH_REQUEST: Json = {
    "schemas": [SEARCH_URN],
    "attributes": ["displayName", "userName"],
    "filter": 'displayName sw "smith"',
    "startIndex": 1,
    "count": 10,
}

# RFC 7644 §3.7.1 / §3.7.3 bulk request and response (abridged).
BULK_REQUEST: Json = {
    "schemas": [BULK_REQUEST_URN],
    "failOnErrors": 1,
    "Operations": [
        {
            "method": "POST",
            "path": "/Users",
            "bulkId": "qwerty",
            "data": {"schemas": [USER_URN], "userName": "Alice"},
        },
        {
            "method": "DELETE",
            "path": "/Users/e9025315-6bea-44e1-899c-1e07454e468b",
            "version": 'W/"0ee8add0a938e1a"',
        },
    ],
}

BULK_RESPONSE: Json = {
    "schemas": [BULK_RESPONSE_URN],
    "Operations": [
        {
            "location": "https://example.com/v2/Users/92b725cd-9465-4e7d-8c16-01f8e146b87a",
            "method": "POST",
            "bulkId": "qwerty",
            "version": 'W/"4weymrEsh5O6cAEK"',
            "status": "201",
        },
        {
            "method": "POST",
            "bulkId": "qwerty",
            "status": "400",
            "response": {
                "schemas": [ERROR_URN],
                "scimType": "invalidSyntax",
                "detail": "Request is unparsable, syntactically incorrect, or violates schema.",
                "status": "400",
            },
        },
        {
            "location": "https://example.com/v2/Users/b7c14771",
            "method": "DELETE",
            "status": {"code": "204"},
        },
    ],
}

# RFC 7643 §8.5 service provider configuration.
SERVICE_PROVIDER_CONFIG: Json = {
    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
    "documentationUri": "http://example.com/help/scim.html",
    "patch": {"supported": True},
    "bulk": {"supported": True, "maxOperations": 1000, "maxPayloadSize": 1048576},
    "filter": {"supported": True, "maxResults": 200},
    "changePassword": {"supported": True},
    "sort": {"supported": True},
    "etag": {"supported": True},
    "authenticationSchemes": [
        {
            "name": "OAuth Bearer Token",
            "description": "Authentication scheme using the OAuth Bearer Token Standard",
            "specUri": "http://www.rfc-editor.org/info/rfc6750",
            "documentationUri": "http://example.com/help/oauth.html",
            "type": "oauthbearertoken",
            "primary": True,
        },
        {
            "name": "HTTP Basic",
            "description": "Authentication scheme using the HTTP Basic Standard",
            "specUri": "http://www.rfc-editor.org/info/rfc2617",
            "documentationUri": "http://example.com/help/httpBasic.html",
            "type": "httpbasic",
        },
    ],
    "meta": {
        "location": "https://example.com/v2/ServiceProviderConfig",
        "resourceType": "ServiceProviderConfig",
        "created": "2010-01-23T04:56:22Z",
        "lastModified": "2011-05-13T04:42:34Z",
        "version": 'W/"3694e05e9dff594"',
    },
}

# RFC 7643 §8.6 resource types (Group has no schemaExtensions).
RESOURCE_TYPES: list[Json] = [
    {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ResourceType"],
        "id": "User",
        "name": "User",
        "endpoint": "/Users",
        "description": "User Account",
        "schema": USER_URN,
        "schemaExtensions": [{"schema": ENTERPRISE_URN, "required": True}],
        "meta": {
            "location": "https://example.com/v2/ResourceTypes/User",
            "resourceType": "ResourceType",
        },
    },
    {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ResourceType"],
        "id": "Group",
        "name": "Group",
        "endpoint": "/Groups",
        "description": "Group",
        "schema": GROUP_URN,
        "meta": {
            "location": "https://example.com/v2/ResourceTypes/Group",
            "resourceType": "ResourceType",
        },
    },
]


def with_changes(base: Json, **changes: Any) -> Json:
    """A deep copy of ``base`` with top-level keys replaced (``None`` deletes the key)."""
    result = copy.deepcopy(base)
    for key, value in changes.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = value
    return result


def served(name: str) -> Json:
    """``schemas/scim/<name>.json`` as our server serves it: meta.location made absolute."""
    doc = copy.deepcopy(scim_schema(name))
    doc["meta"]["location"] = "https://example.com/v2" + doc["meta"]["location"]
    return doc
