"""Schemathesis hooks for Signoff's sync server: CBOR bodies (application/vnd.signoff.sync.v1+cbor).

The OpenAPI description marks CBOR byte strings with `x-cbor: bytes` (ids and heads, whose characters
U+0000..U+00FF stand for bytes so a `pattern` can give their length) or `format: binary` (Automerge
bytes). The request serializer walks the body alongside its schema and sends those as byte strings
(a string with characters beyond U+00FF cannot be bytes: it goes as text, which the server refuses);
everything else is the CBOR value of its JSON shape. Responses are decoded with byte strings turned
back into such strings, so the same schemas validate them.
"""

import cbor2
import schemathesis
from schemathesis.transport.serialization import Binary

SYNC = "application/vnd.signoff.sync.v1+cbor"


def _resolve(root, schema):
    while isinstance(schema, dict) and "$ref" in schema:
        node = root
        for part in schema["$ref"].lstrip("#/").split("/"):
            node = node[part]
        schema = node
    return schema if isinstance(schema, dict) else {}


def _alternatives(root, schema):
    schema = _resolve(root, schema)
    yield schema
    for key in ("anyOf", "oneOf", "allOf"):
        for sub in schema.get(key, []):
            yield from _alternatives(root, sub)


def _is_bytes(root, schema):
    return any(s.get("x-cbor") == "bytes" or s.get("format") == "binary" for s in _alternatives(root, schema))


def _sub(root, schema, key=None, item=False):
    for s in _alternatives(root, schema):
        if item and "items" in s:
            return s["items"]
        if key is not None and key in s.get("properties", {}):
            return s["properties"][key]
    return {}


def _to_cbor(root, schema, value):
    if isinstance(value, Binary):
        return value.data
    if isinstance(value, str) and _is_bytes(root, schema):
        try:
            return value.encode("latin-1")
        except UnicodeEncodeError:
            return value
    if isinstance(value, dict):
        return {k: _to_cbor(root, _sub(root, schema, key=k), v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_to_cbor(root, _sub(root, schema, item=True), v) for v in value]
    return value


def _from_cbor(value):
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).decode("latin-1")
    if isinstance(value, dict):
        return {k: _from_cbor(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_from_cbor(v) for v in value]
    return value


@schemathesis.serializer(SYNC)
def to_cbor(ctx, value):
    operation = ctx.case.operation
    root = operation.schema.raw_schema
    body = root["paths"][operation.path][operation.method.lower()]["requestBody"]["content"][SYNC]["schema"]
    return cbor2.dumps(_to_cbor(root, body, value))


@schemathesis.deserializer(SYNC)
def from_cbor(ctx, response):
    return _from_cbor(cbor2.loads(response.content))


@schemathesis.deserializer("application/octet-stream")
def from_octets(ctx, response):
    # Photo bytes, as a string of U+0000..U+00FF characters (`format: binary` says only "a string").
    return response.content.decode("latin-1")
