//! `logsift serve --grpc-listen`: OTLP/gRPC, the default of the Python distro,
//! the Java SDK's autoconfigure and .NET. A second listener (OTLP's
//! convention: gRPC on 4317, HTTP on 4318) speaks HTTP/2 without TLS (h2c)
//! with hyper on a current-thread tokio runtime of its own; tiny_http, which
//! serves the rest, speaks HTTP/1.1 only.
//!
//! `opentelemetry.proto.collector.logs.v1.LogsService/Export` is buffered
//! whole, its frames rewritten with `logsift_formats` (the same batch path as
//! the HTTP pushes, [`super::push::rewrite`]) and sent on to `--grpc-forward`
//! over h2c with the call's metadata; the upstream's answer — headers,
//! message and trailers — is passed back as it came. A call logsift refuses
//! ends with a gRPC status in trailers, never with a rewritten or lost body:
//! - another method, or a `grpc-encoding` other than gzip/identity:
//!   `UNIMPLEMENTED` (12), unless the path is under a `--pass-through`
//!   prefix, where the call goes on untouched;
//! - malformed protobuf or framing: `INVALID_ARGUMENT` (3);
//! - a message or decoded frame past `--max-body`: `RESOURCE_EXHAUSTED` (8);
//! - the component failing: `INTERNAL` (13);
//! - no answer from the upstream: `UNAVAILABLE` (14), which the SDKs retry.
//!
//! A request whose content type is not gRPC gets HTTP 415, as the gRPC
//! protocol says. Each refusal is counted in `logsift_serve_errors_total{reason}`.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::client::conn::http2::SendRequest;
use hyper::header::{HeaderName, HeaderValue};
use hyper::{HeaderMap, Method, Request, Response, StatusCode, Uri};
use hyper_util::rt::{TokioExecutor, TokioIo};
use logsift_formats::detect::OTLP_GRPC_EXPORT;

use super::push::{Failure, count_error, passes_through, rewrite};
use super::{Shared, lock};

/// gRPC status codes logsift answers with (grpc/doc/statuscodes.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Code {
    /// 1: the client went away while sending.
    Cancelled = 1,
    /// 3: the message is not a valid OTLP export request.
    InvalidArgument = 3,
    /// 8: the message is larger than logsift takes.
    ResourceExhausted = 8,
    /// 12: not a method or an encoding logsift reads.
    Unimplemented = 12,
    /// 13: the component failed.
    Internal = 13,
    /// 14: the upstream did not answer; the client should retry.
    Unavailable = 14,
}

/// The gRPC status codes' names, by number, as gRPC's own Prometheus
/// interceptors label them (`grpc_code="InvalidArgument"`).
const CODE_NAMES: [&str; 17] = [
    "OK",
    "Canceled",
    "Unknown",
    "InvalidArgument",
    "DeadlineExceeded",
    "NotFound",
    "AlreadyExists",
    "PermissionDenied",
    "ResourceExhausted",
    "FailedPrecondition",
    "Aborted",
    "OutOfRange",
    "Unimplemented",
    "Internal",
    "Unavailable",
    "DataLoss",
    "Unauthenticated",
];

/// Counts a call under the name of its `grpc-status` (`Unknown` for a
/// status that is missing or not a code).
fn count_call(shared: &Shared, grpc_status: Option<&str>) {
    let name = grpc_status
        .and_then(|v| v.trim().parse::<usize>().ok())
        .and_then(|n| CODE_NAMES.get(n))
        .copied()
        .unwrap_or("Unknown");
    *lock(&shared.counters.grpc_calls).entry(name).or_default() += 1;
}

type Body = BoxBody<Bytes, Infallible>;

