"""Real OpenTelemetry clients for `tests/envoy_clients.rs`.

Runs the backends behind Envoy and the clients in front of it:
- an HTTP/1.1 backend that answers OTLP/HTTP (and Loki 3's /otlp/v1/logs)
  with an empty ExportLogsServiceResponse and decodes what it got with the
  official `opentelemetry-proto` classes (gzip undone first);
- a `grpcio` server implementing LogsService/Export that records requests;
- the SDK's OTLPLogExporter over HTTP/protobuf (identity and gzip) and over
  gRPC (identity and gzip), pointed at Envoy, each wrapped so the export
  result is recorded.

Prints one JSON document: per case, the exporter's results and what the
backend received (MessageToDict, plus the raw bytes in hex).

The `raw_*` cases (run only when named in --cases) call the gRPC listener
with grpcio's generic unary calls and raw bytes, to see the status a bad or
foreign call ends with: malformed protobuf, a message over --big-bytes,
TraceService/Export (which the backend implements, recording the bytes),
and a valid empty export.
"""

import argparse
import gzip
import http.server
import json
import logging
import sys
import threading
from concurrent import futures

import grpc
from google.protobuf.json_format import MessageToDict
from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.grpc._log_exporter import OTLPLogExporter as GrpcExporter
from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter as GrpcSpanExporter
from opentelemetry.exporter.otlp.proto.http import Compression as HttpCompression
from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter as HttpExporter
from opentelemetry.proto.collector.logs.v1 import logs_service_pb2, logs_service_pb2_grpc
from opentelemetry.sdk._logs import LoggerProvider
from opentelemetry.sdk._logs.export import BatchLogRecordProcessor
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.trace import NonRecordingSpan, SpanContext, TraceFlags

TRACE_ID = 0x0AF7651916CD43DD8448EB211C80319C
SPAN_ID = 0xB7AD6B7169203331

received = []
lock = threading.Lock()


def record(transport, headers, raw):
    req = logs_service_pb2.ExportLogsServiceRequest.FromString(raw)
    with lock:
        received.append(
            {
                "transport": transport,
                "headers": headers,
                "raw_hex": raw.hex(),
                "request": MessageToDict(req),
            }
        )


