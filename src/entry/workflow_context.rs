//! `WorkflowContext`: which workflow run, job and step a child entry belongs to.

use serde_json::Value;

use super::decode::{DecodeError, Fields};

/// The four identifying keys are always written, in the order workflowName,
/// runId, jobName, stepName; `modelType`, `driver` and `executor` follow when
/// known, and are kept even when empty (unlike the "truthy" fields).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkflowContext {
    pub workflow_name: String,
    pub run_id: String,
    pub job_name: String,
    pub step_name: String,
    pub model_type: Option<String>,
    pub driver: Option<String>,
    /// Where the step ran (`loopback` or a worker name); added upstream after
    /// PR #1349 and taken from `step_completed.executor`.
    pub executor: Option<String>,
}

impl WorkflowContext {
    pub fn from_data(value: &Value, path: &str) -> Result<Self, DecodeError> {
        let f = Fields::new(value, path)?;
        Ok(WorkflowContext {
            workflow_name: f.string("workflowName")?,
            run_id: f.string("runId")?,
            job_name: f.string("jobName")?,
            step_name: f.string("stepName")?,
            model_type: f.opt_string("modelType")?,
            driver: f.opt_string("driver")?,
            executor: f.opt_string("executor")?,
        })
    }
}
