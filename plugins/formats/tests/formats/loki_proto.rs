//! Loki push protobuf + snappy on bytes.

use logsift_formats::{Body, ContentEncoding, Format, encoding, loki_proto, rewrite, wire};
use prost::Message;

use crate::common::*;

const BODY: Body =
    Body { format: Format::LokiProtobuf, encoding: ContentEncoding::Identity, grpc_gzip: false };

fn entry(line: &str, md: &[(&str, &str)]) -> Vec<u8> {
    let mut e = EntryAdapter {
        timestamp: Some(Timestamp { seconds: 1_732_464_000, nanos: 7 }),
        line: line.into(),
        structured_metadata: md
            .iter()
            .map(|(n, v)| LabelPairAdapter { name: (*n).into(), value: (*v).into() })
            .collect(),
    }
    .encode_to_vec();
    e.extend(unknown());
    e
}

/// A push built by hand around prost-encoded entries, with an unknown field
/// in the entry, the stream and the request, and Loki 3's `format` field.
fn push(entries: &[Vec<u8>], labels: &str) -> Vec<u8> {
    let mut stream = Vec::new();
    wire::put_len(&mut stream, 1, labels.as_bytes());
    for e in entries {
        wire::put_len(&mut stream, 2, e);
    }
    wire::put_varint(&mut stream, 3, 12345);
    stream.extend(unknown());
    let mut req = Vec::new();
    wire::put_len(&mut req, 1, &stream);
    wire::put_len(&mut req, 2, b"loki");
    req.extend(unknown());
    req
}

#[test]
fn loki_proto_unchanged_push_comes_back_byte_for_byte() {
    let msg = push(&[entry("hello", &[("trace_id", "abc")]), entry("world", &[])], r#"{job="app"}"#);
    assert_eq!(loki_proto::rewrite(&msg, &mut Identity).unwrap(), None);
    let block = encoding::snappy(&msg);
    assert_eq!(rewrite(&BODY, &block, 1 << 20, &mut Identity).unwrap(), block);
}

#[test]
fn loki_proto_changed_line_metadata_and_label_are_rewritten_and_the_rest_survives() {
    let msg = push(
        &[entry("login bob@x.io ok", &[("user", "bob@x.io"), ("pod", "p-1")]), entry("plain", &[])],
        r#"{job="app", owner="bob@x.io"}"#,
    );
    let block = encoding::snappy(&msg);
    let out = rewrite(&BODY, &block, 1 << 20, &mut Redact { secret: "bob@x.io" }).unwrap();
    let plain = encoding::unsnappy(&out, 1 << 20).unwrap();
    let req = PushRequest::decode(&plain[..]).unwrap();
    assert_eq!(req.format, "loki");
    let s = &req.streams[0];
    assert_eq!(s.labels, r#"{job="app", owner="[S]"}"#);
    assert_eq!(s.hash, 12345);
    assert_eq!(s.entries[0].line, "login [S] ok");
    assert_eq!(s.entries[0].timestamp, Some(Timestamp { seconds: 1_732_464_000, nanos: 7 }));
    let md: Vec<(&str, &str)> =
        s.entries[0].structured_metadata.iter().map(|p| (p.name.as_str(), p.value.as_str())).collect();
    assert_eq!(md, [("user", "[S]"), ("pod", "p-1")]);
    assert_eq!(s.entries[1].line, "plain");
    // The unknown field survives at every level: request, stream, both entries.
    let n = plain.windows(unknown().len()).filter(|w| *w == unknown()).count();
    assert_eq!(n, 4, "unknown fields lost");
    // The untouched entry is byte for byte the one sent.
    assert!(contains(&plain, &entry("plain", &[])));
    assert!(!contains(&plain, b"bob@x.io"));
}

#[test]
fn loki_proto_dropped_entries_and_emptied_streams_are_removed() {
    let keep = push(&[entry("DROP me", &[]), entry("keep", &[])], "{a=\"1\"}");
    let out = loki_proto::rewrite(&keep, &mut Redact { secret: "-" }).unwrap().unwrap();
    let req = PushRequest::decode(&out[..]).unwrap();
    assert_eq!(req.streams[0].entries.len(), 1);
    assert_eq!(req.streams[0].entries[0].line, "keep");

    let gone = push(&[entry("DROP", &[])], "{a=\"1\"}");
    let out = loki_proto::rewrite(&gone, &mut Redact { secret: "-" }).unwrap().unwrap();
    let req = PushRequest::decode(&out[..]).unwrap();
    assert!(req.streams.is_empty());
    assert_eq!(req.format, "loki");
}

#[test]
fn loki_proto_gzip_and_deflate_around_the_snappy_block() {
    let msg = push(&[entry("a bob@x.io", &[])], "{}");
    let block = encoding::snappy(&msg);
    for enc in [ContentEncoding::Gzip, ContentEncoding::Deflate] {
        let body = Body { encoding: enc, ..BODY };
        let sent = encoding::encode(enc, encoding::Flavour::Raw, block.clone());
        let out = rewrite(&body, &sent, 1 << 20, &mut Redact { secret: "bob@x.io" }).unwrap();
        let (plain, _) = encoding::decode(enc, &out, 1 << 20).unwrap();
        let req = PushRequest::decode(&encoding::unsnappy(&plain, 1 << 20).unwrap()[..]).unwrap();
        assert_eq!(req.streams[0].entries[0].line, "a [S]", "{enc:?}");
    }
}
