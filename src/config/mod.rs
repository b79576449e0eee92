//! Options as callers hand them in (from JavaScript, or any JSON), declared
//! once: each operation's options are a struct declared with its fields and
//! their camelCase keys (`reading`), read from JSON data refusing keys it
//! does not know, with its values checked (`validate` for what their types
//! cannot say) before it becomes the core's own options.
//!
//! A bad option is a [`ConfigError`] naming its path (`options.buckets[2]`)
//! and what was expected there; the wasm binding turns it into the
//! `ArgumentError` the README documents.

mod error;
mod exports;
mod ingest;
mod model;
mod query;
pub(crate) mod reading;
mod values;

pub use error::ConfigError;
pub use exports::{LogFormat, LogsConfig, MetricsConfig, TracesConfig};
pub use ingest::{IngestConfig, SnapshotConfig};
pub use model::RunModelConfig;
pub use query::QueryConfig;
pub use reading::{At, Read};
pub use values::{EventsConfig, Millis, Nullable, Numbers, PositiveInt, Rate, Strings, Thresholds};

use serde_json::Value;

/// Options read from JSON.
pub trait Config: Read + Default {
    /// Checks what the types alone cannot (ranges, lengths, patterns).
    fn validate(&self, name: &str) -> Result<(), ConfigError> {
        let _ = name;
        Ok(())
    }
}

/// Reads the options `name` (`options`, `query`) from `value`: `null` is
/// every default; anything but an object is refused, as are unknown keys and
/// values of the wrong type or range, naming the path.
pub fn read<T: Config>(value: &Value, name: &str) -> Result<T, ConfigError> {
    let parsed = match value {
        Value::Null => T::default(),
        v => T::read(v, &reading::At::root(name))?,
    };
    parsed.validate(name)?;
    Ok(parsed)
}
