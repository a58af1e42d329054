//! OTLP/gRPC frames on bytes.

use logsift_formats::{Body, ContentEncoding, Error, Format, encoding, grpc, rewrite};
use prost::Message;

use crate::common::*;

fn export(body: &str) -> Vec<u8> {
    let rec = LogRecord { body: s(body), ..LogRecord::default() };
    let sl = ScopeLogs { log_records: vec![rec], ..ScopeLogs::default() };
    let rl = ResourceLogs { scope_logs: vec![sl], ..ResourceLogs::default() };
    let mut b = ExportLogsServiceRequest { resource_logs: vec![rl] }.encode_to_vec();
    b.extend(unknown());
    b
}

fn body(gzip: bool) -> Body {
    Body { format: Format::OtlpGrpc, encoding: ContentEncoding::Identity, grpc_gzip: gzip }
}

fn only_body(msg: &[u8]) -> Option<AnyValue> {
    let req = ExportLogsServiceRequest::decode(msg).unwrap();
    req.resource_logs[0].scope_logs[0].log_records[0].body.clone()
}

#[test]
fn grpc_frames_round_trip_plain_and_gzip() {
    let mut call = Vec::new();
    grpc::encode(false, &export("hello"), &mut call);
    assert_eq!(rewrite(&body(false), &call, 1 << 20, &mut Identity).unwrap(), call);

    let mut call = Vec::new();
    grpc::encode(false, &export("to bob@x.io"), &mut call);
    grpc::encode(true, &encoding::gzip(&export("and bob@x.io")), &mut call);
    let out = rewrite(&body(true), &call, 1 << 20, &mut Redact { secret: "bob@x.io" }).unwrap();
    let frames = grpc::decode(&out, 1 << 20).unwrap();
    assert_eq!(frames.len(), 2);
    assert!(!frames[0].compressed && frames[1].compressed);
    assert_eq!(only_body(frames[0].message), s("to [S]"));
    let second = encoding::gunzip(frames[1].message, 1 << 20).unwrap();
    assert_eq!(only_body(&second), s("and [S]"));
    assert!(contains(frames[0].message, &unknown()), "the unknown field was lost");
}

#[test]
fn grpc_bad_frames_are_errors() {
    let mut call = Vec::new();
    grpc::encode(false, &export("x"), &mut call);
    let cut = &call[..call.len() - 1];
    let e = rewrite(&body(false), cut, 1 << 20, &mut Identity).unwrap_err();
    assert!(matches!(e, Error::Frame(grpc::FrameError::ShortMessage { .. })), "{e}");
    assert_eq!(e.status(), 400);
    assert!(e.to_string().contains("says"), "{e}");
    let e = rewrite(&body(false), &call[..3], 1 << 20, &mut Identity).unwrap_err();
    assert!(matches!(e, Error::Frame(grpc::FrameError::ShortHeader { at: 0 })), "{e}");
    let mut compressed = Vec::new();
    grpc::encode(true, &encoding::gzip(&export("x")), &mut compressed);
    let e = rewrite(&body(false), &compressed, 1 << 20, &mut Identity).unwrap_err();
    assert!(matches!(e, Error::Frame(grpc::FrameError::CompressedWithoutEncoding { .. })), "{e}");
    let e = rewrite(&body(false), &[2, 0, 0, 0, 0], 1 << 20, &mut Identity).unwrap_err();
    assert!(matches!(e, Error::Frame(grpc::FrameError::BadFlag { flag: 2, .. })), "{e}");
    let e = rewrite(&body(false), &[0, 0xff, 0xff, 0xff, 0xff], 1000, &mut Identity).unwrap_err();
    assert!(matches!(e, Error::Frame(grpc::FrameError::TooLarge { .. })), "{e}");
}
