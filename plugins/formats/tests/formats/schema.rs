//! The field numbers the crate uses, checked against the published messages
//! in `testdata/*.proto`.

use std::collections::HashMap;

use logsift_formats::schema::*;

/// `(message, field) -> number` for every field line of a .proto file.
fn numbers(proto: &str) -> HashMap<(String, String), u32> {
    let mut out = HashMap::new();
    let mut message = String::new();
    for line in proto.lines().map(str::trim) {
        if let Some(rest) = line.strip_prefix("message ") {
            message = rest.trim_end_matches('{').trim().to_owned();
            continue;
        }
        let Some((decl, num)) = line.strip_suffix(';').and_then(|l| l.split_once('=')) else { continue };
        let Some(name) = decl.split_whitespace().last() else { continue };
        if let Ok(n) = num.trim().parse() {
            out.insert((message.clone(), name.to_owned()), n);
        }
    }
    out
}

#[test]
fn field_numbers_match_the_published_protos() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata");
    let loki = numbers(&std::fs::read_to_string(dir.join("loki_push.proto")).unwrap());
    let otlp = numbers(&std::fs::read_to_string(dir.join("otlp_logs.proto")).unwrap());
    let well_known = numbers(&std::fs::read_to_string(dir.join("timestamp.proto")).unwrap());
    let check = |table: &HashMap<(String, String), u32>, msg: &str, field: &str, ours: u32| {
        let published = table.get(&(msg.to_owned(), field.to_owned()));
        assert_eq!(published, Some(&ours), "{msg}.{field}");
    };
    check(&loki, "PushRequest", "streams", push_request::STREAMS);
    check(&loki, "StreamAdapter", "labels", stream_adapter::LABELS);
    check(&loki, "StreamAdapter", "entries", stream_adapter::ENTRIES);
    check(&loki, "EntryAdapter", "timestamp", entry_adapter::TIMESTAMP);
    check(&loki, "EntryAdapter", "line", entry_adapter::LINE);
    check(&loki, "EntryAdapter", "structuredMetadata", entry_adapter::STRUCTURED_METADATA);
    check(&well_known, "Timestamp", "seconds", timestamp::SECONDS);
    check(&well_known, "Timestamp", "nanos", timestamp::NANOS);
    check(&loki, "LabelPairAdapter", "name", label_pair_adapter::NAME);
    check(&loki, "LabelPairAdapter", "value", label_pair_adapter::VALUE);
    check(&otlp, "ExportLogsServiceRequest", "resource_logs", export_logs_service_request::RESOURCE_LOGS);
    check(&otlp, "ResourceLogs", "resource", resource_logs::RESOURCE);
    check(&otlp, "ResourceLogs", "scope_logs", resource_logs::SCOPE_LOGS);
    check(&otlp, "Resource", "attributes", resource::ATTRIBUTES);
    check(&otlp, "InstrumentationScope", "name", instrumentation_scope::NAME);
    check(&otlp, "ScopeLogs", "scope", scope_logs::SCOPE);
    check(&otlp, "LogRecord", "time_unix_nano", log_record::TIME_UNIX_NANO);
    check(&otlp, "LogRecord", "observed_time_unix_nano", log_record::OBSERVED_TIME_UNIX_NANO);
    check(&otlp, "ScopeLogs", "log_records", scope_logs::LOG_RECORDS);
    check(&otlp, "LogRecord", "severity_number", log_record::SEVERITY_NUMBER);
    check(&otlp, "LogRecord", "severity_text", log_record::SEVERITY_TEXT);
    check(&otlp, "LogRecord", "body", log_record::BODY);
    check(&otlp, "LogRecord", "attributes", log_record::ATTRIBUTES);
    check(&otlp, "LogRecord", "trace_id", log_record::TRACE_ID);
    check(&otlp, "LogRecord", "span_id", log_record::SPAN_ID);
    check(&otlp, "KeyValue", "key", key_value::KEY);
    check(&otlp, "KeyValue", "value", key_value::VALUE);
    check(&otlp, "AnyValue", "string_value", any_value::STRING_VALUE);
    check(&otlp, "AnyValue", "bool_value", any_value::BOOL_VALUE);
    check(&otlp, "AnyValue", "int_value", any_value::INT_VALUE);
    check(&otlp, "AnyValue", "double_value", any_value::DOUBLE_VALUE);
    check(&otlp, "AnyValue", "array_value", any_value::ARRAY_VALUE);
    check(&otlp, "AnyValue", "kvlist_value", any_value::KVLIST_VALUE);
    check(&otlp, "AnyValue", "bytes_value", any_value::BYTES_VALUE);
    check(&otlp, "ArrayValue", "values", list::VALUES);
    check(&otlp, "KeyValueList", "values", list::VALUES);
}
