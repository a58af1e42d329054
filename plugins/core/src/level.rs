//! Log levels: one canonical scale for every logger's spelling.
//!
//! Names (`WARN`, `warning`, `Err`, `fatal`…) map case-insensitively.
//! Numeric levels are ambiguous across ecosystems — Python's `30` is WARNING,
//! pino's and bunyan's `30` is info — so the numbering is a config choice,
//! Python by default (the motivating app's).

use schemars::JsonSchema;
use serde::Deserialize;

/// Canonical levels, lowest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// Finer than debug.
    Trace,
    /// Debug.
    Debug,
    /// Info, notice.
    Info,
    /// Warn, warning.
    Warning,
    /// Error.
    Error,
    /// Critical, fatal, panic, emergency, alert.
    Critical,
}

impl Level {
    /// The canonical name written by level normalisation.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Trace => "trace",
            Level::Debug => "debug",
            Level::Info => "info",
            Level::Warning => "warning",
            Level::Error => "error",
            Level::Critical => "critical",
        }
    }
}

/// How numeric levels are read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Numbering {
    /// Python `logging`: 10 debug, 20 info, 30 warning, 40 error, 50 critical.
    #[default]
    Python,
    /// pino and bunyan: 10 trace, 20 debug, 30 info, 40 warn, 50 error, 60 fatal.
    Bunyan,
    /// syslog severities: 0–2 critical, 3 error, 4 warning, 5–6 info, 7 debug.
    Syslog,
}

/// Reads a level from its text (a name, or a number under `numbering`).
pub fn parse(text: &str, numbering: Numbering) -> Option<Level> {
    let t = text.trim();
    if let Ok(n) = t.parse::<i64>() {
        return Some(from_number(n, numbering));
    }
    // Lower-cased on the stack: every name below fits in 16 bytes, and the
    // level is read on every record (one allocation each, before).
    let mut buf = [0u8; 16];
    let lower = buf.get_mut(..t.len())?;
    lower.copy_from_slice(t.as_bytes());
    lower.make_ascii_lowercase();
    Some(match &*lower {
        b"trace" | b"trc" | b"finest" | b"finer" => Level::Trace,
        b"debug" | b"dbg" | b"verbose" | b"fine" => Level::Debug,
        b"info" | b"information" | b"informational" | b"notice" | b"inf" => Level::Info,
        b"warn" | b"warning" | b"wrn" => Level::Warning,
        b"error" | b"err" | b"eror" | b"severe" => Level::Error,
        b"critical" | b"crit" | b"fatal" | b"panic" | b"emerg" | b"emergency" | b"alert" | b"dpanic" => {
            Level::Critical
        }
        _ => return None,
    })
}

fn from_number(n: i64, numbering: Numbering) -> Level {
    match numbering {
        Numbering::Python => match n {
            ..=9 => Level::Trace,
            10..=19 => Level::Debug,
            20..=29 => Level::Info,
            30..=39 => Level::Warning,
            40..=49 => Level::Error,
            _ => Level::Critical,
        },
        Numbering::Bunyan => match n {
            ..=19 => Level::Trace,
            20..=29 => Level::Debug,
            30..=39 => Level::Info,
            40..=49 => Level::Warning,
            50..=59 => Level::Error,
            _ => Level::Critical,
        },
        Numbering::Syslog => match n {
            ..=2 => Level::Critical,
            3 => Level::Error,
            4 => Level::Warning,
            5 | 6 => Level::Info,
            _ => Level::Debug,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_numbers() {
        assert_eq!(parse("WARN", Numbering::Python), Some(Level::Warning));
        assert_eq!(parse("Warning", Numbering::Python), Some(Level::Warning));
        assert_eq!(parse("30", Numbering::Python), Some(Level::Warning));
        assert_eq!(parse("30", Numbering::Bunyan), Some(Level::Info));
        assert_eq!(parse("fatal", Numbering::Python), Some(Level::Critical));
        assert_eq!(parse("3", Numbering::Syslog), Some(Level::Error));
        assert_eq!(parse("loud", Numbering::Python), None);
    }
}
