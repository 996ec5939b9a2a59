from decimal import Decimal

from domain.identity.models import Role
from tests.support.factories import create_account, create_member, create_vendor
from tests.support.graphql import bearer, error_codes, gql
from tests.support.ids import global_id

VIEWER = """
query { viewer { id handle name email roles account { id name tier competitors { name } } } }
"""

MEMBERS = """
query Members($first: Int, $after: String, $last: Int, $before: String) {
  members(first: $first, after: $after, last: $last, before: $before) {
    edges { cursor node { id name email roles account { name } } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}
"""

NODE = "query Node($id: ID!) { node(id: $id) { id ... on Member { name email } ... on Account { name tier } } }"


async def test_viewer_is_null_without_credentials(client):
    body = await gql(client, VIEWER)
    assert body == {"data": {"viewer": None}}


async def test_viewer_with_bad_token_is_unauthenticated(client):
    body = await gql(client, VIEWER, token="not-a-jwt")
    assert error_codes(body) == ["UNAUTHENTICATED"]
    assert body["data"] == {"viewer": None}


async def test_viewer_shows_member_account_and_roles(app, client, session):
    # given
    acme = await create_account(session, name="Acme", tier="HIGH_TOUCH")
    rival = await create_account(session, name="Rival")
    casey = await create_member(session, acme, roles={Role.MODERATOR}, name="Casey")
    await session.commit()
    await gql(
        client,
        "mutation($i: SetAccountCompetitorsInput!) { setAccountCompetitors(input: $i) { userErrors { code } } }",
        {
            "i": {
                "accountId": global_id("Account", acme.id),
                "competitorIds": [global_id("Account", rival.id)],
            }
        },
        token=bearer(app, casey),
    )
    # when
    body = await gql(client, VIEWER, token=bearer(app, casey))
    # then
    viewer = body["data"]["viewer"]
    assert viewer["name"] == "Casey"
    assert viewer["email"] == casey.email
    assert viewer["roles"] == ["MEMBER", "MODERATOR"]
    assert viewer["account"]["name"] == "Acme"
    assert viewer["account"]["tier"] is None  # internal segmentation is staff-only
    assert viewer["account"]["competitors"] == [{"name": "Rival"}]


async def test_member_list_pages_forward_and_back_with_constant_statements(
    app, client, session, statements
):
    # given
    vendor = await create_vendor(session)
    admin = await create_member(session, vendor, roles={Role.ADMIN}, name="A admin")
    for i in range(3):
        account = await create_account(session)
        for j in range(5):
            await create_member(session, account, name=f"M {i}-{j}")
    await session.commit()
    token = bearer(app, admin)

    # when: small and large pages
    statements.reset()
    small = await gql(client, MEMBERS, {"first": 2}, token=token)
    small_count = statements.count
    statements.reset()
    large = await gql(client, MEMBERS, {"first": 16}, token=token)
    large_count = statements.count

    # then
    assert len(small["data"]["members"]["edges"]) == 2
    assert len(large["data"]["members"]["edges"]) == 16
    assert small_count == large_count, (small_count, large_count)
    names = [e["node"]["name"] for e in large["data"]["members"]["edges"]]
    assert names == sorted(names)

    # walking forward and back over cursors returns the same items
    page1 = small["data"]["members"]
    page2 = (
        await gql(
            client, MEMBERS, {"first": 2, "after": page1["pageInfo"]["endCursor"]}, token=token
        )
    )["data"]["members"]
    back = (
        await gql(
            client, MEMBERS, {"last": 2, "before": page2["pageInfo"]["startCursor"]}, token=token
        )
    )["data"]["members"]
    assert [e["node"]["id"] for e in back["edges"]] == [e["node"]["id"] for e in page1["edges"]]
    assert page2["pageInfo"]["hasPreviousPage"] is True


async def test_page_size_over_100_is_a_coded_error(app, client, session):
    account = await create_account(session)
    member = await create_member(session, account)
    await session.commit()
    body = await gql(client, MEMBERS, {"first": 101}, token=bearer(app, member))
    assert error_codes(body) == ["BAD_USER_INPUT"]


async def test_other_accounts_private_data_is_hidden(app, client, session):
    # given two customers
    a = await create_account(session, name="A Corp")
    b = await create_account(session, name="B Corp")
    alice = await create_member(session, a, name="Alice")
    bob = await create_member(session, b, name="Bob")
    await session.commit()
    token = bearer(app, alice)
    # when alice looks at bob and at B's account
    bob_node = (await gql(client, NODE, {"id": global_id("Member", bob.id)}, token=token))["data"][
        "node"
    ]
    b_node = (await gql(client, NODE, {"id": global_id("Account", b.id)}, token=token))["data"][
        "node"
    ]
    # then she sees bob's public profile, not his e-mail; B's account is "not found"
    assert bob_node["name"] == "Bob"
    assert bob_node["email"] is None
    assert b_node is None


