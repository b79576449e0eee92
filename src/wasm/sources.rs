//! The caller's callbacks, fenced: the host workflow never notices a
//! telemetry failure.

use js_sys::{Function, Promise};
use wasm_bindgen::prelude::*;

use crate::clock::Clock;
use crate::ids::{IdSource, RandomIds};
use crate::time::Timestamp;

/// The caller's `clock`, fenced: anything but a valid instant means `Date.now()`.
pub(super) struct JsClock(pub(super) Option<Function>);

impl Clock for JsClock {
    fn now(&mut self) -> Timestamp {
        let from_caller = self
            .0
            .as_ref()
            .and_then(|f| f.call0(&JsValue::UNDEFINED).ok())
            .and_then(|v| v.as_f64())
            .and_then(|ms| Timestamp::from_millis_f64(ms).ok());
        from_caller.unwrap_or_else(|| {
            Timestamp::from_millis_f64(js_sys::Date::now()).unwrap_or(Timestamp::EPOCH)
        })
    }
}

/// The caller's `idGenerator`, fenced: anything but a non-empty string means a
/// random UUID v4.
pub(super) struct JsIds {
    pub(super) generator: Option<Function>,
    pub(super) random: RandomIds,
}

impl IdSource for JsIds {
    fn next_id(&mut self) -> String {
        let from_caller = self
            .generator
            .as_ref()
            .and_then(|f| f.call0(&JsValue::UNDEFINED).ok())
            .and_then(|v| v.as_string())
            .filter(|s| !s.is_empty());
        from_caller.unwrap_or_else(|| self.random.next_id())
    }
}

/// The caller's `sink`, fenced: throws and rejected promises are counted, never
/// propagated.
pub(super) struct JsSink {
    pub(super) f: Function,
    pub(super) errors: std::rc::Rc<std::cell::Cell<u32>>,
    pub(super) on_reject: Closure<dyn FnMut(JsValue)>,
}

impl JsSink {
    pub(super) fn new(f: Function) -> Self {
        let errors = std::rc::Rc::new(std::cell::Cell::new(0u32));
        let counter = errors.clone();
        let on_reject =
            Closure::new(move |_reason: JsValue| counter.set(counter.get().saturating_add(1)));
        JsSink {
            f,
            errors,
            on_reject,
        }
    }

    pub(super) fn deliver(&self, entry: &JsValue) {
        match self.f.call1(&JsValue::UNDEFINED, entry) {
            Err(_) => self.errors.set(self.errors.get().saturating_add(1)),
            Ok(ret) => {
                if let Some(p) = ret.dyn_ref::<Promise>() {
                    let _ = p.catch(&self.on_reject);
                }
            }
        }
    }
}
