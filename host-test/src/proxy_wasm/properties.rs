//! Properties as Envoy answers them, and the header-map wire encoding.

use super::*;

/// The properties Envoy derives from a request, plus the request's own.
pub(super) fn request_properties(req: &Request, now: u64) -> HashMap<String, Vec<u8>> {
    let mut p: HashMap<String, Vec<u8>> = HashMap::new();
    let h = |name: &str| header_value(&req.headers, name);
    let mut put = |k: &str, v: Property| {
        p.insert(k.replace('.', "\0"), v.encode());
    };
    if let Some(path) = h(":path") {
        let (url_path, query) =
            path.split_once('?').map_or((path.clone(), String::new()), |(a, b)| (a.into(), b.into()));
        put("request.path", path.as_str().into());
        put("request.url_path", url_path.into());
        put("request.query", query.into());
    }
    for (k, name) in [
        ("request.method", ":method"),
        ("request.host", ":authority"),
        ("request.scheme", ":scheme"),
        ("request.referer", "referer"),
        ("request.useragent", "user-agent"),
        ("request.id", "x-request-id"),
    ] {
        if let Some(v) = h(name) {
            put(k, v.into());
        }
    }
    put("request.protocol", "HTTP/1.1".into());
    put("request.time", Property::Int(now as i64));
    put("request.size", Property::Int(req.body.len() as i64));
    put("request.total_size", Property::Int(req.body.len() as i64));
    put("request.duration", Property::Int(0));
    put("response.code", Property::Int(req.response.status.into()));
    put("response.size", Property::Int(req.response.body.len() as i64));
    put("response.flags", Property::Int(0));
    put("source.address", "127.0.0.1:40000".into());
    put("source.port", Property::Int(40000));
    put("destination.address", "127.0.0.1:10000".into());
    put("destination.port", Property::Int(10000));
    for (k, v) in &req.properties {
        put(k, v.clone());
    }
    p
}

/// Envoy's map encoding: count, (key len, value len) pairs, then each key
/// and value followed by a NUL.
pub fn serialize_map(map: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(&(map.len() as u32).to_le_bytes());
    for (k, v) in map {
        out.extend_from_slice(&(k.len() as u32).to_le_bytes());
        out.extend_from_slice(&(v.len() as u32).to_le_bytes());
    }
    for (k, v) in map {
        out.extend_from_slice(k.as_bytes());
        out.push(0);
        out.extend_from_slice(v);
        out.push(0);
    }
    out
}

/// The inverse of [`serialize_map`]; `None` when malformed.
pub fn deserialize_map(bytes: &[u8]) -> Option<Headers> {
    if bytes.is_empty() {
        return Some(Vec::new());
    }
    let n = u32::from_le_bytes(bytes.get(0..4)?.try_into().ok()?) as usize;
    let mut p = 4usize.checked_add(n.checked_mul(8)?)?;
    let mut out = Vec::with_capacity(n.min(1024));
    for i in 0..n {
        let s = 4 + i * 8;
        let kl = u32::from_le_bytes(bytes.get(s..s + 4)?.try_into().ok()?) as usize;
        let vl = u32::from_le_bytes(bytes.get(s + 4..s + 8)?.try_into().ok()?) as usize;
        let k = bytes.get(p..p.checked_add(kl)?)?;
        p += kl + 1;
        let v = bytes.get(p..p.checked_add(vl)?)?;
        p += vl + 1;
        out.push((String::from_utf8_lossy(k).to_ascii_lowercase(), v.to_vec()));
    }
    Some(out)
}

/// A property by its `\0`-joined path, as Envoy answers it.
pub(super) fn property(s: &mut HostState, path: &str) -> Option<Vec<u8>> {
    match path {
        "plugin_name" => return Some(s.cfg.name.clone().into_bytes()),
        "plugin_root_id" => return Some(s.cfg.root_id.clone().into_bytes()),
        "plugin_vm_id" => return Some(Vec::new()),
        _ => {}
    }
    let st = s.stream()?;
    if let Some(v) = st.properties.get(path) {
        return Some(v.clone());
    }
    let parts: Vec<&str> = path.split('\0').collect();
    let map = match parts.first().zip(parts.get(1)) {
        Some((&"request", &"headers")) => st.request_headers.as_ref()?,
        Some((&"response", &"headers")) => st.response_headers.as_ref()?,
        Some((&"response", &"trailers")) => st.response_trailers.as_ref()?,
        _ => return None,
    };
    match parts.get(2) {
        None if parts.len() == 2 => Some(serialize_map(map)),
        Some(name) if parts.len() == 3 => {
            let name = name.to_ascii_lowercase();
            map.iter().find(|(k, _)| *k == name).map(|(_, v)| v.clone())
        }
        _ => None,
    }
}
