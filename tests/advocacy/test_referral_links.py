"""Referral links: each referral's link is the configured public address plus its code, and
staff (or CRM intake) find a referral by its code or link; members only their own."""

import pytest
from pydantic import ValidationError

from api.settings import Settings

SUBMIT = """
mutation($i: SubmitReferralInput!) {
  submitReferral(input: $i) { referral { id code link } userErrors { code } }
}"""
BY_CODE = """
query($c: String!) { referralByCode(code: $c) { id prospectCompany status link referrer { name } } }"""


@pytest.fixture
def settings(database_url, keys_dir) -> Settings:
    return Settings(
        database_url=database_url,
        environment="test",
        keys_dir=keys_dir,
        log_format="console",
        public_base_url="https://community.example/",
        _env_file=None,  # type: ignore[call-arg]
    )


async def test_a_referral_link_carries_its_code_and_finds_the_referral(call, people):
    data = await call(people.casey, SUBMIT, {"i": {"prospectCompany": "Umbrella"}})
    referral = data["submitReferral"]["referral"]
    code = referral["code"]
    assert referral["link"] == f"https://community.example/r/{code}"
    # staff find it by code in any case, or by the whole link
    for given in (code, code.lower(), f"  {referral['link']} "):
        found = await call(people.marketer, BY_CODE, {"c": given})
        assert found["referralByCode"] == {
            "id": referral["id"],
            "prospectCompany": "Umbrella",
            "status": "SUBMITTED",
            "link": referral["link"],
            "referrer": {"name": "Casey"},
        }
    # the referrer finds their own; another member and unknown codes find nothing
    assert (await call(people.casey, BY_CODE, {"c": code}))["referralByCode"]["id"] == (
        referral["id"]
    )
    assert (await call(people.hana, BY_CODE, {"c": code}))["referralByCode"] is None
    for unknown in ("NOPE234567", "", "X" * 40):
        assert (await call(people.marketer, BY_CODE, {"c": unknown}))["referralByCode"] is None


def test_the_public_base_url_must_be_an_http_address():
    for bad in ("community.example", "ftp://community.example", "https://"):
        with pytest.raises(ValidationError, match="not a base URL"):
            Settings(public_base_url=bad, _env_file=None)  # type: ignore[call-arg]
    assert Settings(public_base_url="https://c.example/", _env_file=None).public_base_url == (  # type: ignore[call-arg]
        "https://c.example"
    )
