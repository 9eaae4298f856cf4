"""Defects of filtering (RFC 7644 §3.4.2.2).

Each defect breaks the catalog requirements it names, so that the defect matrix (``tests/defects``)
can prove the checks of ``scim_tests/checks/test_filter.py`` and ``test_filter_properties.py``
fail. They go through the provider's seams: ``parse_filter`` (to refuse filters, or rewrite the
syntax tree the way a faulty parser would), ``compile_filter`` (to type attributes wrongly), or a
:class:`~scim_mock.operations.ProviderDecorator` around ``query``; the filter module's own code is
never branched on a defect.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from urllib.parse import unquote_plus

from scim_defects.registry import Defect, register
from scim_mock import filters
from scim_mock.errors import InvalidFilter
from scim_mock.filter_lexer import Token, tokenize
from scim_mock.operations import ProviderDecorator
from scim_mock.paths import AttrPath, parse_attr_path
from scim_mock.query import Query, QueryResult
from scim_mock.schema import Attribute, ResolvedAttribute, ResourceType, SchemaRegistry
from scim_mock.seams import FilterCompiler, FilterParser, Seams

Node = filters.Filter
Predicate = filters.Predicate
Rewrite = Callable[[Node], Node]
Adjust = Callable[[AttrPath, ResolvedAttribute], ResolvedAttribute]
KEYWORDS = {*filters.COMPARISON_OPERATORS, "pr", "and", "or", "not"}


# -- helpers --------------------------------------------------------------------------------


def walk(node: Node, rewrite: Rewrite) -> Node:
    """``node`` rebuilt bottom-up, with ``rewrite`` applied to every sub-tree."""
    if isinstance(node, (filters.And, filters.Or)):
        node = type(node)(walk(node.left, rewrite), walk(node.right, rewrite))
    elif isinstance(node, filters.Not):
        node = filters.Not(walk(node.operand, rewrite))
    elif isinstance(node, filters.ValuePath):
        node = filters.ValuePath(node.path, walk(node.filter, rewrite))
    return rewrite(node)


def _rewrite_tree(rewrite: Rewrite) -> Callable[[Seams], Seams]:
    """Parse as before, then rewrite the tree (chains with earlier parse_filter changes)."""

    def change(seams: Seams) -> Seams:
        parse = seams.parse_filter

        def rewritten(text: str, known_urns: Iterable[str] = ()) -> Node:
            return walk(parse(text, known_urns), rewrite)

        return seams.replace(parse_filter=rewritten)

    return change


def _refuse(why: Callable[[str], str | None]) -> Callable[[Seams], Seams]:
    """Refuse filters for which ``why(text)`` gives a reason (before the real parse)."""

    def change(seams: Seams) -> Seams:
        parse = seams.parse_filter

        def refusing(text: str, known_urns: Iterable[str] = ()) -> Node:
            reason = why(text)
            if reason:
                raise InvalidFilter(reason)
            return parse(text, known_urns)

        return seams.replace(parse_filter=refusing)

    return change


class RetypedRegistry(SchemaRegistry):
    """``inner``'s schemas, except that every attribute a path resolves to passes ``adjust``.

    compile_filter reads attribute definitions only through ``resolve``, so handing it this
    registry compiles filters against wrongly typed attributes without touching the schemas.
    """

    def __init__(self, inner: SchemaRegistry, adjust: Adjust) -> None:
        super().__init__(inner.schemas(), inner.resource_types())
        self.inner = inner
        self.adjust = adjust

    def resolve(
        self,
        resource_type: ResourceType,
        attribute: str,
        sub_attribute: str | None = None,
        urn: str | None = None,
    ) -> ResolvedAttribute | None:
        # Delegating to ``inner`` (not the base class) lets two retyping defects compose.
        found = self.inner.resolve(resource_type, attribute, sub_attribute, urn)
        if found is None:
            return None
        return self.adjust(AttrPath(urn, attribute, sub_attribute), found)


def _schemas_path(node: Node) -> AttrPath | None:
    """The path of a term on the top-level ``schemas`` attribute (P-3.4.2.2-23), else None."""
    if not isinstance(node, (filters.Comparison, filters.Present, filters.ValuePath)):
        return None
    path = node.path
    named = (path.urn, path.sub_attribute, (path.attribute or "").lower())
    return path if named == (None, None, "schemas") else None


def _terms(node: Node) -> Iterable[Node]:
    """The terms (comparisons, ``pr``, value paths) of ``node``, outside value paths' brackets."""
    if isinstance(node, (filters.And, filters.Or)):
        yield from _terms(node.left)
        yield from _terms(node.right)
    elif isinstance(node, filters.Not):
        yield from _terms(node.operand)
    else:
        yield node


