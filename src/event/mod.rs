//! Events: the canonical workflow vocabulary the bridge consumes, read in one
//! lenient pass and then validated per kind with errors that name the field.

mod error;
pub mod field;
pub mod filter;
mod raw;
pub mod scan;
mod workflow_event;

pub use error::EventError;
pub use field::JsonType;
pub use filter::{EventFilter, NamePattern};
pub use raw::{RawEvent, RawFields, FIELD_NAMES};
pub use workflow_event::{
    Ended, Event, MethodExecuting, ModelResolved, ParseError, Started, StepCompleted, StepFailed,
    StepRef, WorkflowEvent, KIND_FIELDS,
};
