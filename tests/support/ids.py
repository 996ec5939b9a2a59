import base64


def global_id(type_name: str, id: int) -> str:
    """The opaque Relay id the API hands out (base64 of `Type:id`)."""
    return base64.b64encode(f"{type_name}:{id}".encode()).decode()