def by_terms(node: Node, term: Callable[[Node], Predicate]) -> Predicate:
    """``node`` compiled with ``term`` for each term and the logical operators in between."""
    if isinstance(node, (filters.And, filters.Or)):
        left, right = by_terms(node.left, term), by_terms(node.right, term)
        if isinstance(node, filters.And):
            return lambda resource: left(resource) and right(resource)
        return lambda resource: left(resource) or right(resource)
    if isinstance(node, filters.Not):
        operand = by_terms(node.operand, term)
        return lambda resource: not operand(resource)
    return term(node)


def _retype(adjust: Adjust) -> Callable[[Seams], Seams]:
    """Compile filters with the attribute definitions changed by ``adjust``."""

    def change(seams: Seams) -> Seams:
        compile_ = seams.compile_filter

        def retyped(node: Node, registry: SchemaRegistry, rt: ResourceType) -> Predicate:
            wrong = RetypedRegistry(registry, adjust)
            if not any(_schemas_path(t) for t in _terms(node)):
                return compile_(node, wrong, rt)
            return by_terms(node, lambda term: schemas_or(term, wrong, rt))

        def schemas_or(term: Node, wrong: SchemaRegistry, rt: ResourceType) -> Predicate:
            # compile_filter answers ``schemas`` itself, without asking the registry; such
            # terms are compiled here, over the resource as if it were one complex value
            # holding the adjusted ``schemas`` attribute, so that the defect reaches them too.
            path = _schemas_path(term)
            if path is None:
                return compile_(term, wrong, rt)
            schemas = adjust(path, ResolvedAttribute(None, filters.SCHEMAS_ATTRIBUTE))
            if isinstance(term, filters.ValuePath):
                return compile_(term, wrong, rt)  # refused: schemas is not complex
            holder = Attribute("resource", type="complex", sub_attributes=(schemas.attribute,))
            return filters.compile_value_filter(term, holder)

        return seams.replace(compile_filter=retyped)

    return change


def with_strings(attribute: Attribute, **changes: object) -> Attribute:
    """``attribute`` and its sub-attributes with ``changes`` applied to string-like ones."""
    subs = tuple(with_strings(s, **changes) for s in attribute.sub_attributes)
    if attribute.type in ("string", "reference"):
        return replace(attribute, sub_attributes=subs, **changes)  # type: ignore[arg-type]
    return replace(attribute, sub_attributes=subs)


# -- tree rewrites --------------------------------------------------------------------------


def _or_as_and(node: Node) -> Node:
    return filters.And(node.left, node.right) if isinstance(node, filters.Or) else node


def _and_as_or(node: Node) -> Node:
    return filters.Or(node.left, node.right) if isinstance(node, filters.And) else node


def _not_ignored(node: Node) -> Node:
    return node.operand if isinstance(node, filters.Not) else node


def _gt_inclusive(node: Node) -> Node:
    if isinstance(node, filters.Comparison) and node.op in ("gt", "lt"):
        return replace(node, op={"gt": "ge", "lt": "le"}[node.op])
    return node


_MIRRORED = {"gt": "lt", "ge": "le", "lt": "gt", "le": "ge"}


def _ordering_swapped(node: Node) -> Node:
    if isinstance(node, filters.Comparison) and node.op in _MIRRORED:
        return replace(node, op=_MIRRORED[node.op])
    return node


def _co_as_sw(node: Node) -> Node:
    if isinstance(node, filters.Comparison) and node.op == "co":
        return replace(node, op="sw")
    return node


def _sw_as_ew(node: Node) -> Node:
    # The LIKE pattern is built as '%' + value instead of value + '%'.
    if isinstance(node, filters.Comparison) and node.op == "sw":
        return replace(node, op="ew")
    return node


