//! `cargo xtask oci`: the proxy-wasm module as an OCI artefact for Istio's
//! `WasmPlugin` (and other Wasm image pullers), written as an OCI image
//! layout — `dist/oci/logsift-proxy-wasm/` and a tar of it,
//! `dist/logsift-proxy-wasm.oci.tar` — with no registry and no tool.
//!
//! The image follows the *oci* variant of the Wasm image specification
//! (solo-io/wasm `spec/spec.md`), which Istio's image fetcher reads
//! (`pkg/wasm/imagefetcher.go`, `extractOCIArtifactImage`): a manifest of
//! exactly two layers, the runtime config (`application/vnd.module.wasm.config.v1+json`,
//! titled `runtime-config.json`) and the module itself, uncompressed
//! (`application/vnd.module.wasm.content.layer.v1+wasm`, titled
//! `plugin.wasm`). The runtime config is the manifest's config too, so tools
//! that look there for it find it.
//!
//! Layout (OCI image-spec `image-layout.md`): `oci-layout`, `index.json`
//! naming the manifest with `org.opencontainers.image.ref.name` = the tag,
//! and every blob under `blobs/sha256/<hex digest>`. Everything is
//! deterministic: the same module gives the same digests, and the tar has
//! fixed modes, owners and times.

use std::path::{Path, PathBuf};

use serde_json::json;
use sha2::{Digest, Sha256};

pub(crate) const CONFIG_MEDIA_TYPE: &str = "application/vnd.module.wasm.config.v1+json";
pub(crate) const WASM_LAYER_MEDIA_TYPE: &str = "application/vnd.module.wasm.content.layer.v1+wasm";
const MANIFEST_MEDIA_TYPE: &str = "application/vnd.oci.image.manifest.v1+json";
const INDEX_MEDIA_TYPE: &str = "application/vnd.oci.image.index.v1+json";

