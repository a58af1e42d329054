//! Access-log records: line splitting, and the record built from the
//! host's properties (request bodies are `logsift_formats`' business).

/// Lines of an NDJSON or text body, without their `\n` / `\r\n`.
pub fn split_lines(body: &[u8]) -> Vec<Vec<u8>> {
    body.split(|&b| b == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
        .filter(|l| !l.is_empty())
        .map(<[u8]>::to_vec)
        .collect()
}

/// A property as text. Envoy encodes integers as 8-byte little-endian;
/// other hosts send decimal strings; either way a string comes back.
fn prop(path: &[&str]) -> Option<String> {
    let raw = crate::host::property(path.join("\0").as_bytes()).ok().flatten()?;
    Some(String::from_utf8_lossy(&raw).into_owned())
}

fn prop_int(path: &[&str]) -> Option<i64> {
    let raw = crate::host::property(path.join("\0").as_bytes()).ok().flatten()?;
    if raw.len() == 8 {
        let mut b = [0u8; 8];
        b.copy_from_slice(&raw);
        return Some(i64::from_le_bytes(b));
    }
    String::from_utf8_lossy(&raw).trim().parse().ok()
}

/// A request header through the `request.headers` property, which Envoy
/// serves in the access logger's `on_log` where header maps are not
/// available to a root context.
fn header(name: &str) -> Option<String> {
    prop(&["request", "headers", name])
}

/// One JSON record describing the request that just finished.
pub fn access_record() -> Vec<u8> {
    let mut m = serde_json::Map::new();
    let mut put = |k: &str, v: Option<serde_json::Value>| {
        if let Some(v) = v {
            m.insert(k.to_owned(), v);
        }
    };
    put("method", prop(&["request", "method"]).map(Into::into));
    put("path", prop(&["request", "path"]).map(Into::into));
    put("authority", prop(&["request", "host"]).map(Into::into));
    put("status_code", prop_int(&["response", "code"]).map(Into::into));
    put("bytes_received", prop_int(&["request", "size"]).map(Into::into));
    put("bytes_sent", prop_int(&["response", "size"]).map(Into::into));
    // request.duration is nanoseconds in Envoy.
    put("duration_ms", prop_int(&["request", "duration"]).map(|n| (n as f64 / 1e6).into()));
    put("user_agent", header("user-agent").map(Into::into));
    let xff = header("x-forwarded-for").and_then(|v| v.split(',').next().map(|s| s.trim().to_owned()));
    let peer =
        prop(&["source", "address"]).map(|a| a.rsplit_once(':').map_or(a.clone(), |(h, _)| h.to_owned()));
    put("client_address", xff.or(peer).map(Into::into));
    put("request_id", header("x-request-id").map(Into::into));
    put("traceparent", header("traceparent").map(Into::into));
    put("upstream_cluster", prop(&["xds", "cluster_name"]).map(Into::into));
    put("route_name", prop(&["xds", "route_name"]).map(Into::into));
    put("event", Some("http_request".into()));
    serde_json::to_vec(&m).unwrap_or_default()
}
