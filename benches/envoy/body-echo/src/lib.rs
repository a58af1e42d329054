//! The Envoy bench's floor: what a proxy-wasm filter costs before it does
//! any work of its own. Its plugin configuration picks one of two modes:
//!
//! - `continue`: every callback lets the request through untouched. This is
//!   the price of a Wasm filter in the chain at all (a context per request,
//!   one V8 call per callback).
//! - `echo`: what the logsift ingest filter does around its engine, and no
//!   more. `content-length` is dropped on the request headers, the body is
//!   buffered to its end, read out of the host, and written back unchanged.
//!
//! Built for wasm32-wasip1 by `benches/benches/envoy.rs`.

use proxy_wasm::traits::{Context, HttpContext, RootContext};
use proxy_wasm::types::{Action, ContextType};

proxy_wasm::main! {{
    proxy_wasm::set_root_context(|_| -> Box<dyn RootContext> { Box::new(Root { echo: false }) });
}}

struct Root {
    echo: bool,
}

impl Context for Root {}

impl RootContext for Root {
    fn on_configure(&mut self, _size: usize) -> bool {
        let config = self.get_plugin_configuration().unwrap_or_default();
        match config.as_slice() {
            b"echo" => self.echo = true,
            b"continue" => self.echo = false,
            _ => return false,
        }
        true
    }

    fn get_type(&self) -> Option<ContextType> {
        Some(ContextType::HttpContext)
    }

    fn create_http_context(&self, _context_id: u32) -> Option<Box<dyn HttpContext>> {
        Some(Box::new(Filter { echo: self.echo, buffered: false }))
    }
}

struct Filter {
    echo: bool,
    buffered: bool,
}

impl Context for Filter {}

impl HttpContext for Filter {
    fn on_http_request_headers(&mut self, _num_headers: usize, end_of_stream: bool) -> Action {
        if self.echo && !end_of_stream {
            self.set_http_request_header("content-length", None);
            self.buffered = true;
        }
        Action::Continue
    }

    fn on_http_request_body(&mut self, body_size: usize, end_of_stream: bool) -> Action {
        if !self.buffered {
            return Action::Continue;
        }
        if !end_of_stream {
            return Action::Pause;
        }
        if let Some(body) = self.get_http_request_body(0, body_size) {
            self.set_http_request_body(0, body_size, &body);
        }
        Action::Continue
    }
}