#: How a server that stringifies a missing value would test the text against the operand.
_TEXT_TESTS: dict[str, Callable[[str, str], bool]] = {
    "co": lambda text, v: v in text, "sw": str.startswith, "ew": str.endswith,
    "gt": lambda text, v: text > v, "ge": lambda text, v: text >= v,
    "lt": lambda text, v: text < v, "le": lambda text, v: text <= v,
}  # fmt: skip


def _unassigned_as_undefined(node: Node) -> Node:
    """``a op "v"`` also holds where ``a`` has no value if the text "undefined" passes the test:
    the missing value is turned into text (``String(undefined)``) before it is compared."""
    if isinstance(node, filters.Comparison) and isinstance(node.value, str):
        test = _TEXT_TESTS.get(node.op)
        if test is not None and test("undefined", node.value.lower()):
            return filters.Or(node, filters.Not(filters.Present(node.path)))
    return node


def _sw_and_longer(node: Node) -> Node:
    """``a sw v`` as ``a sw v and not (a eq v)``: sw read as "starts with and is longer"."""
    if isinstance(node, filters.Comparison) and node.op == "sw":
        return filters.And(node, filters.Not(replace(node, op="eq")))
    return node


def _id_lookup_scanned(node: Node) -> Node:
    """``id eq v`` as ``not (id ne v)``: the same test, but one the planner cannot answer from
    its exact id index, so it scans and the case-insensitive collation decides, as it would in
    a database whose id column has that collation too."""
    if isinstance(node, filters.Comparison) and node.op == "eq":
        path = node.path
        if (path.attribute or "").lower() == "id" and path.sub_attribute is None:
            return filters.Not(replace(node, op="ne"))
    return node


def _value_path_any_element(node: Node) -> Node:
    """emails[a and b] read as emails[a] and emails[b]: parts may hold for different values."""
    if isinstance(node, filters.ValuePath) and isinstance(node.filter, filters.And):
        inner = node.filter
        return filters.And(filters.ValuePath(node.path, inner.left),
                           filters.ValuePath(node.path, inner.right))  # fmt: skip
    return node


def _pr_counts_empty(seams: Seams) -> Seams:
    """``attr pr`` also holds for an empty string (``pr`` read as "the key exists")."""
    compile_: FilterCompiler = seams.compile_filter

    def compile_pr(node: Node, registry: SchemaRegistry, rt: ResourceType) -> Predicate:
        def rewrite(term: Node) -> Node:
            name = term.path.attribute if isinstance(term, filters.Present) else None
            if isinstance(term, filters.Present) and name is not None:
                path = term.path
                # A string attribute of any resource type, as a parser knowing no types would.
                for each in registry.resource_types():
                    found = registry.resolve(each, name, path.sub_attribute, path.urn)
                    if found is not None and found.target.type == "string":
                        return filters.Or(term, filters.Comparison(path, "eq", ""))
            return term

        return compile_(walk(node, rewrite), registry, rt)

    return seams.replace(compile_filter=compile_pr)


class _FlatReader:
    """Reads a filter with ``and`` and ``or`` at one precedence level, left to right.

    Only ever given text that the parser has accepted, so it needs no error handling: the
    grammar is the same, only the grouping of unparenthesized chains differs.
    """

    def __init__(self, text: str, known_urns: Iterable[str]) -> None:
        self.tokens = tokenize(text)
        self.index = 0
        self.known_urns = tuple(known_urns)

    def next(self) -> Token:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def chain(self) -> Node:
        node = self.term()
        while (word := self.tokens[self.index].text.lower()) in ("and", "or"):
            self.index += 1
            right = self.term()
            node = filters.And(node, right) if word == "and" else filters.Or(node, right)
        return node

    def term(self) -> Node:
        token = self.next()
        if token.kind == "(":
            return self.closed()
        if token.text.lower() == "not":
            self.next()  # "("
            return filters.Not(self.closed())
        path = parse_attr_path(token.text, self.known_urns)
        if self.tokens[self.index].kind == "[":
            self.next()
            return filters.ValuePath(path, self.closed())
        operator = self.next().text.lower()
        if operator == "pr":
            return filters.Present(path)
        return filters.Comparison(path, operator, self.next().value)

    def closed(self) -> Node:
        node = self.chain()
        self.next()  # the closing ")" or "]"
        return node


