//! The protobuf wire format, read in place and rebuilt by splicing.
//!
//! [`fields`] walks one message's fields without decoding them into types: each
//! [`Field`] keeps the byte range it came from. [`Rebuild`] then writes the
//! message again, copying every field it is not told to change byte for byte.
//! Fields of a newer schema (unknown numbers, unknown wire types inside them),
//! non-canonical varints and field order all survive, and a message nothing
//! changed in comes back as the very input (no copy at all).
//!
//! Why not generated types: `prost` drops unknown fields on decode, and
//! `protobuf` v3 keeps them but re-serialises in its own field order and would
//! put its generated code and reflection tables in every `.wasm`. Splicing keeps
//! the original bytes by construction. Varints, keys and group skipping are
//! prost's own [`prost::encoding`] primitives; this module only adds byte ranges.

use std::fmt;

use prost::encoding::{
    DecodeContext, WireType, decode_key, decode_varint, encode_key, encode_varint, skip_field,
};

/// Nesting deeper than this is refused (AnyValue can nest without end).
pub const MAX_DEPTH: usize = 32;

/// A message whose bytes are not the protobuf wire format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WireError {
    /// A field's key, varint or length was cut short or invalid.
    Malformed {
        /// The message being read, such as `logproto.EntryAdapter`.
        message: &'static str,
        /// What prost said about the bytes.
        detail: String,
    },
    /// A known field had another wire type than its schema gives it.
    WrongType {
        /// The message being read.
        message: &'static str,
        /// The field's number.
        field: u32,
    },
    /// A `string` field held bytes that are not UTF-8.
    NotUtf8 {
        /// The message being read.
        message: &'static str,
        /// The field's number.
        field: u32,
    },
    /// Messages nested deeper than [`MAX_DEPTH`].
    TooDeep {
        /// The message being read.
        message: &'static str,
    },
}

impl fmt::Display for WireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WireError::Malformed { message, detail } => {
                write!(f, "{message} is not valid protobuf ({detail}); send the whole, uncorrupted message")
            }
            WireError::WrongType { message, field } => {
                write!(
                    f,
                    "{message} field {field} has the wrong wire type; is the body another message type?"
                )
            }
            WireError::NotUtf8 { message, field } => {
                write!(f, "{message} field {field} is a string but holds bytes that are not UTF-8")
            }
            WireError::TooDeep { message } => {
                write!(f, "{message} nests deeper than {MAX_DEPTH} levels; flatten the value")
            }
        }
    }
}

impl std::error::Error for WireError {}

/// One field's value as it sits on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Value<'a> {
    /// Wire type 0.
    Varint(u64),
    /// Wire type 1.
    Fixed64(u64),
    /// Wire type 5.
    Fixed32(u32),
    /// Wire type 2: strings, bytes, nested messages, packed repeats.
    Len(&'a [u8]),
    /// Wire types 3/4 (proto2 groups): kept as raw bytes, never read.
    Group,
}

/// One field of a message, with the bytes (key included) it came from.
#[derive(Debug, Clone, Copy)]
pub struct Field<'a> {
    /// The field number.
    pub number: u32,
    /// The value.
    pub value: Value<'a>,
    /// Offset of the field's key in the message.
    pub start: usize,
    /// The whole field as it was encoded: key, length and payload.
    pub raw: &'a [u8],
}

