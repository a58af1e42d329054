//! Replays `fuzz/regressions/{loki_proto,otlp_proto,grpc_frames}/*` through
//! the fuzz targets' entry point.

use logsift_formats::{Format, fuzzing};

#[test]
fn decoder_fuzz_regressions_replay() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/regressions");
    let mut n = 0;
    for (dir, format) in [
        ("loki_proto", Format::LokiProtobuf),
        ("otlp_proto", Format::OtlpProtobuf),
        ("grpc_frames", Format::OtlpGrpc),
    ] {
        for entry in std::fs::read_dir(root.join(dir)).unwrap() {
            fuzzing::decoder(format, &std::fs::read(entry.unwrap().path()).unwrap());
            n += 1;
        }
    }
    assert!(n >= 3, "no regression files found");
}
