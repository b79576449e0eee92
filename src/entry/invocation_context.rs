//! `InvocationContext`: how the CLI was being used (agent session, TTY, AI tools).

use serde_json::Value;

use super::decode::{DecodeError, Fields};

/// Stamped by the caller on the parent and every child entry. `configuredAiTools`
/// distinguishes `[]` (known to be none) from absent (not detected).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvocationContext {
    pub agent_session_detected: bool,
    pub is_interactive: bool,
    pub configured_ai_tools: Option<Vec<String>>,
    pub detected_ai_tool: Option<String>,
}

impl InvocationContext {
    pub fn from_data(value: &Value, path: &str) -> Result<Self, DecodeError> {
        let f = Fields::new(value, path)?;
        Ok(InvocationContext {
            agent_session_detected: f.bool("agentSessionDetected")?,
            is_interactive: f.bool("isInteractive")?,
            configured_ai_tools: f.opt_strings("configuredAiTools")?,
            detected_ai_tool: f.opt_string("detectedAiTool")?,
        })
    }
}