class HttpBackend(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        # Envoy re-frames a rewritten body: chunked, or with a new length.
        if "chunked" in self.headers.get("transfer-encoding", ""):
            body = b""
            while True:
                size = int(self.rfile.readline().strip() or b"0", 16)
                chunk = self.rfile.read(size + 2)
                if size == 0:
                    break
                body += chunk[:size]
        else:
            body = self.rfile.read(int(self.headers.get("content-length", "0")))
        headers = {k.lower(): v for k, v in self.headers.items()}
        if headers.get("content-encoding") == "gzip":
            body = gzip.decompress(body)
        record("http " + self.path, headers, body)
        answer = logs_service_pb2.ExportLogsServiceResponse().SerializeToString()
        self.send_response(200)
        self.send_header("content-type", "application/x-protobuf")
        self.send_header("content-length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args):
        pass


class GrpcBackend(logs_service_pb2_grpc.LogsServiceServicer):
    def Export(self, request, context):
        headers = {k: v for k, v in context.invocation_metadata()}
        record("grpc", headers, request.SerializeToString())
        return logs_service_pb2.ExportLogsServiceResponse()


TRACE_SERVICE = "opentelemetry.proto.collector.trace.v1.TraceService"
LOGS_EXPORT = "/opentelemetry.proto.collector.logs.v1.LogsService/Export"
# A span export as raw bytes: ExportTraceServiceRequest{resource_spans: [{...}]}
# with a planted name (field 1 > ResourceSpans, 2 > ScopeSpans, 2 > Span, 5 = name).
SPAN_NAME = b"checkout for bob@example.com"
SPAN = bytes([0x0A, len(SPAN_NAME) + 6, 0x12, len(SPAN_NAME) + 4, 0x12, len(SPAN_NAME) + 2, 0x2A, len(SPAN_NAME)]) + SPAN_NAME


def trace_export(raw, context):
    with lock:
        received.append({"transport": "grpc trace", "headers": dict(context.invocation_metadata()), "raw_hex": raw.hex()})
    return b""


def raw_call(target, method, payload):
    """One unary call of raw bytes; the status it ended with."""
    with grpc.insecure_channel(target) as channel:
        call = channel.unary_unary(method, request_serializer=None, response_deserializer=None)
        try:
            call(payload, timeout=5)
            return {"code": "OK", "details": ""}
        except grpc.RpcError as e:
            return {"code": e.code().name, "details": e.details()}


def recording(cls):
    class Recording(cls):
        results = []

        def export(self, batch):
            result = super().export(batch)
            self.results.append(result.name)
            return result

    return Recording


def emit_through(exporter):
    provider = LoggerProvider(resource=Resource.create({"service.name": "shop", "deployment.environment.name": "test"}))
    provider.add_log_record_processor(BatchLogRecordProcessor(exporter, schedule_delay_millis=60_000))
    logger = provider.get_logger("shop.auth", "1.4.0")
    span = NonRecordingSpan(SpanContext(TRACE_ID, SPAN_ID, is_remote=False, trace_flags=TraceFlags(1)))
    ctx = trace.set_span_in_context(span)
    from opentelemetry._logs import SeverityNumber

    logger.emit(
        severity_number=SeverityNumber.WARN,
        severity_text="WARN",
        body="login failed for jose.muller@example.com from 203.0.113.7",
        attributes={"user.email": "bob@example.com", "card": "4111 1111 1111 1111", "http.route": "/login"},
        context=ctx,
    )
    logger.emit(
        severity_number=SeverityNumber.ERROR,
        severity_text="ERROR",
        body={"event": "payment_failed", "password": "hunter2", "amount": 42},
        attributes={"http.route": "/pay"},
        context=ctx,
    )
    logger.emit(
        severity_number=SeverityNumber.INFO,
        severity_text="INFO",
        body="order 42 shipped",
        attributes={"http.route": "/orders"},
        context=ctx,
    )
    provider.force_flush()
    provider.shutdown()


def span_through(exporter):
    """A span to TraceService/Export: another gRPC service, which the filter
    must not rewrite (it answers 415, which reaches the client as a gRPC error)."""
    provider = TracerProvider(resource=Resource.create({"service.name": "shop"}))
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    with provider.get_tracer("shop").start_as_current_span("checkout for bob@example.com"):
        pass
    provider.shutdown()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--envoy-http", required=True, help="host:port of Envoy's HTTP listener")
    ap.add_argument("--envoy-grpc", default="", help="host:port of Envoy's OTLP/gRPC listener")
    ap.add_argument("--cases", default="", help="comma-separated cases to run (default: all)")
    ap.add_argument("--backend-http", type=int, required=True)
    ap.add_argument("--backend-grpc", type=int, required=True)
    ap.add_argument("--big-bytes", type=int, default=2 << 20, help="size of raw_too_large's message")
    args = ap.parse_args()
    logging.basicConfig(level=logging.ERROR)

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", args.backend_http), HttpBackend)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    logs_service_pb2_grpc.add_LogsServiceServicer_to_server(GrpcBackend(), server)
    server.add_generic_rpc_handlers(
        (
            grpc.method_handlers_generic_handler(
                TRACE_SERVICE, {"Export": grpc.unary_unary_rpc_method_handler(trace_export)}
            ),
        )
    )
    server.add_insecure_port(f"127.0.0.1:{args.backend_grpc}")
    server.start()

    cases = {
        "http": lambda: recording(HttpExporter)(endpoint=f"http://{args.envoy_http}/v1/logs", timeout=5),
        "http_gzip": lambda: recording(HttpExporter)(
            endpoint=f"http://{args.envoy_http}/v1/logs", timeout=5, compression=HttpCompression.Gzip
        ),
        "http_loki3": lambda: recording(HttpExporter)(endpoint=f"http://{args.envoy_http}/otlp/v1/logs", timeout=5),
        "grpc": lambda: recording(GrpcExporter)(endpoint=args.envoy_grpc, insecure=True, timeout=5),
        "grpc_gzip": lambda: recording(GrpcExporter)(
            endpoint=args.envoy_grpc, insecure=True, timeout=5, compression=grpc.Compression.Gzip
        ),
    }
    wanted = [c for c in args.cases.split(",") if c] or list(cases) + ["grpc_trace"]
    out = {}
    for name, make in cases.items():
        if name not in wanted:
            continue
        exporter = make()
        exporter.results = []
        before = len(received)
        emit_through(exporter)
        with lock:
            got = received[before:]
        out[name] = {"results": exporter.results, "received": got}
    if "grpc_trace" in wanted:
        exporter = recording(GrpcSpanExporter)(endpoint=args.envoy_grpc, insecure=True, timeout=3)
        exporter.results = []
        before = len(received)
        span_through(exporter)
        out["grpc_trace"] = {"results": exporter.results, "received": received[before:]}
    raw = {
        "raw_bad_protobuf": (LOGS_EXPORT, b"\x0a\xff\xff\xff"),
        "raw_too_large": (LOGS_EXPORT, b"\x0a" + b"\x00" * args.big_bytes),
        "raw_trace": (f"/{TRACE_SERVICE}/Export", SPAN),
        # An empty ExportLogsServiceRequest: valid, nothing to scrub.
        "raw_export": (LOGS_EXPORT, b""),
    }
    for name, (method, payload) in raw.items():
        if name not in wanted:
            continue
        before = len(received)
        out[name] = raw_call(args.envoy_grpc, method, payload)
        with lock:
            out[name]["received"] = received[before:]
        out[name]["sent_hex"] = payload.hex() if len(payload) < 4096 else ""
    server.stop(0)
    httpd.shutdown()
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