/// The running gRPC listener.
pub(super) struct GrpcServer {
    pub(super) addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl GrpcServer {
    /// Stops accepting; calls in flight are cut.
    pub(super) fn shutdown(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// The upstream of gRPC calls: where it is and one HTTP/2 connection to it,
/// opened on the first call and again whenever it closed.
struct Upstream {
    authority: String,
    sender: Mutex<Option<SendRequest<Full<Bytes>>>>,
}

/// Where `--grpc-forward` points: `http://host:port` (h2c; TLS is not spoken).
fn upstream(url: &str) -> Result<Upstream, String> {
    let uri: Uri = url.parse().map_err(|e| format!("--grpc-forward {url}: {e}"))?;
    if uri.scheme_str() != Some("http") {
        return Err(format!("--grpc-forward {url}: only http:// (HTTP/2 without TLS) is spoken"));
    }
    let host = uri.host().ok_or_else(|| format!("--grpc-forward {url}: no host"))?;
    let authority = format!("{host}:{}", uri.port_u16().unwrap_or(80));
    Ok(Upstream { authority, sender: Mutex::new(None) })
}

/// Binds `listen` and serves gRPC calls on a thread of its own.
pub(super) fn start(shared: Arc<Shared>, listen: &str, forward: &str) -> Result<GrpcServer, String> {
    let upstream = Arc::new(upstream(forward)?);
    let listener = super::listen(listen).map_err(|e| format!("listen {listen}: {e}"))?;
    let addr = listener.local_addr().map_err(|e| format!("listen {listen}: {e}"))?;
    listener.set_nonblocking(true).map_err(|e| format!("listen {listen}: {e}"))?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("gRPC runtime: {e}"))?;
    let (stop, mut stopped) = tokio::sync::oneshot::channel::<()>();
    let thread = std::thread::spawn(move || {
        runtime.block_on(async move {
            let Ok(listener) = tokio::net::TcpListener::from_std(listener) else { return };
            loop {
                let accepted = tokio::select! {
                    _ = &mut stopped => break,
                    a = listener.accept() => a,
                };
                let Ok((stream, _)) = accepted else { continue };
                let (shared, upstream) = (shared.clone(), upstream.clone());
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |req| {
                        let (shared, upstream) = (shared.clone(), upstream.clone());
                        async move { Ok::<_, Infallible>(call(shared, upstream, req).await) }
                    });
                    // A connection that breaks only ends its own calls.
                    let _ = hyper::server::conn::http2::Builder::new(TokioExecutor::new())
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
    });
    Ok(GrpcServer { addr, stop: Some(stop), thread: Some(thread) })
}

/// `grpc-message` is percent-encoded: bytes outside printable ASCII, and `%`.
fn percent_encode(msg: &str) -> String {
    let mut out = String::with_capacity(msg.len());
    for b in msg.bytes() {
        if (0x20..=0x7e).contains(&b) && b != b'%' {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn full(bytes: impl Into<Bytes>) -> Body {
    Full::new(bytes.into()).map_err(|never| match never {}).boxed()
}

/// A call that ends with `code` and `message`: headers, no message,
/// trailers. A refused body is counted under its `reason`; a failure past
/// the body (the upstream's) is not a refusal and has none.
fn status(shared: &Shared, code: Code, reason: Option<&'static str>, message: &str) -> Response<Body> {
    if let Some(reason) = reason {
        count_error(shared, reason);
    }
    *lock(&shared.counters.requests).entry(200).or_default() += 1;
    count_call(shared, Some(&(code as u16).to_string()));
    let mut trailers = HeaderMap::new();
    trailers.insert("grpc-status", HeaderValue::from(code as u16));
    if let Ok(v) = HeaderValue::from_str(&percent_encode(&format!("logsift: {message}"))) {
        trailers.insert("grpc-message", v);
    }
    let body = Full::new(Bytes::new())
        .map_err(|never| match never {})
        .with_trailers(std::future::ready(Some(Ok(trailers))))
        .boxed();
    let mut resp = Response::new(body);
    resp.headers_mut().insert("content-type", HeaderValue::from_static("application/grpc"));
    resp
}

/// Headers that are about this hop, or that the new body makes wrong.
fn hop_by_hop(name: &HeaderName) -> bool {
    matches!(
        name.as_str(),
        "host"
            | "content-length"
            | "connection"
            | "keep-alive"
            | "transfer-encoding"
            | "upgrade"
            | "proxy-connection"
    )
}

async fn call(shared: Arc<Shared>, upstream: Arc<Upstream>, req: Request<Incoming>) -> Response<Body> {
    let path = req.uri().path().to_owned();
    let header = |name: &str| req.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
    let content_type = header("content-type");
    if req.method() != Method::POST || !content_type.starts_with("application/grpc") {
        count_error(&shared, "unsupported_format");
        *lock(&shared.counters.requests).entry(415).or_default() += 1;
        let mut resp =
            Response::new(full("logsift: this port takes gRPC calls (POST, application/grpc) only\n"));
        *resp.status_mut() = StatusCode::UNSUPPORTED_MEDIA_TYPE;
        return resp;
    }
    let detected = logsift_formats::detect(&logsift_formats::Headers {
        path: &path,
        content_type: &content_type,
        content_encoding: &header("content-encoding"),
        grpc_encoding: &header("grpc-encoding"),
    });
    let pass = detected.is_err() && passes_through(&shared, &path);
    if let (Err(why), false) = (&detected, pass) {
        return status(
            &shared,
            Code::Unimplemented,
            Some("unsupported_format"),
            &format!("{why}; logsift serve takes {OTLP_GRPC_EXPORT} (or list the path with --pass-through)"),
        );
    }

    let (parts, body) = req.into_parts();
    let max = shared.opts.max_body;
    let raw = match Limited::new(body, max).collect().await {
        Ok(c) => c.to_bytes(),
        Err(e) if e.downcast_ref::<http_body_util::LengthLimitError>().is_some() => {
            return status(
                &shared,
                Code::ResourceExhausted,
                Some("body_too_large"),
                &format!("the call is larger than {max} bytes"),
            );
        }
        Err(e) => {
            return status(&shared, Code::Cancelled, None, &format!("reading the call: {e}"));
        }
    };

    let (out, kept) = match detected {
        Ok(body) if !pass => {
            let job = shared.clone();
            let done = tokio::task::spawn_blocking(move || rewrite(&job, &body, &raw)).await;
            match done {
                Ok(Ok(r)) => r,
                Ok(Err(Failure::Format(e))) => {
                    let code = match e.status() {
                        413 => Code::ResourceExhausted,
                        415 => Code::Unimplemented,
                        _ => Code::InvalidArgument,
                    };
                    return status(&shared, code, Some(e.reason()), &e.to_string());
                }
                Ok(Err(Failure::Component(e))) => {
                    return status(&shared, Code::Internal, None, &format!("logsift component: {e}"));
                }
                Err(e) => {
                    return status(&shared, Code::Internal, None, &format!("logsift component: {e}"));
                }
            }
        }
        // Listed as pass-through: not ours to read, on as sent.
        _ => (raw.to_vec(), 0),
    };

    match relay(&shared, &upstream, &parts, out).await {
        Ok((resp, grpc_status)) => {
            if resp.status() == StatusCode::OK && grpc_status.as_deref() == Some("0") {
                shared.counters.forwarded_records.fetch_add(kept, Ordering::Relaxed);
            }
            *lock(&shared.counters.requests).entry(resp.status().as_u16()).or_default() += 1;
            count_call(&shared, grpc_status.as_deref());
            resp
        }
        Err(e) => {
            shared.counters.forward_errors.fetch_add(1, Ordering::Relaxed);
            eprintln!("logsift serve: gRPC forward failed: {e}");
            status(&shared, Code::Unavailable, None, &format!("processed, but forwarding failed: {e}"))
        }
    }
}

/// An HTTP/2 connection to the upstream: the open one, or a new one.
async fn sender(upstream: &Upstream) -> Result<SendRequest<Full<Bytes>>, String> {
    if let Some(s) = lock(&upstream.sender).as_ref().filter(|s| !s.is_closed()) {
        return Ok(s.clone());
    }
    let tcp = tokio::net::TcpStream::connect(&upstream.authority)
        .await
        .map_err(|e| format!("{}: {e}", upstream.authority))?;
    let _ = tcp.set_nodelay(true);
    let (send, conn) = hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(tcp))
        .await
        .map_err(|e| format!("{}: {e}", upstream.authority))?;
    tokio::spawn(conn);
    *lock(&upstream.sender) = Some(send.clone());
    Ok(send)
}

/// Sends the call on with its metadata, retrying while no answer comes;
/// the upstream's answer whole (message and trailers), and its
/// `grpc-status` (in the trailers, or the headers of a trailers-only
/// answer).
async fn relay(
    shared: &Shared,
    upstream: &Upstream,
    parts: &hyper::http::request::Parts,
    body: Vec<u8>,
) -> Result<(Response<Body>, Option<String>), String> {
    let body = Bytes::from(body);
    let mut uri = format!("http://{}{}", upstream.authority, parts.uri.path());
    if let Some(q) = parts.uri.query() {
        uri = format!("{uri}?{q}");
    }
    let tries = shared.opts.retries.max(1);
    let mut last = String::new();
    for attempt in 0..tries {
        if attempt > 0 {
            tokio::time::sleep(Duration::from_millis(100 << attempt.min(5))).await;
        }
        let mut req = Request::new(Full::new(body.clone()));
        *req.method_mut() = Method::POST;
        *req.uri_mut() = match uri.parse() {
            Ok(u) => u,
            Err(e) => return Err(format!("{uri}: {e}")),
        };
        for (k, v) in parts.headers.iter().filter(|(k, _)| !hop_by_hop(k)) {
            req.headers_mut().append(k.clone(), v.clone());
        }
        let answer = async {
            let mut send = sender(upstream).await?;
            let resp = send.send_request(req).await.map_err(|e| format!("{uri}: {e}"))?;
            let (head, incoming) = resp.into_parts();
            let collected = incoming.collect().await.map_err(|e| format!("{uri}: {e}"))?;
            Ok::<_, String>((head, collected))
        };
        match tokio::time::timeout(shared.opts.post_timeout, answer).await {
            Ok(Ok((head, collected))) => {
                let trailers = collected.trailers().cloned();
                let grpc_status =
                    trailers.as_ref().and_then(|t| t.get("grpc-status")).or(head.headers.get("grpc-status"));
                let grpc_status = grpc_status.and_then(|v| v.to_str().ok()).map(str::to_owned);
                let mut body = Full::new(collected.to_bytes()).map_err(|never| match never {}).boxed();
                if let Some(t) = trailers {
                    body = body.with_trailers(std::future::ready(Some(Ok(t)))).boxed();
                }
                let mut resp = Response::new(body);
                *resp.status_mut() = head.status;
                for (k, v) in head.headers.iter().filter(|(k, _)| !hop_by_hop(k)) {
                    resp.headers_mut().append(k.clone(), v.clone());
                }
                return Ok((resp, grpc_status));
            }
            Ok(Err(e)) => last = e,
            Err(_) => last = format!("{uri}: no answer within {:?}", shared.opts.post_timeout),
        }
        // The connection may be what failed: the next try opens a new one.
        *lock(&upstream.sender) = None;
    }
    Err(last)
}
