//! Loki push protobuf: `logproto.PushRequest` (Loki's `pkg/push/push.proto`)
//! in a raw snappy block, as Promtail, Grafana Alloy and Vector send it.
//!
//! ```text
//! PushRequest   { repeated StreamAdapter streams = 1; … }
//! StreamAdapter { string labels = 1; repeated EntryAdapter entries = 2; uint64 hash = 3; }
//! EntryAdapter  { Timestamp timestamp = 1; string line = 2;
//!                 repeated LabelPairAdapter structuredMetadata = 3; … }
//! LabelPairAdapter { string name = 1; string value = 2; }
//! ```
//!
//! Each entry's line is a record; its structured metadata is scrubbed as one
//! object by key rules and detectors; label values go through the detectors
//! ([`crate::loki_labels`]). An entry whose line is dropped is removed, and a
//! stream left with no entries too. The message is rewritten in place
//! ([`crate::wire`]): timestamps, hashes and fields a newer Loki adds are
//! copied byte for byte.

use serde_json::{Map, Value};

use crate::schema::{entry_adapter, label_pair_adapter, push_request, stream_adapter};
use crate::wire::{self, Edit, Field, Rebuild, WireError};
use crate::{Error, Records, encoding};

const PUSH: &str = "logproto.PushRequest";
const STREAM: &str = "logproto.StreamAdapter";
const ENTRY: &str = "logproto.EntryAdapter";
const PAIR: &str = "logproto.LabelPairAdapter";

/// Rewrites a snappy-compressed `PushRequest`; `None` when nothing changed.
pub fn rewrite_snappy(
    block: &[u8],
    limit: usize,
    records: &mut dyn Records,
) -> Result<Option<Vec<u8>>, Error> {
    let msg = encoding::unsnappy(block, limit)?;
    Ok(rewrite(&msg, records)?.map(|out| encoding::snappy(&out)))
}

/// Rewrites a decoded `PushRequest`; `None` when nothing changed.
pub fn rewrite(msg: &[u8], records: &mut dyn Records) -> Result<Option<Vec<u8>>, Error> {
    let mut rb = Rebuild::new(msg);
    for f in wire::fields(msg, PUSH) {
        let f = f?;
        if f.number == push_request::STREAMS {
            let edit = stream(f.len_payload(PUSH)?, records)?;
            rb.apply(&f, edit);
        } else {
            rb.keep(&f);
        }
    }
    Ok(rb.finish())
}

fn stream(msg: &[u8], records: &mut dyn Records) -> Result<Edit, Error> {
    let mut rb = Rebuild::new(msg);
    let (mut entries, mut kept) = (0, 0);
    for f in wire::fields(msg, STREAM) {
        let f = f?;
        match f.number {
            stream_adapter::LABELS => match crate::loki_labels::scrub(f.string(STREAM)?, records) {
                Ok(Some(new)) => rb.replace(&f, new.as_bytes()),
                Ok(None) => rb.keep(&f),
                Err(e) => return Err(Error::Shape(e.to_string())),
            },
            stream_adapter::ENTRIES => {
                entries += 1;
                let edit = entry(f.len_payload(STREAM)?, records)?;
                kept += usize::from(edit != Edit::Remove);
                rb.apply(&f, edit);
            }
            _ => rb.keep(&f),
        }
    }
    if entries > 0 && kept == 0 {
        return Ok(Edit::Remove);
    }
    Ok(rb.into_edit())
}

/// One structured-metadata pair as read.
struct Pair<'a> {
    name: &'a str,
    value: &'a str,
}

fn pair(msg: &[u8]) -> Result<Pair<'_>, WireError> {
    let (mut name, mut value) = ("", "");
    for f in wire::fields(msg, PAIR) {
        let f = f?;
        match f.number {
            label_pair_adapter::NAME => name = f.string(PAIR)?,
            label_pair_adapter::VALUE => value = f.string(PAIR)?,
            _ => {}
        }
    }
    Ok(Pair { name, value })
}

/// A pair with a new value; its name and unknown fields stay.
fn pair_with_value(msg: &[u8], value: &str) -> Result<Vec<u8>, WireError> {
    let mut rb = Rebuild::new(msg);
    let mut seen = false;
    for f in wire::fields(msg, PAIR) {
        let f = f?;
        if f.number == label_pair_adapter::VALUE {
            seen = true;
            rb.replace(&f, value.as_bytes());
        } else {
            rb.keep(&f);
        }
    }
    if !seen && !value.is_empty() {
        rb.append(label_pair_adapter::VALUE, value.as_bytes());
    }
    Ok(rb.finish().unwrap_or_else(|| msg.to_vec()))
}

fn entry(msg: &[u8], records: &mut dyn Records) -> Result<Edit, Error> {
    // First pass: the line (the last one wins, as in any protobuf reader) and
    // the metadata, so the engine sees them together.
    let mut line: &[u8] = b"";
    let mut meta = Map::new();
    for f in wire::fields(msg, ENTRY) {
        let f: Field<'_> = f?;
        match f.number {
            entry_adapter::LINE => line = f.string(ENTRY)?.as_bytes(),
            entry_adapter::STRUCTURED_METADATA => {
                let p = pair(f.len_payload(ENTRY)?)?;
                meta.insert(p.name.to_owned(), Value::String(p.value.to_owned()));
            }
            _ => {}
        }
    }
    let Some(new_line) = records.record(line) else { return Ok(Edit::Remove) };
    let new_meta = if meta.is_empty() { Map::new() } else { records.metadata(&meta) };
    let new_line = String::from_utf8_lossy(&new_line);

    let mut rb = Rebuild::new(msg);
    for f in wire::fields(msg, ENTRY) {
        let f = f?;
        match f.number {
            // Every copy of the line is replaced: no reader can pick an unscrubbed one.
            entry_adapter::LINE => rb.replace(&f, new_line.as_bytes()),
            entry_adapter::STRUCTURED_METADATA => {
                let payload = f.len_payload(ENTRY)?;
                let p = pair(payload)?;
                // A key a rule removed keeps its name with an empty value.
                let new = new_meta.get(p.name).map_or(String::new(), |v| match v {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                });
                if new == p.value {
                    rb.keep(&f);
                } else {
                    rb.replace(&f, &pair_with_value(payload, &new)?);
                }
            }
            _ => rb.keep(&f),
        }
    }
    Ok(rb.into_edit())
}
