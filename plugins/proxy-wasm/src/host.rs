//! The host calls this module makes, without panics.
//!
//! The proxy-wasm SDK's `hostcalls` functions `panic!` on any status they
//! do not expect (and unwrap header values as UTF-8), and a panic traps the
//! VM: Envoy then answers 500 for every request on that worker. Hosts do
//! differ here — some refuse header access outside header callbacks, some
//! fail `get_property` outside a request, clients send Latin-1 headers — so
//! the calls below go to the ABI v0.2.1 imports directly and turn every
//! status other than `Ok` into an `Err`. The SDK still provides the context
//! traits and the callback dispatch, and `dispatch_http_call`: its dispatcher
//! must register each call's token, and that call already returns the
//! statuses hosts use for a refused call (`BadArgument`, `InternalFailure`).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use proxy_wasm::types::{BufferType, LogLevel, MapType, MetricType};

/// A host call's status, as the ABI numbers it (`1` is `NotFound`).
pub type Status = u32;

const OK: Status = 0;
const NOT_FOUND: Status = 1;

// The same imports the SDK declares, with plain integer types: the wasm
// signatures are identical, so both bind to one import.
unsafe extern "C" {
    fn proxy_log(level: u32, message_data: *const u8, message_size: usize) -> Status;
    fn proxy_get_current_time_nanoseconds(return_time: *mut u64) -> Status;
    fn proxy_set_tick_period_milliseconds(period: u32) -> Status;
    fn proxy_get_buffer_bytes(
        buffer_type: u32,
        start: usize,
        max_size: usize,
        return_buffer_data: *mut *mut u8,
        return_buffer_size: *mut usize,
    ) -> Status;
    fn proxy_set_buffer_bytes(
        buffer_type: u32,
        start: usize,
        size: usize,
        buffer_data: *const u8,
        buffer_size: usize,
    ) -> Status;
    fn proxy_get_header_map_value(
        map_type: u32,
        key_data: *const u8,
        key_size: usize,
        return_value_data: *mut *mut u8,
        return_value_size: *mut usize,
    ) -> Status;
    fn proxy_replace_header_map_value(
        map_type: u32,
        key_data: *const u8,
        key_size: usize,
        value_data: *const u8,
        value_size: usize,
    ) -> Status;
    fn proxy_remove_header_map_value(map_type: u32, key_data: *const u8, key_size: usize) -> Status;
    fn proxy_get_property(
        path_data: *const u8,
        path_size: usize,
        return_value_data: *mut *mut u8,
        return_value_size: *mut usize,
    ) -> Status;
    fn proxy_send_local_response(
        status_code: u32,
        status_code_details_data: *const u8,
        status_code_details_size: usize,
        body_data: *const u8,
        body_size: usize,
        headers_data: *const u8,
        headers_size: usize,
        grpc_status: i32,
    ) -> Status;
    fn proxy_define_metric(
        metric_type: u32,
        name_data: *const u8,
        name_size: usize,
        return_id: *mut u32,
    ) -> Status;
    fn proxy_increment_metric(metric_id: u32, offset: i64) -> Status;
    fn proxy_record_metric(metric_id: u32, value: u64) -> Status;
}

/// Takes ownership of bytes the host wrote into memory it allocated through
/// the SDK's `proxy_on_memory_allocate` (a `Vec<u8>` of exactly that size).
fn take(status: Status, data: *mut u8, size: usize) -> Result<Option<Vec<u8>>, Status> {
    match status {
        OK if data.is_null() => Ok(Some(Vec::new())),
        // SAFETY: the host filled `size` bytes of a `size`-byte allocation
        // made by the module's allocator, and hands it over.
        OK => Ok(Some(unsafe { Vec::from_raw_parts(data, size, size) })),
        NOT_FOUND => Ok(None),
        other => Err(other),
    }
}

fn status(s: Status) -> Result<(), Status> {
    if s == OK { Ok(()) } else { Err(s) }
}

/// Writes a line to the proxy's log.
pub fn log(level: LogLevel, msg: &str) -> Result<(), Status> {
    // SAFETY: a valid slice for the duration of the call.
    status(unsafe { proxy_log(level as u32, msg.as_ptr(), msg.len()) })
}

/// The host's clock.
pub fn now() -> Result<SystemTime, Status> {
    let mut nanos = 0u64;
    // SAFETY: a valid out-pointer.
    status(unsafe { proxy_get_current_time_nanoseconds(&mut nanos) })?;
    Ok(UNIX_EPOCH + Duration::from_nanos(nanos))
}

/// Asks for `on_tick` every `period`.
pub fn set_tick_period(period: Duration) -> Result<(), Status> {
    let ms = u32::try_from(period.as_millis()).unwrap_or(u32::MAX);
    // SAFETY: plain values.
    status(unsafe { proxy_set_tick_period_milliseconds(ms) })
}