def _sw_excludes_whole_value(seams: Seams) -> Seams:
    compile_: FilterCompiler = seams.compile_filter

    def strict(node: Node, registry: SchemaRegistry, rt: ResourceType) -> Predicate:
        try:
            return compile_(walk(node, _sw_and_longer), registry, rt)
        except InvalidFilter:
            # eq refuses a literal that is no value of the attribute's type (the prefix of a
            # dateTime, say); such a prefix equals no value, so the plain sw answers the same.
            return compile_(node, registry, rt)

    return seams.replace(compile_filter=strict)


def _decoded_twice(seams: Seams) -> Seams:
    parse: FilterParser = seams.parse_filter

    def decoding(text: str, known_urns: Iterable[str] = ()) -> Node:
        # The web framework has already decoded the query string; decoding it again turns '+'
        # into a space and '%xx' in a value into another character.
        return parse(unquote_plus(text), known_urns)

    return seams.replace(parse_filter=decoding)


def _collation_ignores_case(seams: Seams) -> Seams:
    return _rewrite_tree(_id_lookup_scanned)(_retype(_cased(exact=False))(seams))


def _precedence_wrong(seams: Seams) -> Seams:
    parse: FilterParser = seams.parse_filter

    def flat(text: str, known_urns: Iterable[str] = ()) -> Node:
        known = tuple(known_urns)
        # The parser checks the text (so errors are the usual ones); its tree is not used, as a
        # parser that got precedence wrong would not have built it.
        parse(text, known)
        return _FlatReader(text, known).chain()

    return seams.replace(parse_filter=flat)


def _upper_keyword(text: str) -> str | None:
    for token in tokenize(text):
        if (
            token.kind == "word"
            and token.text.lower() in KEYWORDS
            and token.text.islower() is False
        ):
            return f"unknown operator {token.text!r}"
    return None


def _urn_path(text: str) -> str | None:
    for token in tokenize(text):
        if token.kind == "word" and token.text.lower().startswith("urn:"):
            return "URN-qualified attribute paths are not supported"
    return None


def _attribute_case(path: AttrPath, found: ResolvedAttribute) -> ResolvedAttribute:
    named = [(path.attribute, found.attribute)]
    if found.sub_attribute is not None:
        named.append((path.sub_attribute, found.sub_attribute))
    for written, attribute in named:
        if written is not None and written != attribute.name:
            raise InvalidFilter(f"unknown attribute {written!r}")
    return found


def _cased(exact: bool) -> Adjust:
    """Every string-like attribute compared case-exactly (or not), whatever its caseExact."""

    def adjust(path: AttrPath, found: ResolvedAttribute) -> ResolvedAttribute:
        sub = found.sub_attribute
        return replace(found, attribute=with_strings(found.attribute, case_exact=exact),
                       sub_attribute=sub and with_strings(sub, case_exact=exact))  # fmt: skip

    return adjust


def _datetime_as_string(path: AttrPath, found: ResolvedAttribute) -> ResolvedAttribute:
    sub = found.sub_attribute
    if sub is not None and sub.type == "dateTime":
        return replace(found, sub_attribute=replace(sub, type="string", case_exact=True))
    return found


class _InvalidReturnsEmpty(ProviderDecorator):
    """An invalid filter is answered with an empty page (200) instead of 400 invalidFilter."""

    def query(self, rts: Iterable[ResourceType], query: Query) -> QueryResult:
        try:
            return self.inner.query(rts, query)
        except InvalidFilter:
            return QueryResult([], 0, 1, 0)


# -- registry -------------------------------------------------------------------------------

_SAME = "P-3.4.2.2-22"
register(Defect(
    "filter-case-sensitive-strings", (_SAME,),
    "String comparisons ignore caseExact=false: every string compares exactly.",
    change_seams=_retype(_cased(exact=True)),
))  # fmt: skip
register(Defect(
    "filter-case-exact-ignored", (_SAME,),
    "Every string compares case-insensitively (a case-insensitive collation), caseExact=true "
    "ones such as id and externalId included.",
    change_seams=_collation_ignores_case,
))  # fmt: skip
register(Defect("filter-or-as-and", ("P-3.4.2.2-13",), "'or' is evaluated as 'and'.",
                change_seams=_rewrite_tree(_or_as_and)))  # fmt: skip
