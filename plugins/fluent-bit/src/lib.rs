//! logsift for Fluent Bit's `filter_wasm`.
//!
//! Fluent Bit calls the exported filter once per record with
//! `(tag, tag_len, time_sec, time_nsec, record, record_len)`. In
//! `event_format json` mode it has copied the tag and the record (a JSON
//! object) into this module's memory, NUL-terminated, and after the call it
//! `strdup`s the NUL-terminated JSON object we return. Returning NULL (or
//! `""`) drops the record. When the record does not fit the WAMR heap,
//! Fluent Bit passes a NULL record pointer with the real length.
//!
//! Exports:
//! - `logsift_filter`: the pipeline from `logsift.json`, looked up in each
//!   preopened `accessible_paths` directory in order (the first found wins).
//!   With no readable config the `default` scrub preset runs and a note is
//!   printed once; a config that is present but invalid is reported once,
//!   naming the field, and the `default` preset runs instead. Records are
//!   never passed on unscrubbed.
//! - `logsift_scrub_default`, `logsift_scrub_strict`: the scrub presets, no
//!   config file needed.
//!
//! Alert signals become an `alert` field on the record that fired (route it
//! with `rewrite_tag`); rate-limit summaries ride on the next kept record as
//! `logsift_summaries`. The output buffer is owned here and reused, so memory
//! does not grow per record; state lives as long as the instance (a whole
//! run since Fluent Bit 4.1, one chunk before).

use std::cell::RefCell;
use std::ffi::c_char;

use logsift_core::{Ctx, Outcome, Pipeline};

mod config;

/// Output buffers above this are released after use, so one huge record
/// does not pin its size for the instance's lifetime.
const KEEP_CAPACITY: usize = 256 * 1024;

/// One pipeline and its reusable output buffer.
#[derive(Debug)]
struct Filter {
    /// `None` when no pipeline could be built: every record is dropped.
    pipeline: Option<Pipeline>,
    ctx: Ctx,
    out: Vec<u8>,
    last_tick: u64,
    null_reported: bool,
}

impl Filter {
    fn new(pipeline: Option<Pipeline>) -> Self {
        Filter {
            pipeline,
            ctx: Ctx::new(0, 0x006c_6f67_7369_6674),
            out: Vec::new(),
            last_tick: 0,
            null_reported: false,
        }
    }

    /// Runs one record; returns the pointer Fluent Bit will `strdup`, or NULL.
    fn call(&mut self, sec: u32, nsec: u32, record: *const c_char, record_len: u32) -> *const u8 {
        if record.is_null() {
            if !self.null_reported {
                self.null_reported = true;
                eprintln!(
                    "logsift: a record of {record_len} bytes did not fit the Wasm heap and was dropped; \
                     raise wasm_heap_size in the filter's config"
                );
            }
            return std::ptr::null();
        }
        // SAFETY: Fluent Bit copied `record_len` bytes to `record` in this
        // module's memory for the duration of the call.
        let input = unsafe { std::slice::from_raw_parts(record.cast::<u8>(), record_len as usize) };
        let input = input.strip_suffix(b"\0").unwrap_or(input);
        let Some(pipeline) = self.pipeline.as_mut() else { return std::ptr::null() };
        let now = u64::from(sec) * 1_000_000_000 + u64::from(nsec);
        self.ctx.set_now(now);
        if now >= self.last_tick + 1_000_000_000 {
            pipeline.tick(&self.ctx);
            self.last_tick = now;
        }
        let outcome = pipeline.process(input, &mut self.ctx);
        // Signals are carried on the record itself; the queue must not grow.
        drop(pipeline.take_signals());
        let summaries = pipeline.take_emitted();
        if self.out.capacity() > KEEP_CAPACITY {
            self.out = Vec::new();
        }
        self.out.clear();
        match outcome {
            Outcome::Drop(_) => return std::ptr::null(),
            Outcome::Keep(bytes) => {
                // The engine knows most records are objects (it read them
                // whole); only the rest are read again here.
                let is_object = pipeline.kept_json_object() || logsift_core::json::is_object(&bytes);
                encode_object(&bytes, is_object, &summaries, &mut self.out);
            }
        }
        self.out.push(0);
        self.out.as_ptr()
    }
}

/// Writes the record as a JSON object: Fluent Bit parses what we return, and
/// anything but an object is an error there. A record that is not one
/// (`is_object` false: it was scrubbed as text) is wrapped as `{"log": "…"}`.
fn encode_object(bytes: &[u8], is_object: bool, summaries: &[Vec<u8>], out: &mut Vec<u8>) {
    let mut value: Option<serde_json::Value> = None;
    if !summaries.is_empty() || !is_object {
        let mut obj = if is_object {
            serde_json::from_slice::<serde_json::Map<String, serde_json::Value>>(bytes).ok()
        } else {
            None
        }
        .unwrap_or_else(|| {
            let mut m = serde_json::Map::new();
            m.insert("log".into(), String::from_utf8_lossy(bytes).into_owned().into());
            m
        });
        if !summaries.is_empty() {
            let list = summaries.iter().filter_map(|s| serde_json::from_slice(s).ok()).collect();
            obj.insert("logsift_summaries".into(), serde_json::Value::Array(list));
        }
        value = Some(serde_json::Value::Object(obj));
    }
    match value {
        Some(v) => {
            if serde_json::to_writer(&mut *out, &v).is_err() {
                out.clear();
                out.extend_from_slice(b"{}");
            }
        }
        None => out.extend_from_slice(bytes),
    }
    // A NUL inside the text would cut the record short at `strdup`.
    out.retain(|&b| b != 0);
}

thread_local! {
    static CONFIGURED: RefCell<Option<Filter>> = const { RefCell::new(None) };
    static DEFAULT: RefCell<Option<Filter>> = const { RefCell::new(None) };
    static STRICT: RefCell<Option<Filter>> = const { RefCell::new(None) };
}

fn with_filter(
    slot: &'static std::thread::LocalKey<RefCell<Option<Filter>>>,
    init: fn() -> Option<Pipeline>,
    f: impl FnOnce(&mut Filter) -> *const u8,
) -> *const u8 {
    slot.with(|cell| {
        let Ok(mut guard) = cell.try_borrow_mut() else { return std::ptr::null() };
        let filter = guard.get_or_insert_with(|| Filter::new(init()));
        f(filter)
    })
}

/// Exports a Fluent Bit filter function backed by one [`Filter`] slot.
macro_rules! filter_export {
    ($(#[$doc:meta])* $name:ident, $slot:ident, $init:expr) => {
        $(#[$doc])*
        ///
        /// # Safety
        /// `record` must be NULL or point to `record_len` readable bytes, as
        /// Fluent Bit guarantees.
        #[unsafe(no_mangle)]
        pub unsafe extern "C" fn $name(
            _tag: *const c_char,
            _tag_len: u32,
            time_sec: u32,
            time_nsec: u32,
            record: *const c_char,
            record_len: u32,
        ) -> *const u8 {
            with_filter(&$slot, $init, |f| f.call(time_sec, time_nsec, record, record_len))
        }
    };
}

filter_export!(
    /// The configured pipeline (see the crate docs for where its config comes from).
    logsift_filter, CONFIGURED, config::load
);
filter_export!(
    /// The `default` scrub preset, with no config file.
    logsift_scrub_default, DEFAULT, || config::preset("default")
);
filter_export!(
    /// The `strict` scrub preset, with no config file.
    logsift_scrub_strict, STRICT, || config::preset("strict")
);