impl<'a> Field<'a> {
    /// The payload of a length-delimited field; an error naming the field otherwise.
    pub fn len_payload(&self, message: &'static str) -> Result<&'a [u8], WireError> {
        match self.value {
            Value::Len(b) => Ok(b),
            _ => Err(WireError::WrongType { message, field: self.number }),
        }
    }

    /// The payload of a `string` field.
    pub fn string(&self, message: &'static str) -> Result<&'a str, WireError> {
        std::str::from_utf8(self.len_payload(message)?)
            .map_err(|_| WireError::NotUtf8 { message, field: self.number })
    }

    /// A varint field's value.
    pub fn varint(&self, message: &'static str) -> Result<u64, WireError> {
        match self.value {
            Value::Varint(v) => Ok(v),
            _ => Err(WireError::WrongType { message, field: self.number }),
        }
    }
}

/// The fields of `msg`, in wire order.
pub fn fields<'a>(msg: &'a [u8], message: &'static str) -> Fields<'a> {
    Fields { msg, pos: 0, message, failed: false }
}

/// Iterator over a message's fields; see [`fields`].
#[derive(Debug)]
pub struct Fields<'a> {
    msg: &'a [u8],
    pos: usize,
    message: &'static str,
    failed: bool,
}

impl<'a> Fields<'a> {
    fn read(&mut self) -> Result<Field<'a>, WireError> {
        let start = self.pos;
        let mut buf = &self.msg[start..];
        let before = buf.len();
        let err =
            |e: prost::DecodeError| WireError::Malformed { message: self.message, detail: e.to_string() };
        let (number, wire_type) = decode_key(&mut buf).map_err(err)?;
        let value = match wire_type {
            WireType::Varint => Value::Varint(decode_varint(&mut buf).map_err(err)?),
            WireType::SixtyFourBit => {
                let (b, rest) = buf.split_first_chunk::<8>().ok_or_else(|| self.short())?;
                buf = rest;
                Value::Fixed64(u64::from_le_bytes(*b))
            }
            WireType::ThirtyTwoBit => {
                let (b, rest) = buf.split_first_chunk::<4>().ok_or_else(|| self.short())?;
                buf = rest;
                Value::Fixed32(u32::from_le_bytes(*b))
            }
            WireType::LengthDelimited => {
                let len = decode_varint(&mut buf).map_err(err)?;
                let len =
                    usize::try_from(len).ok().filter(|&l| l <= buf.len()).ok_or_else(|| self.short())?;
                let (payload, rest) = buf.split_at(len);
                buf = rest;
                Value::Len(payload)
            }
            WireType::StartGroup | WireType::EndGroup => {
                // Re-read from the key: prost's skip_field walks the group.
                let mut again = &self.msg[start..];
                let (n, wt) = decode_key(&mut again).map_err(err)?;
                skip_field(wt, n, &mut again, DecodeContext::default()).map_err(err)?;
                buf = again;
                Value::Group
            }
        };
        let end = start + (before - buf.len());
        self.pos = end;
        Ok(Field { number, value, start, raw: &self.msg[start..end] })
    }

    fn short(&self) -> WireError {
        WireError::Malformed { message: self.message, detail: "the message ends inside a field".into() }
    }
}

impl<'a> Iterator for Fields<'a> {
    type Item = Result<Field<'a>, WireError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed || self.pos >= self.msg.len() {
            return None;
        }
        let out = self.read();
        self.failed = out.is_err();
        Some(out)
    }
}

/// What becomes of a nested message after its edit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Edit {
    /// Nothing changed: the original bytes stand.
    Same,
    /// The message's new payload.
    New(Vec<u8>),
    /// Remove the field (a dropped record, an emptied container).
    Remove,
}

/// A message written again field by field. Until the first change nothing is
/// copied; [`Rebuild::finish`] returns `None` when nothing changed.
#[derive(Debug)]
pub struct Rebuild<'a> {
    src: &'a [u8],
    out: Option<Vec<u8>>,
}

impl<'a> Rebuild<'a> {
    /// Starts rebuilding `src`.
    pub fn new(src: &'a [u8]) -> Self {
        Rebuild { src, out: None }
    }

    fn changed(&mut self, at: usize) -> &mut Vec<u8> {
        let src = self.src;
        self.out.get_or_insert_with(|| {
            let mut v = Vec::with_capacity(src.len() + 16);
            v.extend_from_slice(&src[..at]);
            v
        })
    }

    /// Keeps `f` as it was.
    pub fn keep(&mut self, f: &Field<'_>) {
        if let Some(out) = self.out.as_mut() {
            out.extend_from_slice(f.raw);
        }
    }

