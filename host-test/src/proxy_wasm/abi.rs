//! The proxy-wasm ABI imports (`env.proxy_*`) and the guest-memory helpers
//! they share.

use super::*;

type Res<T> = wasmtime::Result<T>;

/// Refuses a host call the current phase does not allow (Envoy fails the VM).
fn allowed(caller: &Caller<'_, HostState>, name: &str) -> Res<()> {
    let list = match caller.data().restriction {
        Restriction::None => return Ok(()),
        Restriction::Initialize => ALLOWED_IN_INITIALIZE,
        Restriction::Malloc => ALLOWED_IN_MALLOC,
    };
    if list.contains(&name) {
        return Ok(());
    }
    let phase = if caller.data().restriction == Restriction::Initialize { "_initialize" } else { "malloc" };
    wasmtime::bail!("host call {name} is not allowed during {phase} (Envoy fails the VM)")
}

fn memory(caller: &mut Caller<'_, HostState>) -> Res<wasmtime::Memory> {
    match caller.get_export("memory") {
        Some(Extern::Memory(m)) => Ok(m),
        _ => wasmtime::bail!("the module exports no memory"),
    }
}

fn read(caller: &mut Caller<'_, HostState>, ptr: i32, len: i32) -> Res<Option<Vec<u8>>> {
    let mem = memory(caller)?;
    let (ptr, len) = (ptr as u32 as usize, len as u32 as usize);
    Ok(mem.data(&caller).get(ptr..ptr.saturating_add(len)).map(<[u8]>::to_vec))
}

fn write(caller: &mut Caller<'_, HostState>, ptr: i32, data: &[u8]) -> Res<bool> {
    let mem = memory(caller)?;
    let ptr = ptr as u32 as usize;
    match mem.data_mut(caller).get_mut(ptr..ptr.saturating_add(data.len())) {
        Some(dst) => {
            dst.copy_from_slice(data);
            Ok(true)
        }
        None => Ok(false),
    }
}

fn write_u32(caller: &mut Caller<'_, HostState>, ptr: i32, v: u32) -> Res<bool> {
    write(caller, ptr, &v.to_le_bytes())
}

/// Copies `data` into memory the guest allocates (its `malloc` or
/// `proxy_on_memory_allocate`) and stores pointer and size, as
/// proxy-wasm-cpp-host's `copyToPointerSize`; empty data is a NULL pointer.
fn copy_out(caller: &mut Caller<'_, HostState>, data: &[u8], ptr_ptr: i32, size_ptr: i32) -> Res<i32> {
    let mut addr = 0u32;
    if !data.is_empty() {
        let alloc = ["malloc", "proxy_on_memory_allocate"]
            .iter()
            .find_map(|n| caller.get_export(n).and_then(Extern::into_func));
        let Some(alloc) = alloc else {
            wasmtime::bail!("the module exports neither malloc nor proxy_on_memory_allocate");
        };
        let alloc = alloc.typed::<i32, i32>(&caller)?;
        let before = caller.data().restriction;
        if before == Restriction::None {
            caller.data_mut().restriction = Restriction::Malloc;
        }
        let r = alloc.call(&mut *caller, data.len() as i32);
        caller.data_mut().restriction = before;
        addr = r? as u32;
        if addr == 0 || !write(caller, addr as i32, data)? {
            return Ok(status::INVALID_MEMORY_ACCESS);
        }
    }
    if !write_u32(caller, ptr_ptr, addr)? || !write_u32(caller, size_ptr, data.len() as u32)? {
        return Ok(status::INVALID_MEMORY_ACCESS);
    }
    Ok(status::OK)
}

fn text(caller: &mut Caller<'_, HostState>, ptr: i32, len: i32) -> Res<Option<String>> {
    Ok(read(caller, ptr, len)?.map(|b| String::from_utf8_lossy(&b).into_owned()))
}

/// The header map of `map_type` for the current context, if it exists now.
fn map_of(s: &mut HostState, map_type: i32) -> Option<&mut Headers> {
    if map_type == 6 {
        return s.call_response.as_mut().map(|r| &mut r.headers);
    }
    if map_type == 7 {
        return s.call_response.as_mut().map(|r| &mut r.trailers);
    }
    let stream = s.stream()?;
    match map_type {
        0 => stream.request_headers.as_mut(),
        1 => stream.request_trailers.as_mut(),
        2 => stream.response_headers.as_mut(),
        3 => stream.response_trailers.as_mut(),
        _ => None,
    }
}

