"""Query cost limit: a rough upper bound of the objects a query can make the server produce.

Each field costs 1; a field taking `first`/`last` multiplies the cost of what it selects by the
page size it asks for (a variable counts as the largest page, no argument as the default page).
Depth, alias and token limits come from strawberry's own extensions. `CostReport` puts the
cost of the operation that ran into the response's `extensions.cost` (`requested`, `maximum`)
when the request carries `GraphQL-Cost: report` (as Hot Chocolate does), or always if configured.
"""

from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationRule,
    get_operation_ast,
)
from strawberry.extensions import SchemaExtension

from domain.shared.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE

PAGE_ARGUMENTS = ("first", "last")


def cost_limit_rule(max_cost: int) -> type[ValidationRule]:
    class CostLimit(ValidationRule):
        def enter_operation_definition(self, node: OperationDefinitionNode, *_: Any) -> None:
            fragments = {
                d.name.value: d
                for d in self.context.document.definitions
                if isinstance(d, FragmentDefinitionNode)
            }
            cost = _selection_cost(node.selection_set, fragments, set())
            if cost > max_cost:
                self.report_error(
                    GraphQLError(
                        f"query cost {cost} exceeds the limit of {max_cost}; "
                        "ask for smaller pages or fewer nested lists",
                        node,
                        extensions={"code": "QUERY_TOO_COSTLY", "cost": cost, "maxCost": max_cost},
                    )
                )

    return CostLimit


def _selection_cost(
    selection_set: SelectionSetNode | None,
    fragments: dict[str, FragmentDefinitionNode],
    visiting: set[str],
) -> int:
    if selection_set is None:
        return 0
    total = 0
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            children = _selection_cost(selection.selection_set, fragments, visiting)
            total += 1 + _page_size(selection) * children
        elif isinstance(selection, InlineFragmentNode):
            total += _selection_cost(selection.selection_set, fragments, visiting)
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            if name in visiting or name not in fragments:
                continue  # cycles and unknown fragments are reported by the standard rules
            total += _selection_cost(fragments[name].selection_set, fragments, visiting | {name})
    return total


def _page_size(field: FieldNode) -> int:
    for argument in field.arguments or ():
        if argument.name.value in PAGE_ARGUMENTS:
            if isinstance(argument.value, IntValueNode):
                return max(1, min(int(argument.value.value), MAX_PAGE_SIZE))
            return MAX_PAGE_SIZE
    return 1 if field.selection_set is None or not _is_connection(field) else DEFAULT_PAGE_SIZE


def _is_connection(field: FieldNode) -> bool:
    return any(
        isinstance(s, FieldNode) and s.name.value in ("edges", "nodes")
        for s in (field.selection_set.selections if field.selection_set else ())
    )


def operation_cost(document: DocumentNode, operation: OperationDefinitionNode) -> int:
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    return _selection_cost(operation.selection_set, fragments, set())


class CostReport(SchemaExtension):
    """Reports `{"cost": {"requested": n, "maximum": max}}` in the response extensions."""

    def __init__(self, *, max_cost: int, always: bool = False) -> None:
        self.max_cost, self.always = max_cost, always

    def get_results(self) -> dict[str, Any]:
        context = self.execution_context
        document = context.graphql_document
        if document is None or not (self.always or _asked_for_cost(context.context)):
            return {}
        operation = get_operation_ast(document, context.operation_name)
        if operation is None:
            return {}
        cost = operation_cost(document, operation)
        return {"cost": {"requested": cost, "maximum": self.max_cost}}


def _asked_for_cost(context: Any) -> bool:
    request = getattr(context, "request", None)
    headers = getattr(request, "headers", None)
    if headers is None:
        return False
    return str(headers.get("graphql-cost", "")).strip().lower() == "report"
