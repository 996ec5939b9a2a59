"""The committed contract follows the Relay server specification, so a Relay client compiles
against it: Global Object Identification (https://relay.dev/graphql/objectidentification.htm)
and Cursor Connections (https://relay.dev/graphql/connections.htm)."""

from pathlib import Path

import pytest
from graphql import (
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    GraphQLType,
    build_schema,
    get_named_type,
    is_list_type,
    is_non_null_type,
)

CONTRACT = Path(__file__).parents[2] / "frontend-contract" / "schema.graphql"
SCHEMA: GraphQLSchema = build_schema(CONTRACT.read_text())
CONNECTIONS = sorted(
    name
    for name, t in SCHEMA.type_map.items()
    if name.endswith("Connection") and isinstance(t, GraphQLObjectType)
)


def _printed(type_: GraphQLType) -> str:
    return str(type_)


def _nullable(type_: GraphQLType) -> GraphQLType:
    return type_.of_type if isinstance(type_, GraphQLNonNull) else type_


def _fields_returning(connection: str) -> list[tuple[str, str, GraphQLField]]:
    return [
        (owner.name, field_name, field)
        for owner in SCHEMA.type_map.values()
        if isinstance(owner, GraphQLObjectType | GraphQLInterfaceType)
        and not owner.name.startswith("__")
        for field_name, field in owner.fields.items()
        if get_named_type(field.type).name == connection
    ]


def test_node_interface_and_root_fields():
    node = SCHEMA.type_map.get("Node")
    assert isinstance(node, GraphQLInterfaceType)
    assert _printed(node.fields["id"].type) == "ID!"
    query = SCHEMA.query_type
    assert query is not None
    assert _printed(query.fields["node"].type) == "Node"
    assert _printed(query.fields["node"].args["id"].type) == "ID!"
    # the common plural form: one entry per id, null where nothing is found
    assert _printed(query.fields["nodes"].type) == "[Node]!"
    assert _printed(query.fields["nodes"].args["ids"].type) == "[ID!]!"


def test_every_type_with_a_global_id_implements_node():
    implementors = {t.name for t in SCHEMA.get_possible_types(SCHEMA.type_map["Node"])}  # type: ignore[arg-type]
    assert len(implementors) >= 10
    for name in implementors:
        type_ = SCHEMA.type_map[name]
        assert isinstance(type_, GraphQLObjectType)
        assert _printed(type_.fields["id"].type) == "ID!", name


def test_page_info_is_exactly_the_specs():
    page_info = SCHEMA.type_map["PageInfo"]
    assert isinstance(page_info, GraphQLObjectType)
    printed = {name: _printed(field.type) for name, field in page_info.fields.items()}
    assert printed["hasPreviousPage"] == "Boolean!"
    assert printed["hasNextPage"] == "Boolean!"
    assert printed["startCursor"] in ("String", "String!")
    assert printed["endCursor"] in ("String", "String!")


def test_there_are_connections():
    assert len(CONNECTIONS) >= 10


@pytest.mark.parametrize("connection", CONNECTIONS)
def test_connection_type_and_its_edges(connection: str):
    type_ = SCHEMA.type_map[connection]
    assert isinstance(type_, GraphQLObjectType)
    # pageInfo: PageInfo!
    assert _printed(type_.fields["pageInfo"].type) == "PageInfo!", connection
    # edges: a list of edge types
    edges_type = _nullable(type_.fields["edges"].type)
    assert is_list_type(edges_type), connection
    assert isinstance(edges_type, GraphQLList)
    edge = get_named_type(edges_type)
    assert isinstance(edge, GraphQLObjectType), connection
    # an edge: node (not a list) and a cursor that serialises as a string
    node_type = edge.fields["node"].type
    assert not is_list_type(_nullable(node_type)), edge.name
    cursor = edge.fields["cursor"].type
    assert is_non_null_type(cursor), edge.name
    cursor_scalar = get_named_type(cursor)
    assert isinstance(cursor_scalar, GraphQLScalarType) and cursor_scalar.name in ("String", "ID")


@pytest.mark.parametrize("connection", CONNECTIONS)
def test_fields_returning_a_connection_take_the_pagination_arguments(connection: str):
    fields = _fields_returning(connection)
    assert fields, f"{connection} is returned by no field"
    for owner, name, field in fields:
        args = {arg: _printed(a.type) for arg, a in field.args.items()}
        forward = args.get("first") == "Int" and args.get("after") in ("String", "ID")
        backward = args.get("last") == "Int" and args.get("before") in ("String", "ID")
        assert forward or backward, f"{owner}.{name}({args})"