pub(super) fn linker(
    engine: &Engine,
    module: &Module,
    store: &mut Store<HostState>,
) -> Result<Linker<HostState>, DriverError> {
    let mut linker: Linker<HostState> = Linker::new(engine);
    define_env(&mut linker).map_err(DriverError::setup)?;
    // WASI calls are not checked against the `_initialize` list: wasmtime's
    // preview 1 functions find the guest's memory only when wasm calls them
    // directly, so they can't be wrapped. logsift's `_initialize` makes none.
    p1::add_to_linker_sync(&mut linker, |s: &mut HostState| &mut s.wasi).map_err(DriverError::setup)?;
    for import in module.imports() {
        if linker.get_by_import(&mut *store, &import).is_none() {
            let what =
                if import.module() == "env" { "proxy-wasm ABI 0.2.1, as Envoy" } else { "WASI preview 1" };
            return Err(DriverError::Setup(format!(
                "the plugin imports {}.{}, which this host ({what}) does not provide",
                import.module(),
                import.name()
            )));
        }
    }
    Ok(linker)
}

fn define_env(l: &mut Linker<HostState>) -> Res<()> {
    l.func_wrap(
        "env",
        "proxy_log",
        |mut c: Caller<'_, HostState>, lvl: i32, ptr: i32, len: i32| -> Res<i32> {
            allowed(&c, "env.proxy_log")?;
            let Some(msg) = text(&mut c, ptr, len)? else { return Ok(status::INVALID_MEMORY_ACCESS) };
            c.data_mut().log(lvl as u32, msg);
            Ok(status::OK)
        },
    )?;
    l.func_wrap("env", "proxy_get_log_level", |mut c: Caller<'_, HostState>, ret: i32| -> Res<i32> {
        allowed(&c, "env.proxy_get_log_level")?;
        let lvl = c.data().cfg.log_level;
        Ok(if write_u32(&mut c, ret, lvl)? { status::OK } else { status::INVALID_MEMORY_ACCESS })
    })?;
    l.func_wrap(
        "env",
        "proxy_get_current_time_nanoseconds",
        |mut c: Caller<'_, HostState>, ret: i32| -> Res<i32> {
            allowed(&c, "env.proxy_get_current_time_nanoseconds")?;
            let now = c.data().now_nanos;
            Ok(if write(&mut c, ret, &now.to_le_bytes())? {
                status::OK
            } else {
                status::INVALID_MEMORY_ACCESS
            })
        },
    )?;
    l.func_wrap(
        "env",
        "proxy_set_tick_period_milliseconds",
        |c: Caller<'_, HostState>, ms: i32| -> Res<i32> {
            allowed(&c, "env.proxy_set_tick_period_milliseconds")?;
            let mut c = c;
            c.data_mut().tick_period_ms = ms as u32;
            Ok(status::OK)
        },
    )?;
    l.func_wrap(
        "env",
        "proxy_get_buffer_bytes",
        |mut c: Caller<'_, HostState>,
         ty: i32,
         start: i32,
         max: i32,
         ptr_ptr: i32,
         size_ptr: i32|
         -> Res<i32> {
            allowed(&c, "env.proxy_get_buffer_bytes")?;
            let s = c.data_mut();
            let buf: Option<Vec<u8>> = match ty {
                0 => s.stream().and_then(|st| st.request_body.clone()),
                1 => s.stream().and_then(|st| st.response_body.clone()),
                4 => s.call_response.as_ref().map(|r| r.body.clone()),
                6 if s.config_phase == ConfigPhase::VmStart => Some(s.cfg.vm_config.clone()),
                7 if s.config_phase == ConfigPhase::Configure => Some(s.cfg.plugin_config.clone()),
                _ => None,
            };
            let Some(buf) = buf else { return Ok(status::NOT_FOUND) };
            let (start, max) = (start as u32 as usize, max as u32 as usize);
            if start > buf.len() {
                return Ok(status::BAD_ARGUMENT);
            }
            let end = start.saturating_add(max).min(buf.len());
            if end == start {
                return Ok(status::OK);
            }
            copy_out(&mut c, &buf[start..end], ptr_ptr, size_ptr)
        },
    )?;
    l.func_wrap(
        "env",
        "proxy_set_buffer_bytes",
        |mut c: Caller<'_, HostState>, ty: i32, start: i32, size: i32, ptr: i32, len: i32| -> Res<i32> {
            allowed(&c, "env.proxy_set_buffer_bytes")?;
            let Some(data) = read(&mut c, ptr, len)? else { return Ok(status::INVALID_MEMORY_ACCESS) };
            let s = c.data_mut();
            let buf = match ty {
                0 => s.stream().and_then(|st| st.request_body.as_mut()),
                1 => s.stream().and_then(|st| st.response_body.as_mut()),
                _ => None,
            };
            let Some(buf) = buf else { return Ok(status::NOT_FOUND) };
            let (start, size) = (start as u32 as usize, size as u32 as usize);
            // Envoy's Buffer::copyFrom: replace a prefix, or append.
            if start == 0 {
                buf.drain(..size.min(buf.len()));
                buf.splice(0..0, data);
            } else if start >= buf.len() {
                buf.extend_from_slice(&data);
            } else {
                return Ok(status::BAD_ARGUMENT);
            }
            Ok(status::OK)
        },
    )?;
    l.func_wrap(
        "env",
        "proxy_get_header_map_pairs",
        |mut c: Caller<'_, HostState>, ty: i32, ptr_ptr: i32, size_ptr: i32| -> Res<i32> {
            allowed(&c, "env.proxy_get_header_map_pairs")?;
            let Some(map) = map_of(c.data_mut(), ty) else { return Ok(status::BAD_ARGUMENT) };
            let bytes = serialize_map(map);
            copy_out(&mut c, &bytes, ptr_ptr, size_ptr)
        },
    )?;
    l.func_wrap(
        "env",
        "proxy_set_header_map_pairs",
        |mut c: Caller<'_, HostState>, ty: i32, ptr: i32, len: i32| -> Res<i32> {
            allowed(&c, "env.proxy_set_header_map_pairs")?;
            let Some(raw) = read(&mut c, ptr, len)? else { return Ok(status::INVALID_MEMORY_ACCESS) };
            let Some(pairs) = deserialize_map(&raw) else { return Ok(status::BAD_ARGUMENT) };
            let Some(map) = map_of(c.data_mut(), ty) else { return Ok(status::BAD_ARGUMENT) };
            *map = pairs;
            Ok(status::OK)
        },
    )?;
    l.func_wrap(
        "env",
        "proxy_get_header_map_value",
        |mut c: Caller<'_, HostState>, ty: i32, kp: i32, kl: i32, ptr_ptr: i32, size_ptr: i32| -> Res<i32> {
            allowed(&c, "env.proxy_get_header_map_value")?;
            let Some(key) = text(&mut c, kp, kl)? else { return Ok(status::INVALID_MEMORY_ACCESS) };
            let Some(map) = map_of(c.data_mut(), ty) else { return Ok(status::BAD_ARGUMENT) };
            let key = key.to_ascii_lowercase();
            let Some(v) = map.iter().find(|(k, _)| *k == key).map(|(_, v)| v.clone()) else {
                return Ok(status::NOT_FOUND);
            };
            copy_out(&mut c, &v, ptr_ptr, size_ptr)
        },
    )?;
    for name in ["proxy_add_header_map_value", "proxy_replace_header_map_value"] {
        let add = name == "proxy_add_header_map_value";
        l.func_wrap(
            "env",
            name,
            move |mut c: Caller<'_, HostState>, ty: i32, kp: i32, kl: i32, vp: i32, vl: i32| -> Res<i32> {
                allowed(
                    &c,
                    if add { "env.proxy_add_header_map_value" } else { "env.proxy_replace_header_map_value" },
                )?;
                let Some(key) = text(&mut c, kp, kl)? else { return Ok(status::INVALID_MEMORY_ACCESS) };
                let Some(value) = read(&mut c, vp, vl)? else { return Ok(status::INVALID_MEMORY_ACCESS) };
                let Some(map) = map_of(c.data_mut(), ty) else { return Ok(status::BAD_ARGUMENT) };
                let key = key.to_ascii_lowercase();
                if add {
                    map.push((key, value));
                } else if let Some(i) = map.iter().position(|(k, _)| *k == key) {
                    map[i].1 = value;
                    let mut seen = false;
                    map.retain(|(k, _)| {
                        if *k != key {
                            return true;
                        }
                        let keep = !seen;
                        seen = true;
                        keep
                    });
                } else {
                    map.push((key, value));
                }
                Ok(status::OK)
            },
        )?;
    }
    l.func_wrap(
        "env",
        "proxy_remove_header_map_value",
        |mut c: Caller<'_, HostState>, ty: i32, kp: i32, kl: i32| -> Res<i32> {
            allowed(&c, "env.proxy_remove_header_map_value")?;
            let Some(key) = text(&mut c, kp, kl)? else { return Ok(status::INVALID_MEMORY_ACCESS) };
            let Some(map) = map_of(c.data_mut(), ty) else { return Ok(status::BAD_ARGUMENT) };
            let key = key.to_ascii_lowercase();
            map.retain(|(k, _)| *k != key);
            Ok(status::OK)
        },
    )?;
    l.func_wrap(
        "env",
        "proxy_get_property",
        |mut c: Caller<'_, HostState>, pp: i32, pl: i32, ptr_ptr: i32, size_ptr: i32| -> Res<i32> {
            allowed(&c, "env.proxy_get_property")?;
            let Some(path) = text(&mut c, pp, pl)? else { return Ok(status::INVALID_MEMORY_ACCESS) };
            let Some(v) = property(c.data_mut(), &path) else { return Ok(status::NOT_FOUND) };
            copy_out(&mut c, &v, ptr_ptr, size_ptr)
        },
    )?;
    l.func_wrap(
        "env",
        "proxy_set_property",
        |mut c: Caller<'_, HostState>, pp: i32, pl: i32, vp: i32, vl: i32| -> Res<i32> {
            allowed(&c, "env.proxy_set_property")?;
            let Some(path) = text(&mut c, pp, pl)? else { return Ok(status::INVALID_MEMORY_ACCESS) };
            let Some(v) = read(&mut c, vp, vl)? else { return Ok(status::INVALID_MEMORY_ACCESS) };
            let Some(st) = c.data_mut().stream() else { return Ok(status::NOT_FOUND) };
            st.properties.insert(path, v);
            Ok(status::OK)
        },
    )?;
    l.func_wrap(
        "env",
        "proxy_send_local_response",
        |mut c: Caller<'_, HostState>,
         code: i32,
         _dp: i32,
         _dl: i32,
         bp: i32,
         bl: i32,
         hp: i32,
         hl: i32,
         _grpc: i32|
         -> Res<i32> {
            allowed(&c, "env.proxy_send_local_response")?;
            let Some(body) = read(&mut c, bp, bl)? else { return Ok(status::INVALID_MEMORY_ACCESS) };
            let Some(raw) = read(&mut c, hp, hl)? else { return Ok(status::INVALID_MEMORY_ACCESS) };
            let Some(headers) = deserialize_map(&raw) else { return Ok(status::BAD_ARGUMENT) };
            let s = c.data_mut();
            if s.current == s.root_id {
                return Ok(status::NOT_FOUND);
            }
            let Some(st) = s.stream() else { return Ok(status::NOT_FOUND) };
            st.local_reply = Some(HttpResponse { status: code as u16, headers, body, trailers: Vec::new() });
            Ok(status::OK)
        },
    )?;
    l.func_wrap("env", "proxy_continue_stream", |mut c: Caller<'_, HostState>, _ty: i32| -> Res<i32> {
        allowed(&c, "env.proxy_continue_stream")?;
        let s = c.data_mut();
        let Some(st) = s.streams.get_mut(&s.current) else { return Ok(status::NOT_FOUND) };
        st.continued = true;
        Ok(status::OK)
    })?;
    l.func_wrap("env", "proxy_close_stream", |mut c: Caller<'_, HostState>, _ty: i32| -> Res<i32> {
        allowed(&c, "env.proxy_close_stream")?;
        let s = c.data_mut();
        let Some(st) = s.streams.get_mut(&s.current) else { return Ok(status::NOT_FOUND) };
        st.local_reply.get_or_insert_with(|| HttpResponse::status(503));
        Ok(status::OK)
    })?;
    l.func_wrap(
        "env",
        "proxy_http_call",
        |mut c: Caller<'_, HostState>,
         up: i32,
         ul: i32,
         hp: i32,
         hl: i32,
         bp: i32,
         bl: i32,
         tp: i32,
         tl: i32,
         timeout: i32,
         token_ptr: i32|
         -> Res<i32> {
            allowed(&c, "env.proxy_http_call")?;
            let (Some(cluster), Some(h), Some(body), Some(t)) =
                (text(&mut c, up, ul)?, read(&mut c, hp, hl)?, read(&mut c, bp, bl)?, read(&mut c, tp, tl)?)
            else {
                return Ok(status::INVALID_MEMORY_ACCESS);
            };
            let (Some(headers), Some(trailers)) = (deserialize_map(&h), deserialize_map(&t)) else {
                return Ok(status::BAD_ARGUMENT);
            };
            // Envoy requires these three pseudo-headers.
            for required in [":method", ":path", ":authority"] {
                if !headers.iter().any(|(k, _)| k == required) {
                    return Ok(status::BAD_ARGUMENT);
                }
            }
            let s = c.data_mut();
            let call = HttpCall {
                cluster,
                headers,
                body,
                trailers,
                timeout_ms: timeout as u32,
                at_nanos: s.now_nanos,
            };
            let answer = s.upstream.call(&call);
            let resp = match answer {
                CallAnswer::UnknownCluster => return Ok(status::BAD_ARGUMENT),
                CallAnswer::Failed => None,
                CallAnswer::Response(mut r) => {
                    r.headers.insert(0, (":status".into(), r.status.to_string().into_bytes()));
                    Some(r)
                }
            };
            let token = s.next_token;
            s.next_token += 1;
            let ctx = s.current;
            s.pending.push((ctx, token, resp));
            Ok(if write_u32(&mut c, token_ptr, token)? { status::OK } else { status::INVALID_MEMORY_ACCESS })
        },
    )?;
    l.func_wrap(
        "env",
        "proxy_define_metric",
        |mut c: Caller<'_, HostState>, kind: i32, np: i32, nl: i32, ret: i32| -> Res<i32> {
            allowed(&c, "env.proxy_define_metric")?;
            let Some(name) = text(&mut c, np, nl)? else { return Ok(status::INVALID_MEMORY_ACCESS) };
            if !(0..=2).contains(&kind) {
                return Ok(status::BAD_ARGUMENT);
            }
            let metrics = &mut c.data_mut().metrics;
            let id = match metrics.iter().position(|m| m.name == name) {
                Some(i) => i + 1,
                None => {
                    metrics.push(Metric { name, kind: kind as u32, value: 0 });
                    metrics.len()
                }
            };
            Ok(if write_u32(&mut c, ret, id as u32)? { status::OK } else { status::INVALID_MEMORY_ACCESS })
        },
    )?;
    l.func_wrap(
        "env",
        "proxy_increment_metric",
        |mut c: Caller<'_, HostState>, id: i32, by: i64| -> Res<i32> {
            allowed(&c, "env.proxy_increment_metric")?;
            let Some(m) = c.data_mut().metrics.get_mut((id as u32 as usize).wrapping_sub(1)) else {
                return Ok(status::NOT_FOUND);
            };
            if m.kind == 2 || (m.kind == 0 && by < 0) {
                return Ok(status::BAD_ARGUMENT);
            }
            m.value = m.value.saturating_add(by);
            Ok(status::OK)
        },
    )?;
    l.func_wrap("env", "proxy_record_metric", |mut c: Caller<'_, HostState>, id: i32, v: i64| -> Res<i32> {
        allowed(&c, "env.proxy_record_metric")?;
        let Some(m) = c.data_mut().metrics.get_mut((id as u32 as usize).wrapping_sub(1)) else {
            return Ok(status::NOT_FOUND);
        };
        m.value = v;
        Ok(status::OK)
    })?;
    l.func_wrap("env", "proxy_get_metric", |mut c: Caller<'_, HostState>, id: i32, ret: i32| -> Res<i32> {
        allowed(&c, "env.proxy_get_metric")?;
        let Some(m) = c.data().metrics.get((id as u32 as usize).wrapping_sub(1)) else {
            return Ok(status::NOT_FOUND);
        };
        if m.kind == 2 {
            return Ok(status::BAD_ARGUMENT);
        }
        let v = m.value as u64;
        Ok(if write(&mut c, ret, &v.to_le_bytes())? { status::OK } else { status::INVALID_MEMORY_ACCESS })
    })?;
    l.func_wrap("env", "proxy_set_effective_context", |mut c: Caller<'_, HostState>, id: i32| -> Res<i32> {
        allowed(&c, "env.proxy_set_effective_context")?;
        let s = c.data_mut();
        let id = id as u32;
        if id != s.root_id && !s.streams.contains_key(&id) {
            return Ok(status::BAD_ARGUMENT);
        }
        s.current = id;
        Ok(status::OK)
    })?;
    l.func_wrap("env", "proxy_done", |mut c: Caller<'_, HostState>| -> Res<i32> {
        allowed(&c, "env.proxy_done")?;
        let s = c.data_mut();
        if !s.shutting_down {
            return Ok(status::NOT_FOUND);
        }
        s.done = true;
        Ok(status::OK)
    })?;
    l.func_wrap(
        "env",
        "proxy_call_foreign_function",
        |c: Caller<'_, HostState>, _np: i32, _nl: i32, _ap: i32, _al: i32, _rp: i32, _rl: i32| -> Res<i32> {
            allowed(&c, "env.proxy_call_foreign_function")?;
            Ok(status::NOT_FOUND)
        },
    )?;
    l.func_wrap(
        "env",
        "proxy_get_status",
        |mut c: Caller<'_, HostState>, code_ptr: i32, ptr_ptr: i32, size_ptr: i32| -> Res<i32> {
            allowed(&c, "env.proxy_get_status")?;
            let code = c.data().call_response.as_ref().map_or(0, |r| u32::from(r.status));
            if !write_u32(&mut c, code_ptr, code)? {
                return Ok(status::INVALID_MEMORY_ACCESS);
            }
            copy_out(&mut c, &[], ptr_ptr, size_ptr)
        },
    )?;
    // Shared data: one VM, so a map with compare-and-swap versions.
    l.func_wrap(
        "env",
        "proxy_get_shared_data",
        |mut c: Caller<'_, HostState>,
         kp: i32,
         kl: i32,
         ptr_ptr: i32,
         size_ptr: i32,
         cas_ptr: i32|
         -> Res<i32> {
            allowed(&c, "env.proxy_get_shared_data")?;
            let Some(key) = text(&mut c, kp, kl)? else { return Ok(status::INVALID_MEMORY_ACCESS) };
            let Some((v, cas)) = c.data().shared.get(&key).cloned() else { return Ok(status::NOT_FOUND) };
            if !write_u32(&mut c, cas_ptr, cas)? {
                return Ok(status::INVALID_MEMORY_ACCESS);
            }
            copy_out(&mut c, &v, ptr_ptr, size_ptr)
        },
    )?;
    l.func_wrap(
        "env",
        "proxy_set_shared_data",
        |mut c: Caller<'_, HostState>, kp: i32, kl: i32, vp: i32, vl: i32, cas: i32| -> Res<i32> {
            allowed(&c, "env.proxy_set_shared_data")?;
            let (Some(key), Some(v)) = (text(&mut c, kp, kl)?, read(&mut c, vp, vl)?) else {
                return Ok(status::INVALID_MEMORY_ACCESS);
            };
            let shared = &mut c.data_mut().shared;
            let current = shared.get(&key).map_or(0, |e| e.1);
            if cas != 0 && cas as u32 != current {
                return Ok(status::CAS_MISMATCH);
            }
            shared.insert(key, (v, current.wrapping_add(1).max(1)));
            Ok(status::OK)
        },
    )?;
    // Not used by logsift: shared queues and gRPC.
    macro_rules! unimplemented_call {
        ($name:literal, $($arg:ident),*) => {
            l.func_wrap("env", $name, |c: Caller<'_, HostState>, $($arg: i32),*| -> Res<i32> {
                allowed(&c, concat!("env.", $name))?;
                $(let _ = $arg;)*
                Ok(status::UNIMPLEMENTED)
            })?;
        };
    }
    unimplemented_call!("proxy_register_shared_queue", a, b, c2);
    unimplemented_call!("proxy_resolve_shared_queue", a, b, c2, d, e);
    unimplemented_call!("proxy_dequeue_shared_queue", a, b, c2);
    unimplemented_call!("proxy_enqueue_shared_queue", a, b, c2);
    unimplemented_call!("proxy_grpc_call", a, b, c2, d, e, f, g, h, i, j, k, m);
    unimplemented_call!("proxy_grpc_stream", a, b, c2, d, e, f, g, h, i);
    unimplemented_call!("proxy_grpc_send", a, b, c2, d);
    unimplemented_call!("proxy_grpc_cancel", a);
    unimplemented_call!("proxy_grpc_close", a);
    Ok(())
}
