//! Bad bodies are errors with a message and a status, never panics.

use logsift_formats::{Body, ContentEncoding, Error, Format, encoding, rewrite, wire};

use crate::common::*;

fn body(format: Format) -> Body {
    Body { format, encoding: ContentEncoding::Identity, grpc_gzip: false }
}

#[test]
fn truncated_protobuf_is_a_400_with_a_message() {
    let mut entry = Vec::new();
    wire::put_len(&mut entry, 2, b"a line long enough to cut");
    let mut stream = Vec::new();
    wire::put_len(&mut stream, 2, &entry);
    let mut push = Vec::new();
    wire::put_len(&mut push, 1, &stream);
    for cut in 1..push.len() {
        let block = encoding::snappy(&push[..cut]);
        let e = rewrite(&body(Format::LokiProtobuf), &block, 1 << 20, &mut Identity).unwrap_err();
        assert!(matches!(e, Error::Protobuf(_)), "cut {cut}: {e}");
        assert_eq!(e.status(), 400);
        assert!(e.to_string().contains("logproto."), "{e}");
        let e = rewrite(&body(Format::OtlpProtobuf), &push[..cut], 1 << 20, &mut Identity);
        assert!(e.is_err() || cut == 0, "cut {cut}");
    }
}

#[test]
fn bad_snappy_is_a_400_and_a_snappy_bomb_a_413() {
    let e = rewrite(&body(Format::LokiProtobuf), b"\x00\x01", 1 << 20, &mut Identity).unwrap_err();
    assert!(matches!(e, Error::Encoding(encoding::EncodingError::Corrupt { codec: "snappy", .. })), "{e}");
    assert_eq!(e.status(), 400);
    let bomb = encoding::snappy(&vec![b'a'; 1 << 20]);
    let e = rewrite(&body(Format::LokiProtobuf), &bomb, 1000, &mut Identity).unwrap_err();
    assert_eq!(e.status(), 413, "{e}");
    let gz = Body { encoding: ContentEncoding::Gzip, ..body(Format::OtlpProtobuf) };
    let e = rewrite(&gz, &encoding::gzip(&vec![0; 1 << 20]), 1000, &mut Identity).unwrap_err();
    assert_eq!(e.status(), 413, "{e}");
}

#[test]
fn wrong_wire_types_and_bad_labels_are_errors() {
    // PushRequest.streams as a varint.
    let mut msg = Vec::new();
    wire::put_varint(&mut msg, 1, 5);
    let e =
        rewrite(&body(Format::LokiProtobuf), &encoding::snappy(&msg), 1 << 20, &mut Identity).unwrap_err();
    assert!(matches!(e, Error::Protobuf(wire::WireError::WrongType { field: 1, .. })), "{e}");
    let mut stream = Vec::new();
    wire::put_len(&mut stream, 1, b"job=app");
    let mut msg = Vec::new();
    wire::put_len(&mut msg, 1, &stream);
    let e =
        rewrite(&body(Format::LokiProtobuf), &encoding::snappy(&msg), 1 << 20, &mut Identity).unwrap_err();
    assert!(e.to_string().contains("Prometheus label text"), "{e}");
    // AnyValue nested past the depth limit.
    let mut any = Vec::new();
    wire::put_len(&mut any, 1, b"deep");
    for _ in 0..40 {
        let mut arr = Vec::new();
        wire::put_len(&mut arr, 1, &any);
        any.clear();
        wire::put_len(&mut any, 5, &arr);
    }
    let mut rec = Vec::new();
    wire::put_len(&mut rec, 5, &any);
    let mut sl = Vec::new();
    wire::put_len(&mut sl, 2, &rec);
    let mut rl = Vec::new();
    wire::put_len(&mut rl, 2, &sl);
    let mut req = Vec::new();
    wire::put_len(&mut req, 1, &rl);
    let e = rewrite(&body(Format::OtlpProtobuf), &req, 1 << 20, &mut Identity).unwrap_err();
    assert!(matches!(e, Error::Protobuf(wire::WireError::TooDeep { .. })), "{e}");
}

#[test]
fn arbitrary_bytes_never_panic() {
    // A cheap stand-in for the fuzz targets: every prefix and a few flips.
    let mut seed: u32 = 7;
    let mut bytes = Vec::new();
    for _ in 0..512 {
        seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
        bytes.push((seed >> 16) as u8);
    }
    for n in 0..bytes.len() {
        for format in
            [Format::LokiProtobuf, Format::OtlpProtobuf, Format::OtlpGrpc, Format::LokiJson, Format::OtlpJson]
        {
            let _ = rewrite(&Body { grpc_gzip: true, ..body(format) }, &bytes[..n], 1 << 16, &mut Identity);
        }
    }
}
