"""Business rules, one package per bounded context. Never imports FastAPI or strawberry."""