ACCOUNTS = """
query($first: Int) {
  accounts(first: $first) {
    edges { node { name tier ownerCsm { name account { name } } competitors { name } } }
  }
}
"""


async def test_account_list_relations_load_in_constant_statements(app, client, session, statements):
    # given accounts, each with an owner CSM and competitors
    vendor = await create_vendor(session)
    admin = await create_member(session, vendor, roles={Role.ADMIN})
    csms = [await create_member(session, vendor, roles={Role.CSM}) for _ in range(3)]
    accounts = [await create_account(session, owner_csm_id=csms[i % 3].id) for i in range(12)]
    for i, account in enumerate(accounts):
        from domain.identity.models import account_competitors

        await session.execute(
            account_competitors.insert(),
            [
                {"account_id": account.id, "competitor_id": accounts[(i + k) % 12].id}
                for k in (1, 2)
            ],
        )
    await session.commit()
    token = bearer(app, admin)
    # when
    statements.reset()
    small = await gql(client, ACCOUNTS, {"first": 2}, token=token)
    small_count = statements.count
    statements.reset()
    large = await gql(client, ACCOUNTS, {"first": 13}, token=token)
    # then
    assert len(small["data"]["accounts"]["edges"]) == 2
    assert len(large["data"]["accounts"]["edges"]) == 13
    assert all(len(e["node"]["competitors"]) == 2 for e in large["data"]["accounts"]["edges"][1:])
    assert statements.count == small_count, statements.sql


async def test_nodes_keeps_order_and_hides_what_you_may_not_see(app, client, session):
    a = await create_account(session, name="A")
    b = await create_account(session, name="B")
    alice = await create_member(session, a, name="Alice")
    ids = [
        global_id("Account", b.id),
        global_id("Member", alice.id),
        global_id("Account", a.id),
        global_id("Member", 999_999),
    ]
    await session.commit()
    body = await gql(
        client,
        "query($ids: [ID!]!) { nodes(ids: $ids) { ... on Account { name } ... on Member { name } } }",
        {"ids": ids},
        token=bearer(app, alice),
    )
    assert body["data"]["nodes"] == [None, {"name": "Alice"}, {"name": "A"}, None]


async def test_malformed_global_id_is_bad_user_input(app, client, session):
    a = await create_account(session)
    alice = await create_member(session, a)
    await session.commit()
    body = await gql(client, NODE, {"id": "not-base64!"}, token=bearer(app, alice))
    assert error_codes(body) == ["BAD_USER_INPUT"]


REVENUE = """
mutation($input: UpdateAccountInput!) {
  updateAccount(input: $input) {
    account { segment arr { amount currency } }
    userErrors { field code }
  }
}
"""

ACCOUNT_REVENUE = "query($id: ID!) { node(id: $id) { ... on Account { segment arr { amount } } } }"


async def test_segment_and_arr_are_set_by_staff_and_hidden_from_customers(app, client, session):
    # given an account, its customer member and an admin
    vendor = await create_vendor(session)
    admin = await create_member(session, vendor, roles={Role.ADMIN})
    customer = await create_account(session)
    colleague = await create_member(session, customer)
    await session.commit()
    account_id = global_id("Account", customer.id)
    # when the admin records segment and ARR
    set_revenue = {"accountId": account_id, "segment": "ENTERPRISE", "arr": "125000.499"}
    result = await gql(client, REVENUE, {"input": set_revenue}, token=bearer(app, admin))
    # then ARR is kept to the cent, in USD by default
    assert result["data"]["updateAccount"] == {
        "account": {"segment": "ENTERPRISE", "arr": {"amount": "125000.50", "currency": "USD"}},
        "userErrors": [],
    }
    # and the account's own members see neither
    own_view = await gql(client, ACCOUNT_REVENUE, {"id": account_id}, token=bearer(app, colleague))
    assert own_view["data"]["node"] == {"segment": None, "arr": None}


async def test_negative_arr_and_bad_currency_change_nothing(app, client, session):
    vendor = await create_vendor(session)
    admin = await create_member(session, vendor, roles={Role.ADMIN})
    customer = await create_account(session, arr=Decimal("1000"), currency="EUR")
    await session.commit()
    bad = {"accountId": global_id("Account", customer.id), "arr": "-5", "currency": "EURO"}
    result = await gql(client, REVENUE, {"input": bad}, token=bearer(app, admin))
    payload = result["data"]["updateAccount"]
    assert payload["account"] is None
    assert sorted(e["field"][-1] for e in payload["userErrors"]) == ["arr", "currency"]
    await session.refresh(customer)
    assert (customer.arr, customer.currency) == (Decimal("1000.00"), "EUR")
