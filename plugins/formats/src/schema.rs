//! Field numbers of the protobuf messages this crate reads, from
//! Loki's `pkg/push/push.proto` (package `logproto`) and
//! opentelemetry-proto's `collector/logs/v1/logs_service.proto`,
//! `logs/v1/logs.proto` and `common/v1/common.proto`. Only fields that are
//! read or written are listed; every other field is copied through as bytes.
//! `testdata/*.proto` holds the messages as published, and a test checks
//! these numbers against them.

/// `logproto.PushRequest`.
pub mod push_request {
    /// `repeated StreamAdapter streams = 1`.
    pub const STREAMS: u32 = 1;
}

/// `logproto.StreamAdapter`.
pub mod stream_adapter {
    /// `string labels = 1` (Prometheus label text, `{k="v", …}`).
    pub const LABELS: u32 = 1;
    /// `repeated EntryAdapter entries = 2`.
    pub const ENTRIES: u32 = 2;
}

/// `logproto.EntryAdapter`.
pub mod entry_adapter {
    /// `google.protobuf.Timestamp timestamp = 1`.
    pub const TIMESTAMP: u32 = 1;
    /// `string line = 2`.
    pub const LINE: u32 = 2;
    /// `repeated LabelPairAdapter structuredMetadata = 3`.
    pub const STRUCTURED_METADATA: u32 = 3;
}

/// `google.protobuf.Timestamp` (an entry's time).
pub mod timestamp {
    /// `int64 seconds = 1`.
    pub const SECONDS: u32 = 1;
    /// `int32 nanos = 2`.
    pub const NANOS: u32 = 2;
}

/// `logproto.LabelPairAdapter`.
pub mod label_pair_adapter {
    /// `string name = 1`.
    pub const NAME: u32 = 1;
    /// `string value = 2`.
    pub const VALUE: u32 = 2;
}

/// `opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest`.
pub mod export_logs_service_request {
    /// `repeated ResourceLogs resource_logs = 1`.
    pub const RESOURCE_LOGS: u32 = 1;
}

/// `opentelemetry.proto.logs.v1.ResourceLogs`.
pub mod resource_logs {
    /// `Resource resource = 1`.
    pub const RESOURCE: u32 = 1;
    /// `repeated ScopeLogs scope_logs = 2`.
    pub const SCOPE_LOGS: u32 = 2;
}

/// `opentelemetry.proto.resource.v1.Resource`.
pub mod resource {
    /// `repeated KeyValue attributes = 1`.
    pub const ATTRIBUTES: u32 = 1;
}

/// `opentelemetry.proto.common.v1.InstrumentationScope`.
pub mod instrumentation_scope {
    /// `string name = 1`.
    pub const NAME: u32 = 1;
}

/// `opentelemetry.proto.logs.v1.ScopeLogs`.
pub mod scope_logs {
    /// `InstrumentationScope scope = 1`.
    pub const SCOPE: u32 = 1;
    /// `repeated LogRecord log_records = 2`.
    pub const LOG_RECORDS: u32 = 2;
}

/// `opentelemetry.proto.logs.v1.LogRecord`.
pub mod log_record {
    /// `fixed64 time_unix_nano = 1`.
    pub const TIME_UNIX_NANO: u32 = 1;
    /// `fixed64 observed_time_unix_nano = 11`.
    pub const OBSERVED_TIME_UNIX_NANO: u32 = 11;
    /// `SeverityNumber severity_number = 2`.
    pub const SEVERITY_NUMBER: u32 = 2;
    /// `string severity_text = 3`.
    pub const SEVERITY_TEXT: u32 = 3;
    /// `AnyValue body = 5`.
    pub const BODY: u32 = 5;
    /// `repeated KeyValue attributes = 6`.
    pub const ATTRIBUTES: u32 = 6;
    /// `bytes trace_id = 9`.
    pub const TRACE_ID: u32 = 9;
    /// `bytes span_id = 10`.
    pub const SPAN_ID: u32 = 10;
}

/// `opentelemetry.proto.common.v1.KeyValue`.
pub mod key_value {
    /// `string key = 1`.
    pub const KEY: u32 = 1;
    /// `AnyValue value = 2`.
    pub const VALUE: u32 = 2;
}

/// `opentelemetry.proto.common.v1.AnyValue` (a oneof).
pub mod any_value {
    /// `string string_value = 1`.
    pub const STRING_VALUE: u32 = 1;
    /// `bool bool_value = 2`.
    pub const BOOL_VALUE: u32 = 2;
    /// `int64 int_value = 3`.
    pub const INT_VALUE: u32 = 3;
    /// `double double_value = 4`.
    pub const DOUBLE_VALUE: u32 = 4;
    /// `ArrayValue array_value = 5`.
    pub const ARRAY_VALUE: u32 = 5;
    /// `KeyValueList kvlist_value = 6`.
    pub const KVLIST_VALUE: u32 = 6;
    /// `bytes bytes_value = 7`.
    pub const BYTES_VALUE: u32 = 7;
}

/// `ArrayValue` and `KeyValueList`: `repeated … values = 1`.
pub mod list {
    /// `values = 1`.
    pub const VALUES: u32 = 1;
}
