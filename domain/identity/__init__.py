"""Identity: accounts, members, roles, tokens, competitor relations."""
