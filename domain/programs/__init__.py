"""Programs: advisory boards and betas. Today only what forums need (who is enrolled where)."""