/// What the layout was written from, and where it went.
#[derive(Debug)]
pub(crate) struct Layout {
    pub(crate) dir: PathBuf,
    pub(crate) tag: String,
    /// `sha256:<hex>` of the manifest: what `WasmPlugin.spec.sha256` pins
    /// (without the `sha256:` prefix) for an image.
    pub(crate) manifest_digest: String,
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// Writes `blob` under `dir/blobs/sha256/` and returns its descriptor.
fn put_blob(dir: &Path, media_type: &str, blob: &[u8]) -> Result<serde_json::Value, String> {
    let hex = sha256_hex(blob);
    let path = dir.join("blobs/sha256").join(&hex);
    std::fs::write(&path, blob).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(json!({ "mediaType": media_type, "digest": format!("sha256:{hex}"), "size": blob.len() }))
}

/// Writes the OCI image layout of `module` into `dir` (replacing it), the
/// manifest tagged `tag`; `annotations` go on the manifest.
pub(crate) fn write_layout(
    module: &[u8],
    dir: &Path,
    tag: &str,
    annotations: &serde_json::Map<String, serde_json::Value>,
) -> Result<Layout, String> {
    if !module.starts_with(b"\0asm") {
        return Err("not a WebAssembly module (no \\0asm header)".into());
    }
    if dir.exists() {
        std::fs::remove_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    std::fs::create_dir_all(dir.join("blobs/sha256")).map_err(|e| format!("{}: {e}", dir.display()))?;
    // The Envoy runtime config of the spec: the proxy-wasm ABI the module
    // exports (`proxy_abi_version_0_2_1`), and the root id the shipped
    // configs use (`pluginName` in observability/istio/wasmplugin.yaml).
    let runtime_config = serde_json::to_vec(&json!({
        "type": "envoy_proxy",
        "abiVersions": ["v0.2.1"],
        "config": { "root_ids": ["logsift"] },
    }))
    .map_err(|e| e.to_string())?;
    let config = put_blob(dir, CONFIG_MEDIA_TYPE, &runtime_config)?;
    let titled = |mut d: serde_json::Value, title: &str| {
        d["annotations"] = json!({ "org.opencontainers.image.title": title });
        d
    };
    let wasm = put_blob(dir, WASM_LAYER_MEDIA_TYPE, module)?;
    let manifest = json!({
        "schemaVersion": 2,
        "mediaType": MANIFEST_MEDIA_TYPE,
        "config": config.clone(),
        "layers": [titled(config, "runtime-config.json"), titled(wasm, "plugin.wasm")],
        "annotations": annotations,
    });
    let manifest = serde_json::to_vec_pretty(&manifest).map_err(|e| e.to_string())?;
    let mut manifest_desc = put_blob(dir, MANIFEST_MEDIA_TYPE, &manifest)?;
    let manifest_digest = manifest_desc["digest"].as_str().unwrap_or_default().to_owned();
    manifest_desc["annotations"] = json!({ "org.opencontainers.image.ref.name": tag });
    let index = json!({ "schemaVersion": 2, "mediaType": INDEX_MEDIA_TYPE, "manifests": [manifest_desc] });
    let write = |name: &str, bytes: Vec<u8>| {
        std::fs::write(dir.join(name), bytes).map_err(|e| format!("{}: {e}", dir.join(name).display()))
    };
    write("index.json", serde_json::to_vec_pretty(&index).map_err(|e| e.to_string())?)?;
    write("oci-layout", br#"{"imageLayoutVersion":"1.0.0"}"#.to_vec())?;
    Ok(Layout { dir: dir.to_path_buf(), tag: tag.to_owned(), manifest_digest })
}

/// A POSIX ustar archive of `dir`'s tree (directories first, names sorted),
/// with paths relative to `dir`, as `skopeo copy oci-archive:` reads it.
pub(crate) fn tar_dir(dir: &Path, out: &Path) -> Result<(), String> {
    let mut entries = Vec::new();
    collect(dir, dir, &mut entries)?;
    entries.sort();
    let mut tar = Vec::new();
    for rel in entries {
        let path = dir.join(&rel);
        let name = rel.to_string_lossy().replace('\\', "/");
        if path.is_dir() {
            header(&mut tar, &format!("{name}/"), 0, b'5', 0o755)?;
        } else {
            let bytes = std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
            header(&mut tar, &name, bytes.len() as u64, b'0', 0o644)?;
            tar.extend_from_slice(&bytes);
            tar.resize(tar.len().div_ceil(512) * 512, 0);
        }
    }
    // Two zero blocks end the archive.
    tar.resize(tar.len() + 1024, 0);
    std::fs::write(out, tar).map_err(|e| format!("{}: {e}", out.display()))
}

fn collect(root: &Path, dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), String> {
    for entry in std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))? {
        let path = entry.map_err(|e| e.to_string())?.path();
        out.push(path.strip_prefix(root).map_err(|e| e.to_string())?.to_path_buf());
        if path.is_dir() {
            collect(root, &path, out)?;
        }
    }
    Ok(())
}

/// One 512-byte ustar header: owner root, mtime 0 (reproducible).
fn header(tar: &mut Vec<u8>, name: &str, size: u64, kind: u8, mode: u32) -> Result<(), String> {
    if name.len() > 100 {
        return Err(format!("{name}: longer than a ustar name (100 bytes)"));
    }
    let mut h = [0u8; 512];
    let octal = |h: &mut [u8; 512], at: usize, len: usize, v: u64| {
        let s = format!("{v:0width$o}", width = len - 1);
        h[at..at + len - 1].copy_from_slice(s.as_bytes());
    };
    h[..name.len()].copy_from_slice(name.as_bytes());
    octal(&mut h, 100, 8, u64::from(mode));
    octal(&mut h, 108, 8, 0);
    octal(&mut h, 116, 8, 0);
    octal(&mut h, 124, 12, size);
    octal(&mut h, 136, 12, 0);
    h[156] = kind;
    h[257..263].copy_from_slice(b"ustar\0");
    h[263..265].copy_from_slice(b"00");
    // The checksum is taken with its own field as spaces.
    h[148..156].copy_from_slice(b"        ");
    let sum: u32 = h.iter().map(|&b| u32::from(b)).sum();
    let s = format!("{sum:06o}\0 ");
    h[148..156].copy_from_slice(s.as_bytes());
    tar.extend_from_slice(&h);
    Ok(())
}

/// Checks a layout with skopeo, as a registry client sees it: `inspect`
/// reads the manifest, `copy` to a `dir:` writes its blobs, and the
/// `plugin.wasm` layer there must be `module` byte for byte; the tar is
/// read the same way through `oci-archive:`. `scratch` is emptied and used.
pub(crate) fn check_with_skopeo(
    layout: &Layout,
    tar: &Path,
    module: &[u8],
    scratch: &Path,
) -> Result<(), String> {
    let skopeo = |args: &[String]| -> Result<Vec<u8>, String> {
        let out = std::process::Command::new("skopeo")
            .args(args)
            .output()
            .map_err(|e| format!("skopeo: {e} (Debian: apt-get install skopeo)"))?;
        if !out.status.success() {
            return Err(format!("skopeo {}: {}", args.join(" "), String::from_utf8_lossy(&out.stderr)));
        }
        Ok(out.stdout)
    };
    let oci_ref = format!("oci:{}:{}", layout.dir.display(), layout.tag);
    let raw = skopeo(&["inspect".into(), "--raw".into(), oci_ref.clone()])?;
    let manifest: serde_json::Value = serde_json::from_slice(&raw).map_err(|e| format!("manifest: {e}"))?;
    if format!("sha256:{}", sha256_hex(&raw)) != layout.manifest_digest {
        return Err("skopeo read another manifest than the one written".into());
    }
    if manifest["config"]["mediaType"] != CONFIG_MEDIA_TYPE {
        return Err(format!("config media type: {}", manifest["config"]["mediaType"]));
    }
    let wasm_digest = format!("sha256:{}", sha256_hex(module));
    let layers = manifest["layers"].as_array().cloned().unwrap_or_default();
    let wasm_layers: Vec<_> = layers.iter().filter(|l| l["mediaType"] == WASM_LAYER_MEDIA_TYPE).collect();
    if layers.len() != 2 || wasm_layers.len() != 1 || wasm_layers[0]["digest"] != wasm_digest.as_str() {
        return Err(format!("layers: want the runtime config and {wasm_digest}, got {layers:?}"));
    }
    // Plain `inspect` is for container images: on this artefact skopeo
    // answers "unsupported image-specific operation on artifact", so the
    // manifest is read raw (and its digest checked above).
    let hex = wasm_digest.trim_start_matches("sha256:");
    for (source, name) in
        [(oci_ref, "from-dir"), (format!("oci-archive:{}:{}", tar.display(), layout.tag), "from-tar")]
    {
        let out = scratch.join(name);
        let _ = std::fs::remove_dir_all(&out);
        std::fs::create_dir_all(&out).map_err(|e| format!("{}: {e}", out.display()))?;
        skopeo(&["copy".into(), "--quiet".into(), source.clone(), format!("dir:{}", out.display())])?;
        // skopeo's `dir:` names each blob by its hex digest.
        let copied =
            std::fs::read(out.join(hex)).map_err(|e| format!("{source}: layer {hex} not copied: {e}"))?;
        if copied != module {
            return Err(format!("{source}: the copied plugin.wasm layer differs from the module"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("logsift-oci-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    /// The built module when `cargo xtask dist` made one (`cargo xtask test`
    /// does, before the test suite), else a minimal module.
    fn module() -> Vec<u8> {
        let built = crate::root().join("dist/logsift_proxy_wasm.wasm");
        match std::fs::read(&built) {
            Ok(bytes) => bytes,
            Err(_) if std::env::var_os("CI").is_some() => {
                panic!("{}: run `cargo xtask dist`", built.display())
            }
            Err(_) => b"\0asm\x01\0\0\0".to_vec(),
        }
    }

    #[test]
    fn the_layout_names_every_blob_by_its_digest() {
        let dir = scratch("digests");
        let module = module();
        let layout = write_layout(&module, &dir.join("image"), "0.1.0", &serde_json::Map::new()).unwrap();
        let index: serde_json::Value =
            serde_json::from_slice(&std::fs::read(dir.join("image/index.json")).unwrap()).unwrap();
        assert_eq!(index["manifests"][0]["digest"], layout.manifest_digest.as_str());
        assert_eq!(index["manifests"][0]["annotations"]["org.opencontainers.image.ref.name"], "0.1.0");
        for blob in std::fs::read_dir(dir.join("image/blobs/sha256")).unwrap() {
            let blob = blob.unwrap();
            let bytes = std::fs::read(blob.path()).unwrap();
            assert_eq!(sha256_hex(&bytes), blob.file_name().to_string_lossy());
        }
        // Same module, same digests.
        let again = write_layout(&module, &dir.join("image"), "0.1.0", &serde_json::Map::new()).unwrap();
        assert_eq!(again.manifest_digest, layout.manifest_digest);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_file_that_is_not_wasm_is_refused() {
        let dir = scratch("refused");
        let err = write_layout(b"<html>", &dir.join("image"), "t", &serde_json::Map::new()).unwrap_err();
        assert!(err.contains("not a WebAssembly module"), "{err}");
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// skopeo reads the layout and its tar as a registry client would, and
    /// what it copies out is the module. Under `CI=true` skopeo must be there.
    #[test]
    fn skopeo_inspects_and_copies_the_layout_byte_for_byte() {
        let have =
            std::process::Command::new("skopeo").arg("--version").output().is_ok_and(|o| o.status.success());
        if !have {
            assert!(std::env::var_os("CI").is_none(), "skopeo missing (cargo xtask test installs it)");
            eprintln!("skipped: no skopeo (apt-get install skopeo)");
            return;
        }
        let dir = scratch("skopeo");
        let module = module();
        let layout = write_layout(&module, &dir.join("image"), "0.1.0", &serde_json::Map::new()).unwrap();
        tar_dir(&layout.dir, &dir.join("image.tar")).unwrap();
        check_with_skopeo(&layout, &dir.join("image.tar"), &module, &dir.join("copies")).unwrap();
        // And it would notice another module.
        let mut other = module.clone();
        other.extend_from_slice(b"\0");
        let err =
            check_with_skopeo(&layout, &dir.join("image.tar"), &other, &dir.join("copies")).unwrap_err();
        assert!(err.contains("layers") || err.contains("differs"), "{err}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
