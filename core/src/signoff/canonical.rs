//! Canonical JSON (RFC 8785, JSON Canonicalization Scheme) for the values statements use: objects with
//! keys sorted by UTF-16 code units, no whitespace, strings escaped minimally, integers only (floats are
//! refused: every number in a statement is an integer, money and coordinates are decimal strings).
//! Written here rather than relying on a map type's ordering, which a dependency's feature flag could change.

use serde_json::Value;

/// Why a value has no canonical form here.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot canonicalise: {0}")]
pub struct CanonicalError(pub String);

fn string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{08}' => out.push_str("\\b"),
            '\u{0C}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

fn write(out: &mut String, v: &Value) -> Result<(), CanonicalError> {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => match (n.as_i64(), n.as_u64()) {
            (Some(i), _) => out.push_str(&i.to_string()),
            (None, Some(u)) => out.push_str(&u.to_string()),
            _ => return Err(CanonicalError(format!("non-integer number {n}"))),
        },
        Value::String(s) => string(out, s),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write(out, item)?;
            }
            out.push(']');
        }
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort_by(|a, b| a.encode_utf16().cmp(b.encode_utf16()));
            out.push('{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                string(out, k);
                out.push(':');
                write(out, &map[k])?;
            }
            out.push('}');
        }
    }
    Ok(())
}

/// The canonical bytes of any serialisable value.
pub fn to_canonical<T: serde::Serialize>(value: &T) -> Result<Vec<u8>, CanonicalError> {
    let v = serde_json::to_value(value).map_err(|e| CanonicalError(e.to_string()))?;
    let mut out = String::new();
    write(&mut out, &v)?;
    Ok(out.into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc8785_basics() {
        let v = serde_json::json!({"b": [1, "x\ny", true, null], "a": {"z": 0, "é": "\u{1}"}, "10": -5});
        let s = String::from_utf8(to_canonical(&v).unwrap()).unwrap();
        assert_eq!(s, r#"{"10":-5,"a":{"z":0,"é":"\u0001"},"b":[1,"x\ny",true,null]}"#);
        assert!(to_canonical(&serde_json::json!({"f": 1.5})).is_err(), "floats are refused");
    }
}
