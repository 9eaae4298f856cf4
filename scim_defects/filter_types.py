"""Defects of how a filter comparison treats the attribute it names (RFC 7644 §3.4.2.2).

The companion of :mod:`scim_defects.filters` (tree rewrites, retyped schemas): each defect here
judges every term by the attribute it compares, as a server whose storage differs per attribute
would (booleans kept as text, references as URI objects, group members in a table of their own,
a case-folded userName index, a binary collation for suffixes). They go through
``compile_filter``: the filter is first compiled as before, so that its errors are the usual
ones; the terms the defect judges then get its outcome, and every other term is compiled as
before (inside a value path's brackets too).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import TypeAlias

from scim_defects.filters import Node, Predicate, RetypedRegistry, by_terms, with_strings
from scim_defects.registry import Defect, register
from scim_mock import filters
from scim_mock.errors import InvalidFilter
from scim_mock.paths import AttrPath
from scim_mock.schema import GROUP, USER, Attribute, ResolvedAttribute, ResourceType, SchemaRegistry
from scim_mock.seams import FilterCompiler, Seams
from scim_mock.values import normalize_text, values_at

Retype: TypeAlias = Callable[[Attribute], Attribute]
#: What a defect makes of one term: a fixed answer, a change of the attribute definitions to
#: compile it against, or None (compiled as before).
Outcome: TypeAlias = "bool | Retype | None"
Judge: TypeAlias = Callable[[Node, ResolvedAttribute], Outcome]
Term: TypeAlias = "filters.Comparison | filters.Present | filters.ValuePath"


# -- judging terms --------------------------------------------------------------------------


def _resolved(term: Term, found: ResolvedAttribute) -> ResolvedAttribute:
    """What ``term`` compares: a complex attribute named alone is compared through "value"."""
    value = found.attribute.sub_attribute("value") if found.attribute.is_complex else None
    if isinstance(term, filters.Comparison) and found.sub_attribute is None and value:
        return replace(found, sub_attribute=value)
    return found


def _constant(answer: bool) -> Predicate:
    return lambda resource: answer


def _judged(judge: Judge) -> Callable[[Seams], Seams]:
    """Compile filters with ``judge`` deciding the terms it has an outcome for."""

    def change(seams: Seams) -> Seams:
        compile_: FilterCompiler = seams.compile_filter

        def compiled(node: Node, registry: SchemaRegistry, rt: ResourceType) -> Predicate:
            plain = compile_(node, registry, rt)  # raises the usual errors
            judged = False

            def top(term: Node) -> Predicate:
                nonlocal judged
                found = _found(term, registry, rt)
                if found is None:
                    return compile_(term, registry, rt)
                assert isinstance(term, (filters.Comparison, filters.Present, filters.ValuePath))
                outcome = judge(term, _resolved(term, found))
                if outcome is None and isinstance(term, filters.ValuePath):
                    inner = _value_path(term, found, judge)
                    judged = judged or inner is not None
                    return inner or compile_(term, registry, rt)
                if outcome is None:
                    return compile_(term, registry, rt)
                judged = True
                if isinstance(outcome, bool):
                    return _constant(outcome)
                retype = outcome

                def adjust(path: AttrPath, found: ResolvedAttribute) -> ResolvedAttribute:
                    sub = found.sub_attribute
                    return replace(found, attribute=retype(found.attribute),
                                   sub_attribute=sub and retype(sub))  # fmt: skip

                return compile_(term, RetypedRegistry(registry, adjust), rt)

            predicate = by_terms(node, top)
            return predicate if judged else plain

        return seams.replace(compile_filter=compiled)

    return change


def _found(term: Node, registry: SchemaRegistry, rt: ResourceType) -> ResolvedAttribute | None:
    """The attribute a top-level term names, or None (``schemas``, an unknown attribute)."""
    if not isinstance(term, (filters.Comparison, filters.Present, filters.ValuePath)):
        return None
    path = term.path
    if path.attribute is None:
        return None
    return registry.resolve(rt, path.attribute, path.sub_attribute, path.urn)


def _value_path(
    term: filters.ValuePath, found: ResolvedAttribute, judge: Judge
) -> Predicate | None:
    """``attr[filter]`` with ``judge`` deciding the terms inside; None if it decides none.

    Every term inside the brackets is tested on the same value of ``attr``, so the terms may be
    compiled one by one (the filter as a whole was checked already).
    """
    attribute, judged = found.attribute, False

    def inner(each: Node) -> Predicate:
        nonlocal judged
        path = each.path if isinstance(each, (filters.Comparison, filters.Present)) else None
        sub = attribute.sub_attribute(path.attribute) if path and path.attribute else None
        outcome = None
        if sub is not None and isinstance(each, (filters.Comparison, filters.Present)):
            outcome = judge(each, replace(found, sub_attribute=sub))
        judged = judged or outcome is not None
        if isinstance(outcome, bool):
            return _constant(outcome)
        holder = attribute if outcome is None else outcome(attribute)
        return filters.compile_value_filter(each, holder)

    matches = by_terms(term.filter, inner)
    if not judged:
        return None
    return lambda resource: any(
        isinstance(item, dict) and matches(item) for item in values_at(resource, found)
    )


# -- the judges -----------------------------------------------------------------------------


def _compared(term: Node) -> filters.Comparison | None:
    """``term`` if it compares with a value (not ``pr``, not ``eq null``)."""
    if isinstance(term, filters.Comparison) and term.value is not None:
        return term
    return None


def _boolean_as_string(term: Node, found: ResolvedAttribute) -> Outcome:
    # The literal true is compared as the text "true" with the stored JSON booleans, which
    # never equal it: eq finds nothing and ne everything.
    compared = _compared(term)
    if compared and isinstance(compared.value, bool) and found.target.type == "boolean":
        return compared.op == "ne"
    return None


def _ew_case_exact(attribute: Attribute) -> Attribute:
    return with_strings(attribute, case_exact=True)


def _ew_case_sensitive(term: Node, found: ResolvedAttribute) -> Outcome:
    # ew is implemented with a LIKE '%value' under a binary collation, the other operators not.
    compared = _compared(term)
    return _ew_case_exact if compared and compared.op == "ew" else None


def _references_never_match(term: Node, found: ResolvedAttribute) -> Outcome:
    # References are stored as parsed URI objects; the literal's text never equals one.
    compared = _compared(term)
    if compared and found.target.type == "reference":
        return compared.op == "ne"
    return None


def _members_not_indexed(term: Node, found: ResolvedAttribute) -> Outcome:
    # Members live in a table of their own that the filter engine does not join: no member
    # term ever holds (pr, comparisons and value paths alike).
    if found.schema == GROUP and found.attribute.name == "members":
        return False
    return None


def _user_groups_not_indexed(term: Node, found: ResolvedAttribute) -> Outcome:
    # User.groups is derived from the Groups when a user is read; the filter runs on the
    # stored users, which have no groups: no groups term ever holds.
    if found.schema == USER and found.attribute.name == "groups":
        return False
    return None


def _eq_null_as_sql_equals(term: Node, found: ResolvedAttribute) -> Outcome:
    # "attr eq null" becomes SQL "attr = NULL", which is never true (IS NULL was meant).
    if isinstance(term, filters.Comparison) and term.op == "eq" and term.value is None:
        return False
    return None


def _username_index_folded(term: Node, found: ResolvedAttribute) -> Outcome:
    # Equality on userName is answered from an index of case-folded userNames, but the
    # filter's value is looked up as written: only a value already in folded form can match.
    compared = _compared(term)
    if (
        compared
        and compared.op in ("eq", "ne")
        and isinstance(compared.value, str)
        and (found.schema, found.attribute.name, found.sub_attribute) == (USER, "userName", None)
        and normalize_text(compared.value, case_exact=False) != compared.value
    ):
        return compared.op == "ne"
    return None


#: An attribute name followed by a dot and a sub-attribute name (name.familyName), once
#: quoted values and the insides of value paths are blanked out; "2.0" in a URN is no path.
_DOTTED = re.compile(r"(?<![\w.$])[A-Za-z$][\w$-]*\.[A-Za-z$]")


def _dotted_paths_refused(seams: Seams) -> Seams:
    """Filters name top-level attributes only (value paths work): a dotted path is refused."""
    parse = seams.parse_filter

    def refusing(text: str, known_urns: Iterable[str] = ()) -> Node:
        bare = re.sub(r'"(?:[^"\\]|\\.)*"', '""', text)
        while re.search(r"\[[^\[\]]*\]", bare):
            bare = re.sub(r"\[[^\[\]]*\]", "()", bare)
        if _DOTTED.search(bare):
            raise InvalidFilter("Sub-attribute paths are not supported in filters.")
        return parse(text, known_urns)

    return seams.replace(parse_filter=refusing)


# -- registry -------------------------------------------------------------------------------

register(Defect("filter-boolean-as-string", ("P-3.4.2.2-05", "P-3.4.2.2-16"),
                "The literals true and false are compared as text with stored booleans.",
                change_seams=_judged(_boolean_as_string)))  # fmt: skip
register(Defect("filter-ew-case-sensitive", ("P-3.4.2.2-09", "P-3.4.2.2-22"),
                "'ew' compares case-exactly (a binary LIKE), ignoring caseExact=false.",
                change_seams=_judged(_ew_case_sensitive)))  # fmt: skip
register(Defect("filter-references-never-match", ("P-3.4.2.2-05", "P-3.4.2.2-08"),
                "Comparisons on reference attributes (profileUrl, $ref) never match.",
                change_seams=_judged(_references_never_match)))  # fmt: skip
register(Defect("filter-members-not-indexed", ("P-3.4.2.2-10", "P-3.4.2.2-18", "P-3.4.2.2-19"),
                "Filters on Group members match nothing: members are not in the filtered table.",
                change_seams=_judged(_members_not_indexed)))  # fmt: skip
register(Defect("filter-user-groups-not-indexed", ("P-3.4.2.2-02", "P-3.4.2.2-18"),
                "Filters on User.groups match nothing: groups are derived on read, not stored.",
                change_seams=_judged(_user_groups_not_indexed)))  # fmt: skip
register(Defect("filter-eq-null-never-matches", ("P-3.4.2.2-16", "C-2.5-01"),
                "'attr eq null' matches nothing (translated to SQL '= NULL', not 'IS NULL').",
                change_seams=_judged(_eq_null_as_sql_equals)))  # fmt: skip
register(Defect("filter-username-index-folded", ("P-3.4.2.2-05", "P-3.4.2.2-22"),
                "userName eq/ne look the value up unfolded in an index of case-folded userNames.",
                change_seams=_judged(_username_index_folded)))  # fmt: skip
register(Defect("filter-dotted-paths-refused", ("P-3.4.2.2-19",),
                "A filter on a sub-attribute in dotted notation (name.familyName eq ...) is "
                "refused with 400 invalidFilter; value paths still work.",
                change_seams=_dotted_paths_refused))  # fmt: skip
