"""The RFC 7643 §8.7 schema representations (``schemas/scim``) are well formed and carry the
verified errata listed in ``schemas/scim/README.md``.
"""

from __future__ import annotations

import pytest

from tests.schema_files import (
    ATTRIBUTE_NAME,
    SCHEMA_URN,
    SCIM_FILES,
    attribute,
    scim_schema,
    sub,
    walk,
)


@pytest.mark.parametrize("name", SCIM_FILES)
def test_scim_schema_shape(name: str) -> None:
    doc = scim_schema(name)
    assert isinstance(doc["id"], str) and doc["id"].startswith("urn:ietf:params:scim:schemas:")
    assert isinstance(doc["name"], str) and doc["name"]
    assert isinstance(doc["attributes"], list) and doc["attributes"]
    assert "x-errata" not in doc
    for dotted, attr in walk(doc["attributes"]):
        assert attr["name"] == "$ref" or ATTRIBUTE_NAME.match(attr["name"]), dotted
        if attr["type"] != "complex":
            assert "subAttributes" not in attr, dotted
        else:
            assert attr["subAttributes"], dotted
            for sub_attr in attr["subAttributes"]:
                nested = f"{dotted}.{sub_attr['name']}"
                if (name, nested) == ("Schema", "attributes.subAttributes"):
                    continue  # Figure 10 itself nests subAttributes: the one permitted exception
                # RFC 7643 §2.3.8: a complex attribute's sub-attributes are not complex.
                assert sub_attr["type"] != "complex", nested
    names = [a["name"] for a in doc["attributes"]]
    assert len(names) == len(set(names)), f"duplicate attribute in {name}"


@pytest.mark.parametrize("name", SCIM_FILES)
def test_scim_schema_erratum_8417_schemas_and_meta(name: str) -> None:
    doc = scim_schema(name)
    assert doc["schemas"] == [SCHEMA_URN]
    assert doc["meta"] == {"resourceType": "Schema", "location": f"/Schemas/{doc['id']}"}


def test_erratum_5368_group_display_name_required() -> None:
    assert sub("Group", "displayName")["required"] is True


def test_erratum_7522_schema_extensions_multi_valued() -> None:
    assert sub("ResourceType", "schemaExtensions")["multiValued"] is True


def test_resource_type_schema_extensions_optional() -> None:
    """RFC 7643 §6 says OPTIONAL and the §8.6 Group example has none; the figure says required."""
    assert sub("ResourceType", "schemaExtensions")["required"] is False


def test_erratum_5607_nested_reference_types_multi_valued() -> None:
    assert sub("Schema", "attributes", "referenceTypes")["multiValued"] is True
    nested = attribute(
        sub("Schema", "attributes", "subAttributes")["subAttributes"], "referenceTypes"
    )
    assert nested["multiValued"] is True


def test_errata_5606_8415_binary_type() -> None:
    top = sub("Schema", "attributes", "type")["canonicalValues"]
    assert "binary" in top and "complex" in top
    nested = attribute(sub("Schema", "attributes", "subAttributes")["subAttributes"], "type")[
        "canonicalValues"
    ]
    assert "binary" in nested and "complex" not in nested


def test_erratum_8471_groups_ref_is_group() -> None:
    assert sub("User", "groups", "$ref")["referenceTypes"] == ["Group"]


def test_erratum_8472_manager_value_case_exact() -> None:
    assert sub("EnterpriseUser", "manager", "value")["caseExact"] is True


def test_service_provider_config_etag() -> None:
    etag = sub("ServiceProviderConfig", "etag")
    assert (etag["type"], etag["multiValued"], etag["required"]) == ("complex", False, True)
    supported = sub("ServiceProviderConfig", "etag", "supported")
    assert (supported["type"], supported["required"]) == ("boolean", True)


def test_service_provider_config_authentication_scheme_type_and_primary() -> None:
    scheme_type = sub("ServiceProviderConfig", "authenticationSchemes", "type")
    assert (scheme_type["type"], scheme_type["required"]) == ("string", True)
    assert scheme_type["canonicalValues"] == [
        "oauth",
        "oauth2",
        "oauthbearertoken",
        "httpbasic",
        "httpdigest",
    ]
    assert sub("ServiceProviderConfig", "authenticationSchemes", "primary")["type"] == "boolean"


def test_group_members_display() -> None:
    display = sub("Group", "members", "display")
    assert (display["type"], display["mutability"]) == ("string", "readOnly")


def test_user_addresses_primary_and_ims_other() -> None:
    assert sub("User", "addresses", "primary")["type"] == "boolean"
    assert "other" in sub("User", "ims", "type")["canonicalValues"]


def test_user_password_write_only_never_returned() -> None:
    password = sub("User", "password")
    assert (password["mutability"], password["returned"]) == ("writeOnly", "never")
