"""A leaner path through graphql-core for plain attribute fields, relay ids and the fields
whose value is already at hand.

Most fields of a list page are attributes with no resolver of their own (`title`, `replyCount`,
`createdAt`, `tags`): strawberry reads them with its default resolver (getattr), through two
wrappers, and marks them `_is_default`. graphql-core still treats
each one like any field: a resolve-info object, an argument check, an awaitable check and the
completion dispatch (non-null, list, leaf), about as much again as the attribute read itself.
A category page has some 400 of them (bench/nodebb.py profile), and some 60 relay `id` fields,
which also build a strawberry Info and run through strawberry's resolver wrapper for what is
a type name and an attribute.

For a field without arguments or directives, this answers it directly (the attribute read
without strawberry's wrappers) when it is
- an attribute of a scalar or enum type: read it, coerce it as graphql-core's leaf completion
  does (null for a nullable field is null, as graphql-core completes it);
- an attribute holding a list of such values (a `list` object, no null items): the same per
  item;
- a relay `id` of a node class that keeps strawberry's own `resolve_id` and
  `resolve_typename`: the same GlobalID strawberry's `Node._id` builds, coerced the same way.
Anything else, and any value that fails to coerce or is null where the type forbids it,
takes graphql-core's own path from the start, so errors, nulls and their paths come out as
before.

The other object and leaf fields of a page (`edges`, `node`, `pageInfo`, and the plain
resolvers that return what the feed page preloaded: `author`, `lastPost`, `unreadCount`) are
resolved as graphql-core resolves them (its info, strawberry's wrapper, permissions and
extensions), then completed here: null checks, leaves coerced, an object's sub-selection run
through graphql-core's own collect/execute methods. An awaitable result, a value that does not
fit, a list of objects, and every error go to graphql-core's own completion and error handling
with the result in hand, so a resolver never runs twice. Fields carrying directives (`@stream`),
inside deferred work, at the root, or of abstract type stay on graphql-core's path.
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from inspect import iscoroutinefunction
from operator import attrgetter
from typing import Any

from graphql import (
    FieldNode,
    GraphQLEnumType,
    GraphQLField,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLResolveInfo,
    GraphQLScalarType,
    Undefined,
)
from graphql.execution.collect_fields import FieldDetailsList
from graphql.pyutils import Path
from strawberry.relay import GlobalID, Node
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

Leaf = GraphQLScalarType | GraphQLEnumType
_NOT_PLANNED = object()
_PLAN = "_bondfire_lean_plan"  # cached on the (per-schema) GraphQLField
_SKIP = object()  # an answer's verdict: take graphql-core's path
_DEFINITION = "strawberry-definition"
_NODE_ID = Node._id.__func__  # type: ignore[attr-defined]  # strawberry's relay `id` resolver
_DEFAULT_RESOLVE_ID = Node.resolve_id.__func__  # type: ignore[attr-defined]
_DEFAULT_RESOLVE_TYPENAME = Node.resolve_typename.__func__  # type: ignore[attr-defined]

Answer = Callable[[Any, Path], Any]  # the value, or _SKIP
Read = Callable[[Any], Any]  # an attribute of the source


@dataclass(frozen=True, slots=True)
class Completion:
    """A field resolved as graphql-core does (or an attribute read) and completed here."""

    read: Read | None  # None: the field's resolver, called with graphql-core's info
    non_null: bool
    output: GraphQLOutputType  # without non-null: a leaf, an object, or a list of either


Plan = Answer | Completion
Decision = tuple[GraphQLField, Plan] | None  # None: graphql-core's path


class LeanExecutionContext(StrawberryGraphQLCoreExecutionContext):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The plan of each field group of the operation, by the group's identity: graphql-core
        # memoizes the groups, so a group repeated for every item of a list is looked at once.
        # The group stays in the value, so its id is not reused while this executor lives.
        self._lean_plans: dict[int, tuple[FieldDetailsList, GraphQLObjectType, Decision]] = {}

    def execute_field(
        self,
        parent_type: GraphQLObjectType,
        source: Any,
        field_details_list: FieldDetailsList,
        path: Path,
        position_context: Any,
    ) -> Any:
        known = self._lean_plans.get(id(field_details_list))
        if known is None or known[1] is not parent_type:
            known = (field_details_list, parent_type, self._decide(parent_type, field_details_list))
            self._lean_plans[id(field_details_list)] = known
        decision = known[2]
        if decision is not None:
            field_def, plan = decision
            if type(plan) is Completion:
                # Deferred work (a position context) is graphql-core's; root fields too
                # (mutations run serially, subscription events have their own resolvers).
                if position_context is None and path.prev is not None:
                    return self._resolve_and_complete(
                        plan, field_def, parent_type, source, field_details_list, path
                    )
            else:
                try:
                    value = plan(source, path)  # type: ignore[operator]
                    if value is not _SKIP:
                        return value
                except Exception:  # graphql-core's path below reports it, with its path
                    pass
        return super().execute_field(
            parent_type, source, field_details_list, path, position_context
        )

    def _decide(
        self, parent_type: GraphQLObjectType, field_details_list: FieldDetailsList
    ) -> Decision:
        middleware = self.middleware_manager  # strawberry passes one, empty unless an
        # extension wraps every resolver; then every field takes graphql-core's path
        if middleware is not None and middleware.middlewares:
            return None
        node = field_details_list[0].node
        field_def = self.schema.get_field(parent_type, node.name.value)
        if (
            field_def is None
            or node.arguments
            or field_def.args
            # @stream (and the rare @include) are graphql-core's; fields merged with this one
            # must carry the same @stream (validation)
            or node.directives
        ):
            return None
        plan = _plan_of(field_def)
        return None if plan is None else (field_def, plan)

    def _resolve_and_complete(
        self,
        plan: Completion,
        field_def: GraphQLField,
        parent_type: GraphQLObjectType,
        source: Any,
        field_details_list: FieldDetailsList,
        path: Path,
    ) -> Any:
        """graphql-core's execute_field, with the completion of a value in hand done here."""
        return_type = field_def.type
        info = (
            self._info(field_def, field_details_list, parent_type, path)
            if plan.read is None
            else None
        )
        try:
            if plan.read is None:
                assert field_def.resolve is not None  # planned: strawberry's wrapper
                result = field_def.resolve(source, info)
            else:
                result = plan.read(source)
            if self.is_awaitable(result):
                info = info or self._info(field_def, field_details_list, parent_type, path)
                return self.complete_awaitable_value(
                    return_type, field_details_list, info, path, result, None
                )
            completed = self._complete(
                plan, field_def, info, parent_type, field_details_list, path, result
            )
            if self.is_awaitable(completed):
                return self._complete_later(completed, return_type, field_details_list, path)
        except Exception as raw_error:
            self.handle_field_error(raw_error, return_type, field_details_list, path)
            return None
        return completed

    def _complete(
        self,
        plan: Completion,
        field_def: GraphQLField,
        info: GraphQLResolveInfo | None,
        parent_type: GraphQLObjectType,
        field_details_list: FieldDetailsList,
        path: Path,
        result: Any,
    ) -> Any:
        """graphql-core's complete_value for the shapes planned; raises as it does."""
        if isinstance(result, Exception):
            raise result
        if result is None or result is Undefined:
            if plan.non_null:  # graphql-core's error, word for word
                name = field_details_list[0].node.name.value
                raise TypeError(f"Cannot return null for non-nullable field {parent_type}.{name}.")
            return None
        output = plan.output
        if isinstance(output, GraphQLObjectType):
            is_type_of = output.is_type_of
            if is_type_of is None:
                return self._execute_subfields(output, field_details_list, path, result)
            info = info or self._info(field_def, field_details_list, parent_type, path)
            if is_type_of(result, info):
                return self._execute_subfields(output, field_details_list, path, result)
        elif isinstance(output, GraphQLList):
            item = _nullable(output.of_type)
            if isinstance(item, Leaf) and type(result) is list:
                coerced = [_coerced(item, value) for value in result]
                if not any(value is _SKIP for value in coerced):
                    return coerced
        else:
            return self.complete_leaf_value(output, result)  # type: ignore[arg-type]
        # Lists of objects, other iterables, bad items and failed type checks: graphql-core
        # completes them (and reports what is wrong) from the value in hand. What it returns
        # for a value that is not null is never null: no non-null check is left to do.
        info = info or self._info(field_def, field_details_list, parent_type, path)
        return self.complete_value(output, field_details_list, info, path, result, None)

    def _execute_subfields(
        self,
        object_type: GraphQLObjectType,
        field_details_list: FieldDetailsList,
        path: Path,
        result: Any,
    ) -> Any:
        grouped_field_set, new_defer_usages, _ = self.collect_subfields(
            object_type, field_details_list
        )
        if new_defer_usages:  # @defer below: graphql-core's incremental delivery plans it
            return self.execute_collected_subfields(
                object_type, result, path, grouped_field_set, new_defer_usages, None
            )
        return self.execute_fields(object_type, result, path, grouped_field_set, None)

    async def _complete_later(
        self,
        completed: Awaitable[Any],
        return_type: GraphQLOutputType,
        field_details_list: FieldDetailsList,
        path: Path,
    ) -> Any:
        try:
            return await completed
        except Exception as raw_error:
            self.handle_field_error(raw_error, return_type, field_details_list, path)
            return None

    def _info(
        self,
        field_def: GraphQLField,
        field_details_list: FieldDetailsList,
        parent_type: GraphQLObjectType,
        path: Path,
    ) -> GraphQLResolveInfo:
        return self.build_resolve_info(field_def, _nodes(field_details_list), parent_type, path)


