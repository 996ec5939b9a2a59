"""A leaner path through graphql-core for plain attribute fields and relay ids.

Most fields of a list page are attributes with no resolver of their own (`title`, `replyCount`,
`createdAt`, `tags`): strawberry marks their resolvers `_is_default`. graphql-core still treats
each one like any field: a resolve-info object, an argument check, an awaitable check and the
completion dispatch (non-null, list, leaf), about as much again as the attribute read itself.
A category page has some 400 of them (bench/nodebb.py profile), and some 60 relay `id` fields,
which also build a strawberry Info and run through strawberry's resolver wrapper for what is
a type name and an attribute.

For a field selected once without arguments, this takes the short path when it is
- an attribute of a scalar or enum type: read it, coerce it as graphql-core's leaf completion
  does (null for a nullable field is null, as graphql-core completes it);
- an attribute holding a list of such values (a `list` object, no null items): the same per
  item;
- a relay `id` of a node class that keeps strawberry's own `resolve_id` and
  `resolve_typename`: the same GlobalID strawberry's `Node._id` builds, coerced the same way.
Anything else, and any value that fails to coerce or is null where the type forbids it,
takes graphql-core's own path from the start, so errors, nulls and their paths come out as
before.
"""

from collections.abc import Callable
from typing import Any

from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLScalarType,
    Undefined,
)
from graphql.pyutils import Path
from strawberry.relay import GlobalID, Node
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

Leaf = GraphQLScalarType | GraphQLEnumType
_NOT_PLANNED = object()
_PLAN = "_bondfire_lean_plan"  # cached on the (per-schema) GraphQLField
_SKIP = object()  # a plan's answer: take graphql-core's path
_NODE_ID = Node._id.__func__  # type: ignore[attr-defined]  # strawberry's relay `id` resolver
_DEFAULT_RESOLVE_ID = Node.resolve_id.__func__  # type: ignore[attr-defined]
_DEFAULT_RESOLVE_TYPENAME = Node.resolve_typename.__func__  # type: ignore[attr-defined]

Plan = Callable[[GraphQLField, Any, Path], Any]


class LeanExecutionContext(StrawberryGraphQLCoreExecutionContext):
    def execute_field(
        self,
        parent_type: GraphQLObjectType,
        source: Any,
        field_details_list: Any,
        path: Path,
        position_context: Any,
    ) -> Any:
        middleware = self.middleware_manager  # strawberry passes one, empty unless an
        # extension wraps every resolver; then every field takes graphql-core's path
        if len(field_details_list) == 1 and (middleware is None or not middleware.middlewares):
            node = field_details_list[0].node
            field_def = self.schema.get_field(parent_type, node.name.value)
            if field_def is not None and not node.arguments and not field_def.args:
                plan = _plan_of(field_def)
                if plan is not None:
                    try:
                        value = plan(field_def, source, path)
                        if value is not _SKIP:
                            return value
                    except Exception:  # graphql-core's path below reports it, with its path
                        pass
        return super().execute_field(
            parent_type, source, field_details_list, path, position_context
        )


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
    if getattr(field_def.resolve, "_is_default", False):
        if isinstance(output, Leaf):
            return _leaf_plan(output, nullable)
        if isinstance(output, GraphQLList):
            item = _nullable(output.of_type)
            if isinstance(item, Leaf):
                return _list_plan(item, nullable)
        return None
    if isinstance(output, GraphQLScalarType) and _is_relay_id(field_def):
        return _relay_id_plan(output)
    return None


def _nullable(output: GraphQLOutputType) -> GraphQLOutputType:
    return output.of_type if isinstance(output, GraphQLNonNull) else output


def _coerced(leaf: Leaf, value: Any) -> Any:
    if value is None:
        return _SKIP
    coerced = leaf.coerce_output_value(value)
    return _SKIP if coerced is None or coerced is Undefined else coerced


def _leaf_plan(leaf: Leaf, nullable: bool) -> Plan:
    def answer(field_def: GraphQLField, source: Any, _path: Path) -> Any:
        assert field_def.resolve is not None
        value = field_def.resolve(source, None)
        if value is None and nullable:
            return None
        return _coerced(leaf, value)

    return answer


def _list_plan(item: Leaf, nullable: bool) -> Plan:
    def answer(field_def: GraphQLField, source: Any, _path: Path) -> Any:
        assert field_def.resolve is not None
        values = field_def.resolve(source, None)
        if values is None and nullable:
            return None
        if type(values) is not list:  # other iterables, and null: graphql-core's path
            return _SKIP
        coerced = [_coerced(item, value) for value in values]
        return _SKIP if any(c is _SKIP for c in coerced) else coerced

    return answer


def _is_relay_id(field_def: GraphQLField) -> bool:
    definition = (field_def.extensions or {}).get("strawberry-definition")
    resolver = getattr(definition, "base_resolver", None)
    wrapped = getattr(resolver, "wrapped_func", None)
    return getattr(wrapped, "__func__", None) is _NODE_ID and not (
        definition.extensions or definition.permission_classes  # type: ignore[union-attr]
    )


_id_attributes: dict[type, str] = {}


def _relay_id_plan(scalar: GraphQLScalarType) -> Plan:
    def answer(_field_def: GraphQLField, source: Any, path: Path) -> Any:
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
