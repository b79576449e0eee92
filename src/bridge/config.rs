//! What a bridge stamps on every child entry.

use crate::entry::InvocationContext;

/// The parent invocation's identity and environment, copied onto each child.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BridgeConfig {
    /// The parent CLI invocation's entry id. Empty means no parent: the key is
    /// then omitted from entries (the "truthy" rule).
    pub parent_invocation_id: String,
    /// Written as `swampVersion`.
    pub version: String,
    /// Written as `denoVersion` (the runtime's version).
    pub runtime_version: String,
    pub platform: String,
    pub invocation_context: Option<InvocationContext>,
}