def _nodes(field_details_list: FieldDetailsList) -> list[FieldNode]:
    return [details.node for details in field_details_list]


def _plan_of(field_def: GraphQLField) -> Plan | None:
    """How to answer the field on the short path, or None: graphql-core's path."""
    plan = getattr(field_def, _PLAN, _NOT_PLANNED)
    if plan is _NOT_PLANNED:
        plan = _make_plan(field_def)
        setattr(field_def, _PLAN, plan)
    return plan  # type: ignore[return-value]


def _make_plan(field_def: GraphQLField) -> Plan | None:
    output = _nullable(field_def.type)
    nullable = output is field_def.type
    read = _attribute_reader(field_def)
    if read is not None:
        if isinstance(output, Leaf):
            return _leaf_plan(read, output, nullable)
        item = _nullable(output.of_type) if isinstance(output, GraphQLList) else None
        if isinstance(item, Leaf):
            return _list_plan(read, item, nullable)
    elif isinstance(output, GraphQLScalarType) and _is_relay_id(field_def):
        return _relay_id_plan(output)
    elif field_def.resolve is None or iscoroutinefunction(field_def.resolve):
        return None  # graphql-core's default resolver; an async resolver is always awaited
    shape = _nullable(output.of_type) if isinstance(output, GraphQLList) else output
    if isinstance(shape, Leaf) or _is_plain_object(shape):
        return Completion(read=read, non_null=not nullable, output=output)
    return None