    /// Applies `edit` to the length-delimited field `f`.
    pub fn apply(&mut self, f: &Field<'_>, edit: Edit) {
        match edit {
            Edit::Same => self.keep(f),
            Edit::New(payload) => self.replace(f, &payload),
            Edit::Remove => {
                self.changed(f.start);
            }
        }
    }

    /// Writes `f` again with a new length-delimited payload.
    pub fn replace(&mut self, f: &Field<'_>, payload: &[u8]) {
        if matches!(f.value, Value::Len(old) if old == payload) {
            return self.keep(f);
        }
        let out = self.changed(f.start);
        put_len(out, f.number, payload);
    }

    /// Adds a length-delimited field at the end of the message.
    pub fn append(&mut self, number: u32, payload: &[u8]) {
        let out = self.changed(self.src.len());
        put_len(out, number, payload);
    }

    /// The new message, or `None` when it is unchanged.
    pub fn finish(self) -> Option<Vec<u8>> {
        self.out
    }

    /// The new message as an [`Edit`].
    pub fn into_edit(self) -> Edit {
        match self.out {
            Some(v) => Edit::New(v),
            None => Edit::Same,
        }
    }
}

/// Writes a length-delimited field.
pub fn put_len(out: &mut Vec<u8>, number: u32, payload: &[u8]) {
    encode_key(number, WireType::LengthDelimited, out);
    encode_varint(payload.len() as u64, out);
    out.extend_from_slice(payload);
}

/// Writes a varint field.
pub fn put_varint(out: &mut Vec<u8>, number: u32, value: u64) {
    encode_key(number, WireType::Varint, out);
    encode_varint(value, out);
}

/// Writes a 64-bit field.
pub fn put_fixed64(out: &mut Vec<u8>, number: u32, value: u64) {
    encode_key(number, WireType::SixtyFourBit, out);
    out.extend_from_slice(&value.to_le_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_keep_their_bytes_and_groups_are_skipped_whole() {
        let mut msg = Vec::new();
        put_varint(&mut msg, 1, 300);
        put_len(&mut msg, 2, b"hi");
        // Field 3 as a group holding a varint field, then field 4 fixed64.
        msg.extend_from_slice(&[(3 << 3) | 3, 1 << 3, 7, (3 << 3) | 4]);
        put_fixed64(&mut msg, 4, 9);
        let got: Vec<Field<'_>> = fields(&msg, "test").collect::<Result<_, _>>().unwrap();
        assert_eq!(got.len(), 4);
        assert_eq!(got[0].value, Value::Varint(300));
        assert_eq!(got[1].value, Value::Len(b"hi"));
        assert_eq!(got[2].value, Value::Group);
        assert_eq!(got[2].raw.len(), 4);
        assert_eq!(got[3].value, Value::Fixed64(9));
        let joined: Vec<u8> = got.iter().flat_map(|f| f.raw.iter().copied()).collect();
        assert_eq!(joined, msg);
    }

    #[test]
    fn truncated_messages_are_errors_not_panics() {
        let mut msg = Vec::new();
        put_len(&mut msg, 2, b"hello");
        for cut in 1..msg.len() {
            let r: Result<Vec<_>, _> = fields(&msg[..cut], "test").collect();
            assert!(matches!(r, Err(WireError::Malformed { .. })), "cut at {cut}: {r:?}");
        }
        let r: Result<Vec<_>, _> = fields(&[0x0f], "test").collect();
        assert!(r.is_err(), "wire type 7 was accepted");
    }

    #[test]
    fn an_unchanged_rebuild_copies_nothing() {
        let mut msg = Vec::new();
        put_len(&mut msg, 1, b"a");
        put_len(&mut msg, 2, b"b");
        let mut rb = Rebuild::new(&msg);
        for f in fields(&msg, "test") {
            let f = f.unwrap();
            rb.replace(&f, f.len_payload("test").unwrap());
        }
        assert_eq!(rb.finish(), None);
    }
}
