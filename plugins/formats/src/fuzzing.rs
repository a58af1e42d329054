//! Entry point shared by the decoder fuzz targets (`fuzz/fuzz_targets/
//! {loki_proto,otlp_proto,grpc_frames}.rs`) and the test that replays their
//! regression files: any bytes through one format with a stand-in engine
//! that changes every record, so the encode side runs too.

use serde_json::{Map, Value};

use crate::{Body, ContentEncoding, Format, Records};

/// Marks every record and value, so every rewrite path is taken.
struct Mark;

impl Records for Mark {
    fn record(&mut self, r: &[u8]) -> Option<Vec<u8>> {
        if r.first() == Some(&b'{') {
            // JSON stays JSON: a new field, as enrich would add.
            let mut m: Map<String, Value> = serde_json::from_slice(r).ok()?;
            m.insert("fuzz".into(), Value::Bool(true));
            return serde_json::to_vec(&m).ok();
        }
        (r.len() % 7 != 3).then(|| [r, b" x"].concat())
    }
    fn metadata(&mut self, f: &Map<String, Value>) -> Map<String, Value> {
        f.iter().map(|(k, _)| (k.clone(), Value::String("m".into()))).collect()
    }
    fn value(&mut self, t: &str) -> String {
        format!("{t}v")
    }
}

/// Runs `data` as a body of `format`. Panics only on a bug: when a body this
/// crate wrote does not decode again.
pub fn decoder(format: Format, data: &[u8]) {
    let body = Body { format, encoding: ContentEncoding::Identity, grpc_gzip: true };
    if let Ok(out) = crate::rewrite(&body, data, 1 << 20, &mut Mark) {
        let again = crate::rewrite(&body, &out, 4 << 20, &mut Mark);
        assert!(again.is_ok(), "a body logsift wrote does not decode again: {again:?}");
    }
}