register(Defect("filter-and-as-or", ("P-3.4.2.2-13",), "'and' is evaluated as 'or'.",
                change_seams=_rewrite_tree(_and_as_or)))  # fmt: skip
register(Defect("filter-not-ignored", ("P-3.4.2.2-13",), "'not (x)' is evaluated as 'x'.",
                change_seams=_rewrite_tree(_not_ignored)))  # fmt: skip
register(Defect("filter-precedence-wrong", ("P-3.4.2.2-17",),
                "'and' and 'or' share one precedence: a or b and c is (a or b) and c.",
                change_seams=_precedence_wrong))  # fmt: skip
register(Defect("filter-pr-counts-empty", ("P-3.4.2.2-10",),
                "'pr' holds for an empty string value.",
                change_seams=_pr_counts_empty))  # fmt: skip
register(Defect("filter-valuepath-any-element", ("P-3.4.2.2-15", "P-3.4.2.2-18"),
                "The conditions of attr[a and b] may be met by different values.",
                change_seams=_rewrite_tree(_value_path_any_element)))  # fmt: skip
register(Defect("filter-datetime-as-string", ("P-3.4.2.2-11",),
                "dateTime values are compared as text, not chronologically.",
                change_seams=_retype(_datetime_as_string)))  # fmt: skip
register(Defect("filter-gt-inclusive", ("P-3.4.2.2-11",), "gt and lt include equal values.",
                change_seams=_rewrite_tree(_gt_inclusive)))  # fmt: skip
register(Defect("filter-lt-as-gt", ("P-3.4.2.2-11",),
                "The ordering operators are mirrored: lt is evaluated as gt, le as ge and back.",
                change_seams=_rewrite_tree(_ordering_swapped)))  # fmt: skip
register(Defect("filter-co-as-sw", ("P-3.4.2.2-07",), "'co' only matches at the start.",
                change_seams=_rewrite_tree(_co_as_sw)))  # fmt: skip
register(Defect("filter-unassigned-as-undefined", ("P-3.4.2.2-07", "P-3.4.2.2-11"),
                "co/sw/ew/gt/ge/lt/le on an attribute without a value compare the text "
                "'undefined' (a missing value stringified), so 'title co \"u\"' selects "
                "users without a title.",
                change_seams=_rewrite_tree(_unassigned_as_undefined)))  # fmt: skip
register(Defect("filter-invalid-returns-empty", ("P-3.4.2.2-04", "P-3.4.2.2-12", "P-3.4.2.2-21"),
                "Invalid filters answer 200 with no results instead of 400 invalidFilter.",
                wrap_provider=_InvalidReturnsEmpty))  # fmt: skip
register(Defect("filter-urn-unsupported", ("P-3.4.2.2-16",),
                "URN-qualified attribute paths are refused with invalidFilter.",
                change_seams=_refuse(_urn_path)))  # fmt: skip
register(Defect("filter-operator-case-sensitive", ("P-3.4.2.2-03",),
                "Operators and logical words are only recognised in lower case.",
                change_seams=_refuse(_upper_keyword)))  # fmt: skip
register(Defect("filter-attribute-case-sensitive", ("P-3.4.2.2-03",),
                "Attribute names in filters must match the schema's spelling exactly.",
                change_seams=_retype(_attribute_case)))  # fmt: skip
register(Defect("filter-sw-as-ew", ("P-3.4.2.2-08",),
                "'sw' matches a suffix: its pattern is built as '%value'.",
                change_seams=_rewrite_tree(_sw_as_ew)))  # fmt: skip
register(Defect("filter-sw-excludes-whole-value", ("P-3.4.2.2-08",),
                "'sw' is read as 'starts with and is longer': a value equal to it does not match.",
                change_seams=_sw_excludes_whole_value))  # fmt: skip
register(Defect("filter-value-decoded-twice", ("P-1.2-01",),
                "The filter is percent-decoded a second time: '+' becomes a space.",
                change_seams=_decoded_twice))  # fmt: skip
