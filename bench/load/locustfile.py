"""The users of the load test: 70 % feed reads, 15 % searches, 10 % posts and replies, 5 % votes
and reactions, each user a different active member (see runner.py, which starts locust).

A request counts as failed unless it is HTTP 200 without GraphQL errors and, for a mutation,
without userErrors: the test expects none (members never vote twice or repeat a reaction). Each
accepted write is appended to the JSON-lines file BONDFIRE_LOAD_LOG, which the runner checks
the database's counters against afterwards.
"""

import base64
import itertools
import json
import os
import random
from pathlib import Path
from typing import Any

from locust import HttpUser, between, task

OPERATIONS = Path(__file__).resolve().parents[2] / "frontend-contract" / "operations"
SPACE_FEED = (OPERATIONS / "SpaceFeed.graphql").read_text()
SEARCH = (OPERATIONS / "Search.graphql").read_text()
REPLY = """mutation Reply($input: ReplyInput!) {
  reply(input: $input) { post { id number } userErrors { field code message } }
}"""
START_THREAD = """mutation StartThread($input: StartThreadInput!) {
  startThread(input: $input) {
    thread { id posts(first: 1) { edges { node { id } } } }
    userErrors { field code message }
  }
}"""
ADD_REACTION = """mutation AddReaction($input: ReactionInput!) {
  addReaction(input: $input) { post { id reactionCount } userErrors { field code message } }
}"""
VOTE_IDEA = """mutation VoteIdea($input: VoteIdeaInput!) {
  voteIdea(input: $input) { idea { id voterCount } userErrors { field code message } }
}"""
REACTIONS = ["LIKE", "HEART", "CELEBRATE", "INSIGHTFUL", "LAUGH", "EYES"]
SENTENCES = [
    "We rolled this out last quarter and the export job got much faster.",
    "Has anyone tried the new pipeline settings with a large workspace?",
    "Thanks, the signing cache fix worked for us as well.",
    "Our admins would like a clearer audit trail for these changes.",
]

DATA: dict[str, Any] = json.loads(Path(os.environ["BONDFIRE_LOAD_DATA"]).read_text())
LOG = Path(os.environ["BONDFIRE_LOAD_LOG"]).open("a", buffering=1)  # open for the whole run
# Each user is a different member; runner.py moves the offset on per step, so no member
# votes twice on an idea across steps either.
_members = itertools.count(int(os.environ.get("BONDFIRE_LOAD_MEMBER_OFFSET", "0")))


def gid(type_name: str, id: int) -> str:
    return base64.b64encode(f"{type_name}:{id}".encode()).decode()


def raw_id(global_id: str) -> int:
    return int(base64.b64decode(global_id).decode().split(":", 1)[1])


class Member(HttpUser):
    wait_time = between(0.25, 0.75)  # think time: a person reading, not a script

    def on_start(self) -> None:
        member = DATA["members"][next(_members) % len(DATA["members"])]
        self.member_id: int = member["id"]
        self.headers = {
            "Authorization": f"Bearer {member['token']}",
            "Content-Type": "application/json",
        }
        self.rng = random.Random(self.member_id)
        self.ideas = [i for i in DATA["ideas"]]
        self.rng.shuffle(self.ideas)
        self.reacted: set[tuple[int, str]] = set()

    # --- reads ------------------------------------------------------------------------------

    @task(70)
    def feed(self) -> None:
        slug = self.rng.choice(DATA["spaces"])
        self._send("feed", SPACE_FEED, {"slug": slug, "first": 20}, "SpaceFeed")

    @task(15)
    def search(self) -> None:
        words = " ".join(self.rng.sample(DATA["words"], 2))
        self._send("search", SEARCH, {"query": words, "first": 20}, "Search")

    # --- writes -----------------------------------------------------------------------------

    @task(8)
    def reply(self) -> None:
        thread = self.rng.choice(DATA["threads"])
        variables = {"input": {"threadId": gid("Thread", thread), "body": self._text()}}
        data = self._send("reply", REPLY, variables, "Reply", payload="reply")
        if data is not None:
            post = raw_id(data["post"]["id"])
            self._log(kind="reply", thread=thread, post=post)

    @task(2)
    def start_thread(self) -> None:
        space = self.rng.choice(DATA["space_ids"])
        variables = {
            "input": {
                "spaceId": gid("Space", space),
                "kind": "DISCUSSION",
                "title": f"Load test question {self.rng.randrange(10**6)}",
                "body": self._text(),
            }
        }
        data = self._send("start thread", START_THREAD, variables, "StartThread", "startThread")
        if data is not None:
            thread = raw_id(data["thread"]["id"])
            post = raw_id(data["thread"]["posts"]["edges"][0]["node"]["id"])
            self._log(kind="thread", thread=thread, post=post, space=space)

    @task(3)
    def react(self) -> None:
        post, kind = self.rng.choice(DATA["posts"]), self.rng.choice(REACTIONS)
        if (post, kind) in self.reacted:
            return
        self.reacted.add((post, kind))
        variables = {"input": {"postId": gid("Post", post), "kind": kind}}
        if self._send("reaction", ADD_REACTION, variables, "AddReaction", "addReaction"):
            self._log(kind="reaction", post=post, reaction=kind)

    @task(2)
    def vote(self) -> None:
        if not self.ideas:
            return
        idea = self.ideas.pop()
        variables = {"input": {"ideaId": gid("Idea", idea), "importance": "IMPORTANT"}}
        if self._send("vote", VOTE_IDEA, variables, "VoteIdea", "voteIdea"):
            self._log(kind="vote", idea=idea)

    # --- plumbing ---------------------------------------------------------------------------

    def _text(self) -> str:
        return " ".join(self.rng.sample(SENTENCES, 2))

    def _log(self, **write: Any) -> None:
        LOG.write(json.dumps({"member": self.member_id, **write}) + "\n")

    def _send(
        self,
        name: str,
        query: str,
        variables: dict[str, Any],
        operation: str,
        payload: str | None = None,
    ) -> dict[str, Any] | None:
        body = {"query": query, "variables": variables, "operationName": operation}
        with self.client.post(
            "/graphql", json=body, headers=self.headers, name=name, catch_response=True
        ) as response:
            try:
                result = response.json()
            except ValueError:
                result = {}
            if response.status_code != 200 or result.get("errors") or not result.get("data"):
                codes = [e.get("extensions", {}).get("code") for e in result.get("errors") or []]
                response.failure(f"HTTP {response.status_code} {codes or response.text[:200]}")
                return None
            if payload is None:
                response.success()
                return result["data"]  # type: ignore[no-any-return]
            data = result["data"][payload]
            if data["userErrors"]:
                response.failure(f"userErrors {data['userErrors']}")
                return None
            response.success()
            return data  # type: ignore[no-any-return]
