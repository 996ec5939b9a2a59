"""Authentication at the edge: Bondfire's own tokens, an external OIDC issuer, API tokens."""