/// Bytes `start..start + max` of a host buffer (`None` when there is none).
pub fn buffer(kind: BufferType, start: usize, max: usize) -> Result<Option<Vec<u8>>, Status> {
    let (mut data, mut size) = (std::ptr::null_mut(), 0usize);
    // SAFETY: valid out-pointers; the result is taken over by `take`.
    let s = unsafe { proxy_get_buffer_bytes(kind as u32, start, max, &mut data, &mut size) };
    take(s, data, size)
}

/// Replaces `start..start + size` of a host buffer with `value`.
pub fn set_buffer(kind: BufferType, start: usize, size: usize, value: &[u8]) -> Result<(), Status> {
    // SAFETY: a valid slice for the duration of the call.
    status(unsafe { proxy_set_buffer_bytes(kind as u32, start, size, value.as_ptr(), value.len()) })
}

/// A header's value, as bytes (clients may send anything).
pub fn header_bytes(map: MapType, name: &str) -> Result<Option<Vec<u8>>, Status> {
    let (mut data, mut size) = (std::ptr::null_mut(), 0usize);
    // SAFETY: valid slice and out-pointers; the result is taken over by `take`.
    let s =
        unsafe { proxy_get_header_map_value(map as u32, name.as_ptr(), name.len(), &mut data, &mut size) };
    take(s, data, size)
}

/// A header's value as text; a value that is not UTF-8 is decoded lossily.
pub fn header(map: MapType, name: &str) -> Option<String> {
    let bytes = header_bytes(map, name).ok().flatten()?;
    Some(String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()))
}

/// Sets a header (replacing any value), or removes it with `None`.
pub fn set_header(map: MapType, name: &str, value: Option<&str>) -> Result<(), Status> {
    // SAFETY: valid slices for the duration of the call.
    status(unsafe {
        match value {
            Some(v) => {
                proxy_replace_header_map_value(map as u32, name.as_ptr(), name.len(), v.as_ptr(), v.len())
            }
            None => proxy_remove_header_map_value(map as u32, name.as_ptr(), name.len()),
        }
    })
}

/// A property (path segments joined by NUL), `None` when absent.
pub fn property(path: &[u8]) -> Result<Option<Vec<u8>>, Status> {
    let (mut data, mut size) = (std::ptr::null_mut(), 0usize);
    // SAFETY: valid slice and out-pointers; the result is taken over by `take`.
    let s = unsafe { proxy_get_property(path.as_ptr(), path.len(), &mut data, &mut size) };
    take(s, data, size)
}

/// A header map in the ABI's wire form: a count, the (name, value) sizes,
/// then each name and value NUL-terminated; all integers little-endian u32.
fn serialize(headers: &[(&str, &str)]) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(&(headers.len() as u32).to_le_bytes());
    for (k, v) in headers {
        out.extend_from_slice(&(k.len() as u32).to_le_bytes());
        out.extend_from_slice(&(v.len() as u32).to_le_bytes());
    }
    for (k, v) in headers {
        out.extend_from_slice(k.as_bytes());
        out.push(0);
        out.extend_from_slice(v.as_bytes());
        out.push(0);
    }
    out
}

/// Answers the request from the proxy.
pub fn send_response(code: u32, headers: &[(&str, &str)], body: &[u8]) -> Result<(), Status> {
    let h = serialize(headers);
    // SAFETY: valid slices for the duration of the call.
    status(unsafe {
        proxy_send_local_response(
            code,
            std::ptr::null(),
            0,
            body.as_ptr(),
            body.len(),
            h.as_ptr(),
            h.len(),
            -1,
        )
    })
}

/// Defines a metric; its id.
pub fn define_metric(kind: MetricType, name: &str) -> Result<u32, Status> {
    let mut id = 0u32;
    // SAFETY: valid slice and out-pointer.
    status(unsafe { proxy_define_metric(kind as u32, name.as_ptr(), name.len(), &mut id) })?;
    Ok(id)
}

/// Adds `by` to a counter.
pub fn increment_metric(id: u32, by: i64) -> Result<(), Status> {
    // SAFETY: plain values.
    status(unsafe { proxy_increment_metric(id, by) })
}

/// Sets a gauge.
pub fn record_metric(id: u32, value: u64) -> Result<(), Status> {
    // SAFETY: plain values.
    status(unsafe { proxy_record_metric(id, value) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_maps_use_the_abi_wire_form() {
        let wire = serialize(&[(":path", "/x"), ("a", "")]);
        let mut want = Vec::new();
        for n in [2u32, 5, 2, 1, 0] {
            want.extend_from_slice(&n.to_le_bytes());
        }
        want.extend_from_slice(b":path\0/x\0a\0\0");
        assert_eq!(wire, want);
    }
}
