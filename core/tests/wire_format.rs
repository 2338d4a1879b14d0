//! The sync wire format (version 1) is a contract between app versions in the field and the server:
//! these snapshots fail when the encoding changes. A change needs a new WIRE_VERSION.
#![allow(clippy::unwrap_used)]

use automerge::ChangeHash;
use signoff_core::wire::*;

fn id(n: u8) -> WireId {
    WireId([n; 16])
}

fn hash(n: u8) -> ChangeHash {
    ChangeHash([n; 32])
}

fn hex(bytes: &[u8]) -> String {
    bytes.chunks(32).map(|c| c.iter().map(|b| format!("{b:02x}")).collect::<String>()).collect::<Vec<_>>().join("\n")
}

fn request() -> SyncRequest {
    SyncRequest {
        v: WIRE_VERSION,
        cursor: 42,
        push: vec![DocPush {
            id: id(1),
            base: Heads(vec![hash(2)]),
            heads: Heads(vec![hash(3)]),
            changes: vec![0x85, 0x6f, 0x4a, 0x83],
        }],
        max_bytes: Some(1 << 20),
        reference_seq: None,
        want: vec![],
        epoch: None,
    }
}

fn response() -> SyncResponse {
    SyncResponse {
        v: WIRE_VERSION,
        cursor: 57,
        more: true,
        accepted: vec![DocAccepted { id: id(1), heads: Heads(vec![hash(4)]), official: Some("BX-2026-000123".into()) }],
        rejected: vec![DocRejected { id: id(5), code: RejectCode::Forbidden, reason: "not yours".into(), text: None }],
        docs: vec![DocPull { id: id(6), heads: Heads(vec![hash(7), hash(8)]), full: true, bytes: vec![1, 2, 3] }],
        gone: vec![id(9)],
        reference: None,
        reference_seq: None,
        epoch: None,
    }
}

#[test]
fn request_encoding_is_stable() {
    let bytes = encode(&request()).unwrap();
    insta::assert_snapshot!(hex(&bytes));
    assert_eq!(decode_request(&bytes).unwrap(), request());
}

#[test]
fn response_encoding_is_stable() {
    let bytes = encode(&response()).unwrap();
    insta::assert_snapshot!(hex(&bytes));
    assert_eq!(decode_response(&bytes).unwrap(), response());
}

/// The reference-data version was added to wire v1 as an optional field: messages without it (the
/// snapshots above, from devices and servers before it) keep their bytes and still decode.
#[test]
fn reference_version_is_an_optional_field() {
    let req = SyncRequest { reference_seq: Some(1_000_001), ..request() };
    let bytes = encode(&req).unwrap();
    insta::assert_snapshot!(hex(&bytes));
    assert_eq!(decode_request(&bytes).unwrap(), req);
    let resp = SyncResponse { reference_seq: Some(1_000_001), ..response() };
    let bytes = encode(&resp).unwrap();
    insta::assert_snapshot!(hex(&bytes));
    assert_eq!(decode_response(&bytes).unwrap(), resp);
}

#[test]
fn an_idle_sync_costs_a_few_bytes() {
    let idle = SyncRequest {
        v: WIRE_VERSION,
        cursor: 123_456,
        push: vec![],
        max_bytes: None,
        reference_seq: None,
        want: vec![],
        epoch: None,
    };
    assert!(encode(&idle).unwrap().len() < 40);
    let answer = SyncResponse {
        v: WIRE_VERSION,
        cursor: 123_456,
        more: false,
        accepted: vec![],
        rejected: vec![],
        docs: vec![],
        gone: vec![],
        reference: None,
        reference_seq: None,
        epoch: None,
    };
    assert!(encode(&answer).unwrap().len() < 80);
}

#[test]
fn other_versions_and_garbage_are_refused_with_a_reason() {
    let mut old = request();
    old.v = 2;
    let err = decode_request(&encode(&old).unwrap()).unwrap_err();
    assert!(matches!(err, WireError::Version { found: 2 }), "{err}");
    assert!(matches!(decode_request(b"\xff\x00garbage"), Err(WireError::Decode(_))));
    assert!(matches!(decode_request(&[]), Err(WireError::Decode(_))));
    // Heads must be whole hashes; ids whole UUIDs.
    let mut bytes = encode(&request()).unwrap();
    let at = bytes.windows(4).position(|w| w == [0x85, 0x6f, 0x4a, 0x83]).unwrap();
    bytes.truncate(at);
    assert!(decode_request(&bytes).is_err());
}

#[test]
fn ids_round_trip_as_uuids() {
    let text = "992bf5dd-6f7d-4d85-ab6f-080218b34318";
    assert_eq!(WireId::parse(text).unwrap().to_text(), text);
    assert!(WireId::parse("not-a-uuid").is_none());
}

/// A request built as a CBOR value, so fields can carry what no Rust type would produce.
fn raw_request(edit: impl FnOnce(&mut Vec<(ciborium::Value, ciborium::Value)>)) -> Vec<u8> {
    use ciborium::Value;
    let mut fields = vec![
        (Value::Text("v".into()), Value::Integer(1.into())),
        (Value::Text("c".into()), Value::Integer(0.into())),
        (Value::Text("p".into()), Value::Array(vec![])),
    ];
    edit(&mut fields);
    let mut out = Vec::new();
    ciborium::into_writer(&Value::Map(fields), &mut out).unwrap();
    out
}

#[test]
fn ids_and_heads_are_byte_strings_and_numbers_stay_in_range() {
    use ciborium::Value;
    assert!(decode_request(&raw_request(|_| {})).is_ok());
    // An id is 16 bytes as a byte string: the same 16 bytes as text are not an id.
    let want = |v: Value| raw_request(|f| f.push((Value::Text("w".into()), Value::Array(vec![v]))));
    assert!(decode_request(&want(Value::Bytes(vec![7; 16]))).is_ok());
    assert!(decode_request(&want(Value::Text("0123456789abcdef".into()))).is_err());
    assert!(decode_request(&want(Value::Array(vec![Value::Integer(1.into()); 16]))).is_err());
    assert!(decode_request(&want(Value::Bytes(vec![7; 15]))).is_err());
    // Cursors, sizes and versions up to 2^53 - 1; an epoch up to 64 characters (not bytes).
    let number = |key: &str, n: u64| raw_request(|f| f.push((Value::Text(key.into()), Value::Integer(n.into()))));
    for key in ["m", "rs"] {
        assert!(decode_request(&number(key, MAX_NUMBER)).is_ok(), "{key}");
        assert!(decode_request(&number(key, MAX_NUMBER + 1)).is_err(), "{key}");
    }
    let cursor = raw_request(|f| f[1].1 = Value::Integer((MAX_NUMBER + 1).into()));
    assert!(decode_request(&cursor).is_err());
    let epoch = |e: String| raw_request(|f| f.push((Value::Text("e".into()), Value::Text(e))));
    assert!(decode_request(&epoch("𝓣".repeat(MAX_EPOCH_LEN))).is_ok());
    assert!(decode_request(&epoch("a".repeat(MAX_EPOCH_LEN + 1))).is_err());
}