def _attribute_reader(field_def: GraphQLField) -> Read | None:
    """What strawberry's resolver does for a field with no resolver and no field extensions
    (permissions): the configured default resolver (getattr) and the Python name; no Info."""
    definition = (field_def.extensions or {}).get(_DEFINITION)
    if not (
        getattr(field_def.resolve, "_is_default", False)
        and getattr(definition, "is_basic_field", False)
    ):
        return None
    default_resolver, name = definition.default_resolver, definition.python_name  # type: ignore[union-attr]
    if default_resolver is getattr:  # the default: read in C, no Python frame per field
        return attrgetter(name)
    return lambda source: default_resolver(source, name)


def _is_plain_object(output: GraphQLOutputType) -> bool:
    """An object type without a type check of its own (strawberry's is an isinstance check)."""
    if not isinstance(output, GraphQLObjectType):
        return False
    definition = (output.extensions or {}).get(_DEFINITION)
    return output.is_type_of is None or getattr(definition, "is_type_of", True) is None


def _nullable(output: GraphQLOutputType) -> GraphQLOutputType:
    return output.of_type if isinstance(output, GraphQLNonNull) else output


def _coerced(leaf: Leaf, value: Any) -> Any:
    if value is None:
        return _SKIP
    coerced = leaf.coerce_output_value(value)
    return _SKIP if coerced is None or coerced is Undefined else coerced


def _leaf_plan(read: Read, leaf: Leaf, nullable: bool) -> Answer:
    def answer(source: Any, _path: Path) -> Any:
        value = read(source)
        if value is None and nullable:
            return None
        return _coerced(leaf, value)

    return answer


def _list_plan(read: Read, item: Leaf, nullable: bool) -> Answer:
    def answer(source: Any, _path: Path) -> Any:
        values = read(source)
        if values is None and nullable:
            return None
        if type(values) is not list:  # other iterables, and null: graphql-core's path
            return _SKIP
        coerced = [_coerced(item, value) for value in values]
        return _SKIP if any(c is _SKIP for c in coerced) else coerced

    return answer


def _is_relay_id(field_def: GraphQLField) -> bool:
    definition = (field_def.extensions or {}).get(_DEFINITION)
    resolver = getattr(definition, "base_resolver", None)
    wrapped = getattr(resolver, "wrapped_func", None)
    return getattr(wrapped, "__func__", None) is _NODE_ID and not (
        definition.extensions or definition.permission_classes  # type: ignore[union-attr]
    )


_id_attributes: dict[type, str] = {}


def _relay_id_plan(scalar: GraphQLScalarType) -> Answer:
    def answer(source: Any, path: Path) -> Any:
        cls = type(source)
        if not (
            isinstance(source, Node)
            and cls.resolve_id.__func__ is _DEFAULT_RESOLVE_ID  # type: ignore[attr-defined]
            and cls.resolve_typename.__func__ is _DEFAULT_RESOLVE_TYPENAME  # type: ignore[attr-defined]
            and isinstance(path.typename, str)
        ):
            return _SKIP
        attribute = _id_attributes.get(cls)
        if attribute is None:
            attribute = _id_attributes[cls] = cls.resolve_id_attr()
        node_id = getattr(source, attribute)
        if node_id is None:
            return _SKIP
        # What Node._id returns: the type name from the path, the id as a string.
        return _coerced(scalar, GlobalID(type_name=path.typename, node_id=str(node_id)))

    return answer
